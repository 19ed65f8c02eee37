"""sitemap.xml: every published record's page and the site's own pages, on the canonical host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import registry


class CanonicalHostSitemap(Sitemap):
    """Names SITE_URL's host and scheme when it is set, the request's otherwise."""

    def get_domain(self, site=None):
        base = getattr(settings, "SITE_URL", "")
        return urlsplit(base).netloc if base else super().get_domain(site)

    def get_protocol(self, protocol=None):
        base = getattr(settings, "SITE_URL", "")
        return urlsplit(base).scheme if base else super().get_protocol(protocol)


class RecordSitemap(CanonicalHostSitemap):
    def __init__(self, queryset, priority=0.6):
        super().__init__()
        self.queryset, self.priority = queryset, priority

    def items(self):
        return self.queryset.order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class PagesSitemap(CanonicalHostSitemap):
    priority = 0.8

    def items(self):
        return [
            "events:home",
            *(record_type.url_name("list") for record_type in registry.menu()),
            "events:timeline",
            "events:map",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PagesSitemap,
    **{
        record_type.prefix: RecordSitemap(
            record_type.sitemap_queryset(record_type.model), priority=record_type.sitemap_priority
        )
        for record_type in registry.RECORD_TYPES
        if record_type.sitemap_priority is not None
    },
}
