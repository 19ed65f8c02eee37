"""The lists read their rows in an index's order on either database, never by sorting every row, and answer
what they offer from an index."""

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q, Value

from events.filters import IncidentFilter
from events.models import Attribution, CasualtyFigure, Incident, Reaction, counted_as_text
from tests.factories import AttributionFactory, IncidentFactory, PersonFactory

ORDERS_WITH_AN_INDEX = ["newest", "oldest", "most-killed", "most-injured"]


def plan(queryset):
    """The database's plan for a queryset, or for a Query (e.g. an exists() query)."""
    sql, params = getattr(queryset, "query", queryset).sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table of a few rows is read whole and sorted whatever the indexes, by the statistics of the
            # moment: make both dear, so the plan shows whether an index can give the order (without one, a
            # Sort remains however costly). An incremental sort too: with statistics some other test left, the
            # planner once finished another index's order with one (CI, 2 December) instead of reading the
            # index made for it.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("key", ORDERS_WITH_AN_INDEX)
def test_a_list_page_of_incidents_is_read_in_index_order(key):
    _label, order = IncidentFilter.ORDERINGS[key]
    page = Incident.objects.published().order_by(*order)[:20]
    with transaction.atomic():
        text = plan(page)
    if connection.vendor == "postgresql":
        assert "Sort" not in text, text
        assert "Index" in text, text
    else:
        assert "INDEX incident_" in text, text
        if key != "oldest":  # SQLite sorts NULL first, so NULLS LAST ascending keeps a partial sort
            assert "TEMP B-TREE" not in text, text


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["kind", "place"])
def test_a_list_narrowed_by_type_or_place_is_read_newest_first_from_an_index(column):
    _label, order = IncidentFilter.ORDERINGS["newest"]
    value = "bombing" if column == "kind" else 1
    page = Incident.objects.published().filter(**{column: value}).order_by(*order)[:20]
    with transaction.atomic():
        text = plan(page)
    if connection.vendor == "postgresql":
        assert "Sort" not in text, text
    else:
        assert "TEMP B-TREE" not in text, text


@pytest.mark.django_db
def test_whether_any_person_has_a_date_of_birth_is_answered_from_an_index():
    """The people list offers its birth-date sort only when some person has one (PersonFilter.SORTS_NEEDING);
    the question scanned every person, on each first view of the list after an edit."""
    from events.filters import PersonFilter
    from events.models import Person, Status

    [(_key, column)] = PersonFilter.SORTS_NEEDING.items()
    # Published people without one, and the table's statistics, as a real archive gives the planner.
    Person.objects.bulk_create(Person(name=f"P{n}", slug=f"p-{n}", status=Status.PUBLISHED) for n in range(200))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Person._meta.db_table}")
    asked = Person.objects.published().filter(**{f"{column}__isnull": False}).query.exists()
    with transaction.atomic():
        text = plan(asked)
    if connection.vendor == "postgresql":
        assert "person_born_idx" in text, text
    else:
        assert "INDEX person_born_idx" in text, text


