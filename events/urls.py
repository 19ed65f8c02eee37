from django.urls import path, register_converter

from . import models, views
from .feeds import RecentRecordsFeed


class ExportFormatConverter:
    regex = "csv|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "export_format")

app_name = "events"


def export(list_view, view=views.ExportView):
    return view.as_view(list_view=list_view)


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("feed.atom", RecentRecordsFeed(), name="feed"),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents.<export_format:format>", export(views.IncidentListView), name="incident-export"),
    path("incidents/<slug:slug>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path(
        "incidents/<slug:slug>/revisions/<int:number>/",
        views.revision_view(models.Incident, "incidents"),
        name="incident-revision",
    ),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people.<export_format:format>", export(views.PersonListView), name="person-export"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path(
        "people/<slug:slug>/revisions/<int:number>/",
        views.revision_view(models.Person, "people"),
        name="person-revision",
    ),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations.<export_format:format>", export(views.OrganizationListView), name="organization-export"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization-detail"),
    path(
        "organizations/<slug:slug>/revisions/<int:number>/",
        views.revision_view(models.Organization, "organizations"),
        name="organization-revision",
    ),
    path("reactions/", views.ReactionListView.as_view(), name="reaction-list"),
    path(
        "reactions.<export_format:format>",
        export(views.ReactionListView, view=views.ReactionExportView),
        name="reaction-export",
    ),
    path("reactions/<slug:slug>/", views.ReactionDetailView.as_view(), name="reaction-detail"),
    path("places/", views.PlaceListView.as_view(), name="place-list"),
    path("places.<export_format:format>", export(views.PlaceListView), name="place-export"),
    path("places/<slug:slug>/", views.PlaceDetailView.as_view(), name="place-detail"),
    path(
        "places/<slug:slug>/revisions/<int:number>/",
        views.revision_view(models.Place, "places"),
        name="place-revision",
    ),
]
