"""The public record types, declared once: every public surface reads this list.

The menu, the home page's counts, the URLs (list, CSV/JSON export, detail, revision permalinks), sitemap.xml,
the Atom feed, the site-wide search and its SQLite index, the exports and `export_fixtures` all walk
RECORD_TYPES instead of keeping lists of their own, so a type added here shows everywhere or the registry
test says where it does not (tests/test_registry.py). What a new type needs: docs/architecture.md,
"Adding a record type".

Views and exporters are named, not imported: events.views and events.exports read this module, and a name
keeps the import order one way.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.module_loading import import_string

from .models import Incident, Organization, Person, Place, Reaction, Role


def published(model):
    return model.objects.published()


def for_list(model):
    return model.objects.for_list()


@dataclass(frozen=True)
class RecordType:
    key: str  # the URL names (events:<key>-list, -export, -detail, -revision), search and export kind
    model: type
    prefix: str  # the URL path (/<prefix>/), the menu's and the page's section, the sitemap section
    label: str  # the menu, the home counts and the search groups
    menu_position: int  # the menu, the home counts and the pages sitemap; declaration order everywhere else
    list_view: str  # names in events.views
    detail_view: str
    exporter: str  # a name in events.exports
    export_view: str = "ExportView"
    # Empty: not in the site-wide search. A change needs a migration (see search_index.py).
    search_fields: tuple = ()
    search_queryset: callable = for_list
    in_feed: bool = True
    feed_queryset: callable = published
    sitemap_priority: float | None = 0.6  # None: not in sitemap.xml
    sitemap_queryset: callable = published
    home_count: bool = True
    # Records with a public page have a public address for each revision in which they were published.
    revision_permalinks: bool = False
    fixture_file: str = ""  # its file in fixtures/; the number in front is the load order
    fixture_also: tuple = field(default=())  # rows that belong to the same file (a person's roles)

    def url_name(self, kind):
        return f"events:{self.key}-{kind}"

    @property
    def item_template(self):
        """One record in a list or a search result; it reads the record under the type's key."""
        return f"events/includes/{self.key}_item.html"

    @cached_property
    def views(self):
        return {
            kind: import_string(f"events.views.{name}")
            for kind, name in (("list", self.list_view), ("detail", self.detail_view), ("export", self.export_view))
        }

    @property
    def exporter_class(self):
        return import_string(f"events.exports.{self.exporter}")


# Declaration order is the order of the search groups, the sitemap sections and the feed's tie-breaks.
RECORD_TYPES = (
    RecordType(
        key="incident",
        model=Incident,
        prefix="incidents",
        label="Incidents",
        menu_position=1,
        list_view="IncidentListView",
        detail_view="IncidentDetailView",
        exporter="IncidentExporter",
        search_fields=("title", "summary", "description", "target", "method", "place__name", "place__native_name"),
        sitemap_priority=0.9,
        revision_permalinks=True,
        fixture_file="06_incidents.json",
    ),
    RecordType(
        key="person",
        model=Person,
        prefix="people",
        label="People",
        menu_position=2,
        list_view="PersonListView",
        detail_view="PersonDetailView",
        exporter="PersonExporter",
        search_fields=("name", "aliases", "native_name", "description"),
        revision_permalinks=True,
        fixture_file="05_people.json",
        fixture_also=(Role,),
    ),
    RecordType(
        key="organization",
        model=Organization,
        prefix="organizations",
        label="Organizations",
        menu_position=3,
        list_view="OrganizationListView",
        detail_view="OrganizationDetailView",
        exporter="OrganizationExporter",
        search_fields=("name", "short_name", "aliases", "native_name", "description"),
        revision_permalinks=True,
        fixture_file="04_organizations.json",
    ),
    RecordType(
        key="place",
        model=Place,
        prefix="places",
        label="Places",
        menu_position=5,
        list_view="PlaceListView",
        detail_view="PlaceDetailView",
        exporter="PlaceExporter",
        search_fields=("name", "native_name", "description"),
        sitemap_priority=0.5,
        revision_permalinks=True,
        fixture_file="03_places.json",
    ),
    RecordType(
        key="reaction",
        model=Reaction,
        prefix="reactions",
        label="Reactions",
        menu_position=4,
        list_view="ReactionListView",
        detail_view="ReactionDetailView",
        exporter="ReactionExporter",
        export_view="ReactionExportView",
        search_fields=(
            "summary",
            "quote",
            "actor_label",
            "person__name",
            "person__aliases",
            "organization__name",
            "organization__short_name",
            "organization__aliases",
            "country__name",
        ),
        search_queryset=lambda model: model.objects.for_list().in_article_order(),
        feed_queryset=lambda model: model.objects.published().select_related(
            "incident", "person", "organization", "country"
        ),
        sitemap_priority=0.5,
        sitemap_queryset=lambda model: model.objects.published().select_related("incident"),
        fixture_file="09_reactions.json",
    ),
)


def menu():
    """The types in menu order: the navigation, the home page's counts, the pages sitemap."""
    return sorted(RECORD_TYPES, key=lambda record_type: record_type.menu_position)


def searchable():
    return [record_type for record_type in RECORD_TYPES if record_type.search_fields]


# The fields each kind of record is searched in, by the site-wide search, each list's own search box and the
# admin's. The search index stores them folded: a change needs a migration that calls
# events.search_index.rebuild_search_index(), and a new kind one that creates its table too.
SEARCH_FIELDS = {record_type.key: record_type.search_fields for record_type in searchable()}


def for_model(model):
    """The record type of `model`, or None for a model without public pages."""
    return next((record_type for record_type in RECORD_TYPES if record_type.model is model), None)