@pytest.mark.django_db
def test_a_lists_summary_counts_are_read_from_an_index():
    """Every list and the home page read their total and their facets' sizes (FacetCount's summary rows);
    among a large archive's stored counts (one row per incident a reaction names) that read every row."""
    from events.models import FacetCount

    FacetCount.objects.bulk_create(
        FacetCount(model_label="events.reaction", facet="incident", value=str(n), count=1) for n in range(1, 2001)
    )
    FacetCount.objects.create(model_label="events.reaction", facet="", value="", count=2000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {FacetCount._meta.db_table}")
    summaries = FacetCount.objects.of("events.reaction").filter(value="").values_list("facet", "count")
    with transaction.atomic():
        text = plan(summaries)
    assert "facet_count_summary_idx" in text, text
    assert FacetCount.objects.summaries("events.reaction") == {"": 2000}


@pytest.mark.django_db
def test_a_deep_incident_page_reads_its_keys_from_the_index_alone():
    """A page past the first reads its keys by OFFSET over the list's order (events/pagination.py); SQLite's
    indexes hold the row id, and on PostgreSQL each order index includes it (migration 0023), so skipping
    60,000 incidents never reads the table."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's indexes hold the row id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'incident_pg_%%'")
        definitions = dict(cursor.fetchall())
    # The public lists' six orders include it; the admin's order (migration 0026) ends with it.
    assert len(definitions) == 7, definitions
    assert definitions.pop("incident_pg_admin_idx").endswith("title, id DESC)"), definitions
    assert all(definition.endswith("INCLUDE (id)") for definition in definitions.values()), definitions


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan: an index holding every column read")
@pytest.mark.parametrize("column", ["kind", "place"])
def test_the_facets_of_a_list_filtered_by_date_and_killed_read_an_index_alone(column):
    # The facet's own column, the filters' and the key are all in the index: no row of the table is read, and
    # the groups come in the index's order (the value is cast to text without being grouped as text too).
    rows = Incident.objects.published().filter(date__gte="1990-01-01", killed__gte=5)
    facet = counted_as_text(rows, Value(0), [column], Count("pk"))
    with transaction.atomic():
        text = plan(facet)
    assert f"COVERING INDEX incident_status_{column}_idx" in text, text
    assert "TEMP B-TREE" not in text, text


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan: an index holding every column read")
def test_a_list_filtered_by_category_finds_what_its_facets_count_in_an_index_alone():
    rows = Reaction.objects.published().filter(category="country").values("pk", "incident", "country")
    with transaction.atomic():
        text = plan(rows.order_by())
    assert "COVERING INDEX reaction_category_idx" in text, text


@pytest.mark.django_db
def test_the_admins_incident_list_is_read_in_index_order(rf, admin_user):
    from django.contrib import admin

    request = rf.get("/")
    request.user = admin_user
    changelist = admin.site._registry[Incident].get_changelist_instance(request)
    with transaction.atomic():
        text = plan(changelist.queryset[:50])
    if connection.vendor == "postgresql":
        assert "Sort" not in text and "incident_pg_admin_idx" in text, text
    else:
        assert "USING INDEX events_incident_date" in text, text  # NULL sorts lowest: DESC is NULLS LAST


# The pointers most rows leave empty (events.models.base.indexed_where_set).
OPTIONAL_POINTERS = {
    CasualtyFigure: ["reported_by_organization", "reported_by_person"],
    Attribution: [
        *("responsible_organization", "responsible_person", "responsible_country"),
        *("by_organization", "by_person", "by_country", "reaction"),
    ],
}


def test_the_optional_pointers_are_indexed_only_where_set():
    for model, fields in OPTIONAL_POINTERS.items():
        partial = {index.fields[0]: index.condition for index in model._meta.indexes if index.condition is not None}
        for name in fields:
            field = model._meta.get_field(name)
            assert field.null and not field.db_index, (model.__name__, name)
            assert partial.get(name) == Q(**{f"{name}__isnull": False}), (model.__name__, name)


@pytest.mark.django_db
def test_a_persons_attributions_are_read_through_the_person_when_most_rows_name_nobody():
    # Most attributions name an organization or a label, not a person: indexed whole, the empty rows made
    # SQLite's planner expect thousands of rows per person and walk every attribution in the incident order.
    incident = IncidentFactory()
    person = PersonFactory()
    Attribution.objects.bulk_create(
        Attribution(incident=incident, kind="claimed", key=f"row-{number}", responsible_label="Someone")
        for number in range(3000)
    )
    AttributionFactory(incident=incident, responsible_person=person)
    with connection.cursor() as cursor:
        cursor.execute(
            f"ANALYZE {Attribution._meta.db_table}"
        )  # the statistics the planner reads, as a migration leaves them
    with transaction.atomic():
        text = plan(Attribution.objects.filter(responsible_person=person).select_related("incident"))
    assert "attribution_resp_person_set" in text, text
    assert list(person.attributed_incidents.values_list("responsible_person", flat=True)) == [person.pk]
