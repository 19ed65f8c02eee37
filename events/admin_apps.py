"""The admin app, served by the archive's own site (events.admin_site); kept apart because an app config is
imported before any model can be."""

from django.contrib.admin.apps import AdminConfig


class ArchiveAdminConfig(AdminConfig):
    default_site = "events.admin_site.ArchiveAdminSite"
