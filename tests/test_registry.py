"""Every public record type declared in events/registry.py shows on every public surface."""

import json
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse

from events import exports, registry, revisions, search, search_index
from events.models import Incident, Organization, Person, Place, Reaction
from events.templatetags.archive import nav_items
from tests.conftest import fresh, module_rows

from .factories import IncidentFactory, OrganizationFactory, PersonFactory, PlaceFactory, ReactionFactory

pytestmark = pytest.mark.django_db

# A new record type needs its factory here: the walk below makes one published record of every type.
FACTORIES = {
    Incident: IncidentFactory,
    Person: PersonFactory,
    Organization: OrganizationFactory,
    Place: PlaceFactory,
    Reaction: ReactionFactory,
}
WORD = "Zanzibarite"
TYPES = registry.RECORD_TYPES
by_key = pytest.mark.parametrize("record_type", TYPES, ids=[record_type.key for record_type in TYPES])


@module_rows
def made_records():
    """{key: one published record of each type}, its first search field holding WORD: made once for the module."""
    made = {}
    for record_type in TYPES:
        assert record_type.model in FACTORIES, f"tests/test_registry.py needs a factory for {record_type.key}"
        fields = {}
        if record_type.search_fields and "__" not in record_type.search_fields[0]:
            fields[record_type.search_fields[0]] = f"{WORD} {record_type.key}"
        made[record_type.key] = FACTORIES[record_type.model](**fields)
    return made


@pytest.fixture
def records(made_records):
    return fresh(made_records)


def test_keys_prefixes_and_models_are_declared_once():
    for attribute in ("key", "prefix", "model", "label", "menu_position"):
        values = [getattr(record_type, attribute) for record_type in TYPES]
        assert len(values) == len(set(values)), attribute


@by_key
def test_every_type_is_in_the_menu(client, record_type):
    assert (record_type.prefix, record_type.label, reverse(record_type.url_name("list"))) in nav_items()
    content = client.get(reverse("events:home")).content.decode()
    assert f'href="{reverse(record_type.url_name("list"))}"' in content


@by_key
def test_every_type_is_counted_on_the_home_page(client, records, record_type):
    counts = {key: (label, count, url) for key, label, count, url in client.get("/").context["counts"]}
    if record_type.home_count:
        published = record_type.model.objects.published().count()
        assert published >= 1
        assert counts[record_type.prefix] == (record_type.label, published, record_type.url_name("list"))
    else:
        assert record_type.prefix not in counts


@by_key
def test_every_type_has_its_urls(client, records, record_type):
    record = records[record_type.key]
    views = record_type.views
    assert (views["list"].model, views["list"].export_key, views["list"].section) == (
        record_type.model,
        record_type.key,
        record_type.prefix,
    )
    assert (views["detail"].model, views["detail"].section) == (record_type.model, record_type.prefix)
    list_url = reverse(record_type.url_name("list"))
    assert list_url == f"/{record_type.prefix}/"
    assert resolve(list_url).func.view_class is views["list"]
    assert client.get(list_url).status_code == 200
    export_url = reverse(record_type.url_name("export"), kwargs={"format": "csv"})
    assert export_url == f"/{record_type.prefix}.csv"
    assert resolve(export_url).func.view_initkwargs["list_view"] is views["list"]
    detail_url = reverse(record_type.url_name("detail"), kwargs={"slug": record.slug})
    assert detail_url == record.get_absolute_url() == f"/{record_type.prefix}/{record.slug}/"
    assert resolve(detail_url).func.view_class is views["detail"]
    assert client.get(detail_url).status_code == 200


@by_key
def test_revision_permalinks_are_routed_where_declared(record_type):
    assert (record_type.model in revisions.PERMALINKED) is record_type.revision_permalinks
    if record_type.revision_permalinks:
        url = reverse(record_type.url_name("revision"), kwargs={"slug": "a-slug", "number": 2})
        assert url == f"/{record_type.prefix}/a-slug/revisions/2/"
        assert resolve(url).func.view_initkwargs["model"] is record_type.model


@by_key
def test_every_type_is_in_the_sitemap_where_flagged(client, records, record_type):
    locations = {node.text for node in ET.fromstring(client.get("/sitemap.xml").content).iter()}
    record_url = f"http://testserver{records[record_type.key].get_absolute_url()}"
    assert f"http://testserver{reverse(record_type.url_name('list'))}" in locations
    assert (record_url in locations) is (record_type.sitemap_priority is not None)


@by_key
def test_every_type_is_in_the_feed_where_flagged(client, records, record_type):
    content = client.get(reverse("events:feed")).content.decode()
    assert (f"http://testserver{records[record_type.key].get_absolute_url()}" in content) is record_type.in_feed


@by_key
def test_every_searchable_type_is_a_search_group(client, records, record_type):
    groups = {group["key"]: group for group in client.get(reverse("events:search"), {"q": WORD}).context["groups"]}
    if not record_type.search_fields:
        assert record_type.key not in groups
        return
    assert search.SEARCH_FIELDS[record_type.key] == record_type.search_fields
    assert search_index.indexed_kinds()[record_type.model] == record_type.key
    assert groups[record_type.key]["label"] == record_type.label
    assert records[record_type.key] in groups[record_type.key]["results"]


@by_key
def test_every_type_exports_as_csv_and_json(client, records, record_type):
    assert exports.EXPORTERS[record_type.key] is record_type.exporter_class
    record = records[record_type.key]
    for format in ("csv", "json"):
        response = client.get(reverse(record_type.url_name("export"), kwargs={"format": format}))
        assert response.status_code == 200
        assert record.slug in b"".join(response.streaming_content).decode()


@by_key
def test_export_fixtures_writes_every_types_file(records, record_type, tmp_path):
    call_command("export_fixtures", "--output", str(tmp_path), stdout=StringIO())
    rows = json.loads((tmp_path / record_type.fixture_file).read_text(encoding="utf-8"))
    label = record_type.model._meta.label_lower
    assert records[record_type.key].slug in [row["fields"].get("slug") for row in rows if row["model"] == label]
