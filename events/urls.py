from django.urls import path, register_converter

from . import registry, releases, views, views_data, views_maps
from .feeds import RecentRecordsFeed


class ExportFormatConverter:
    regex = "csv|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "export_format")


class CiteFormatConverter(ExportFormatConverter):
    regex = "bib|ris|json|txt"


class ReleaseVersionConverter(ExportFormatConverter):
    regex = releases.VERSION_PATTERN


register_converter(CiteFormatConverter, "cite_format")
register_converter(ReleaseVersionConverter, "release_version")

app_name = "events"


def record_type_urls(record_type):
    """A type's list, its CSV and JSON downloads, its pages and, if it has them, its revision permalinks."""
    views_of = record_type.views
    prefix, name = record_type.prefix, record_type.key
    patterns = [
        path(f"{prefix}/", views_of["list"].as_view(), name=f"{name}-list"),
        path(
            f"{prefix}.<export_format:format>",
            views_of["export"].as_view(list_view=views_of["list"]),
            name=f"{name}-export",
        ),
        path(f"{prefix}/<slug:slug>/", views_of["detail"].as_view(), name=f"{name}-detail"),
        path(
            f"{prefix}/<slug:slug>/cite.<cite_format:format>",
            views_data.CitationView.as_view(model=record_type.model, kind=name),
            name=f"{name}-cite",
        ),
    ]
    if record_type.revision_permalinks:
        patterns.append(
            path(
                f"{prefix}/<slug:slug>/revisions/<int:number>/",
                views.revision_view(record_type.model, prefix),
                name=f"{name}-revision",
            )
        )
    return patterns


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("map/", views_maps.MapView.as_view(), name="map"),
    path("charts/", views.ChartsView.as_view(), name="charts"),
    path("feed.atom", RecentRecordsFeed(), name="feed"),
    path("data/", views_data.DataView.as_view(), name="data"),
    path("data/<release_version:version>/<str:name>", views_data.release_file, name="data-file"),
    *(pattern for record_type in registry.menu() for pattern in record_type_urls(record_type)),
]
