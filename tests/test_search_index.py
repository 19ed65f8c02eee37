"""The stored search index: kept in step with every save and delete, on SQLite (FTS5) and PostgreSQL
(tsvector); on SQLite the same answers as folding every row.

The behaviour tests and the ones reading the index's tables run on every database; the ones about how
SQLite's trigrams or PostgreSQL's prefixes match are marked for their database.
"""

import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from events import search, search_index, signals, statements
from events.models import Incident, Organization, Person, Place, Reaction, Status
from tests import factories as f

pytestmark = pytest.mark.django_db
# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's trigrams match substrings")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prefix matching")

LISTS = {
    "incident": ("events:incident-list", "title"),
    "person": ("events:person-list", "name"),
    "organization": ("events:organization-list", "name"),
    "place": ("events:place-list", "name"),
    "reaction": ("events:reaction-list", "slug"),
}


def listed(client, kind, query):
    url_name, field = LISTS[kind]
    response = client.get(reverse(url_name), {"q": query})
    assert response.status_code == 200
    return sorted(getattr(row, field) for row in response.context["object_list"])


def found(client, kind, query):
    response = client.get(reverse("events:search"), {"q": query})
    assert response.status_code == 200
    groups = {group["key"]: group for group in response.context["groups"]}
    return sorted(str(row) for row in groups[kind]["results"]) if kind in groups else []


def index_contents():
    """{kind: {key: body}} as the index holds it now."""
    contents = {}
    for kind in search.SEARCH_FIELDS:
        rows = search_index.stored_rows(kind)
        contents[kind] = {key: row[0] if isinstance(row, tuple) else row for key, row in rows.items()}
    return contents


def assert_index_is_as_rebuilt():
    """Every kind's stored rows (on PostgreSQL with their vectors) equal a rebuild from the records."""
    kept = {kind: search_index.stored_rows(kind) for kind in search.SEARCH_FIELDS}
    search_index.rebuild_search_index()
    assert kept == {kind: search_index.stored_rows(kind) for kind in search.SEARCH_FIELDS}


# What a search finds ----------------------------------------------------------------------------------


def test_accents_dashes_and_case_fold_in_the_list_boxes_and_the_site_search(client):
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    f.OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K")
    f.PlaceFactory(name="Gölzar ŞEHİDLER")
    assert listed(client, "person", "ERDOGAN") == ["Recep Tayyip Erdoğan"]
    assert listed(client, "organization", "isis-k") == ["Islamic State – Khorasan Province"]
    assert listed(client, "place", "sehidler golzar") == ["Gölzar ŞEHİDLER"]
    assert found(client, "person", "erdoğan") == ["Recep Tayyip Erdoğan"]
    assert found(client, "organization", "ISIS—K") == ["Islamic State – Khorasan Province (ISIS–K)"]


def test_every_word_must_match_but_each_in_any_field(client):
    f.IncidentFactory(title="Bombing at the shrine", place=f.PlaceFactory(name="Shah Cheragh"))
    f.IncidentFactory(title="Bombing at the market", place=f.PlaceFactory(name="Zahedan"))
    assert listed(client, "incident", "shrine cheragh") == ["Bombing at the shrine"]
    assert listed(client, "incident", "bombing zahedan") == ["Bombing at the market"]
    assert listed(client, "incident", "shrine zahedan") == []
    assert found(client, "incident", "CHERAGH bombing") == ["Bombing at the shrine"]


def test_words_never_match_across_two_fields(client):
    f.IncidentFactory(title="Attack in Kab", summary="ul district.", place=None)
    assert listed(client, "incident", "kabul") == []


def test_one_and_two_letter_words_are_searched_too(client):
    f.IncidentFactory(title="Raid on the K2 camp", place=None)
    f.IncidentFactory(title="Raid on the hill camp", place=None)
    assert listed(client, "incident", "k2") == ["Raid on the K2 camp"]
    assert listed(client, "incident", "raid 2") == ["Raid on the K2 camp"]
    assert listed(client, "incident", "k") == ["Raid on the K2 camp"]
    assert listed(client, "incident", "x9") == []


def test_like_wildcards_in_short_words_are_taken_literally(client):
    f.PersonFactory(name="Agent a_b")
    f.PersonFactory(name="Agent axb 50%")
    assert listed(client, "person", "_") == ["Agent a_b"]
    assert listed(client, "person", "a_") == ["Agent a_b"]
    assert listed(client, "person", "%") == ["Agent axb 50%"]
    assert listed(client, "person", "\\") == []


FTS_SYNTAX = ['"', '""', "AND", "OR NOT", "(", ")", "*", "^", "NEAR(", "NEAR(a b)", "title:x", "a - b", "{body}", "'"]


@pytest.mark.parametrize("query", FTS_SYNTAX)
def test_full_text_query_syntax_is_searched_for_as_text(client, query):
    f.IncidentFactory(title="Plain title")
    for kind in LISTS:
        listed(client, kind, query)
    found(client, "incident", query)


def test_quotes_and_operators_are_found_literally(client):
    f.OrganizationFactory(name='The "Red" Brigade')
    f.OrganizationFactory(name="Red AND Black (NEAR* the border)")
    assert listed(client, "organization", '"red"') == ['The "Red" Brigade']
    assert listed(client, "organization", "and") == ["Red AND Black (NEAR* the border)"]
    assert listed(client, "organization", "(near*") == ["Red AND Black (NEAR* the border)"]


def test_drafts_stay_out_of_search(client):
    f.IncidentFactory(title="Unpublished bombing", status=Status.DRAFT)
    assert listed(client, "incident", "unpublished") == []
    assert found(client, "incident", "unpublished") == []


# Keeping it in step -----------------------------------------------------------------------------------


def test_renaming_a_place_moves_its_incidents_and_its_reactions_to_the_new_name(client):
    country = f.CountryFactory(name="Oldland")
    incident = f.IncidentFactory(title="Bombing", place=country)
    f.ReactionFactory(slug="from-oldland", country=country, incident=incident, summary="Condemned it.")
    country.name = "Newland"
    country.save()
    assert listed(client, "incident", "newland") == ["Bombing"]
    assert listed(client, "incident", "oldland") == []
    assert listed(client, "reaction", "newland") == ["from-oldland"]
    assert listed(client, "reaction", "oldland") == []
    assert listed(client, "place", "newland") == ["Newland"]


def test_renaming_a_person_or_organization_moves_their_reactions(client):
    person = f.PersonFactory(name="Ali Old")
    organization = f.OrganizationFactory(name="Old Council", short_name="QZX")
    f.ReactionFactory(slug="by-person", person=person)
    f.ReactionFactory(slug="by-organization", organization=organization)
    person.name = "Ali New"
    person.save()
    organization.short_name = "NCX"
    organization.save()
    assert listed(client, "reaction", "ali new") == ["by-person"]
    assert listed(client, "reaction", "ali old") == []
    assert listed(client, "reaction", "ncx") == ["by-organization"]
    assert listed(client, "reaction", "qzx") == []


def test_an_edit_of_a_record_shows_in_search_at_once(client):
    incident = f.IncidentFactory(title="First title")
    incident.title = "Second title"
    incident.save()
    assert listed(client, "incident", "second") == ["Second title"]
    assert listed(client, "incident", "first") == []


def test_deleting_removes_the_record_and_its_reactions_from_the_index():
    incident = f.IncidentFactory(title="Doomed")
    reaction = f.ReactionFactory(incident=incident, summary="Doomed too.")
    person = f.PersonFactory(name="Gone")
    incident_pk, reaction_pk, person_pk = incident.pk, reaction.pk, person.pk
    assert reaction_pk in index_contents()["reaction"]
    incident.delete()
    person.delete()
    contents = index_contents()
    assert incident_pk not in contents["incident"]
    assert reaction_pk not in contents["reaction"]
    assert person_pk not in contents["person"]


def test_a_raw_save_as_loaddata_makes_is_indexed_too():
    incident = f.IncidentFactory(title="Before loading")
    incident.title = "Loaded from a fixture"
    incident.save_base(raw=True)
    assert "loaded from a fixture" in index_contents()["incident"][incident.pk]


def test_loaddata_indexes_rows_saved_before_the_place_they_refer_to(tmp_path):
    fixture = tmp_path / "forward.json"
    incident = {"title": "Forward reference", "slug": "forward", "kind": "bombing", "summary": "", "place": 9001}
    place = {"name": "Faraway Town", "slug": "faraway-town", "kind": "city", "status": "published"}
    fixture.write_text(
        json.dumps(
            [
                {"model": "events.incident", "pk": 9001, "fields": incident},
                {"model": "events.place", "pk": 9001, "fields": place},
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert "faraway town" in index_contents()["incident"][9001]


def test_saving_a_place_without_renaming_it_leaves_its_incidents_alone():
    place = f.PlaceFactory(name="Quiet town")
    f.IncidentFactory.create_batch(3, place=place)
    place.description = "A new description."
    with CaptureQueriesContext(connection) as queries:
        place.save()
    assert not [query for query in queries if "events_search_incident" in query["sql"]]
    assert "a new description." in index_contents()["place"][place.pk]


def test_the_kept_index_equals_a_rebuilt_one_after_a_series_of_edits():
    country = f.CountryFactory(name="Türkiye")
    city = f.PlaceFactory(name="Ankara", parent=country, native_name="Ankara")
    incidents = f.IncidentFactory.create_batch(3, place=city, description="Line one\nLine – two")
    person = f.PersonFactory(name="Recep Tayyip Erdoğan", aliases="Erdogan\nRTE")
    organization = f.OrganizationFactory(name="Grey Wolves", short_name="ÜLKÜ")
    f.ReactionFactory(incident=incidents[0], person=person, country=country, quote="“Never”")
    f.ReactionFactory(incident=incidents[1], organization=organization, country=None)
    f.ReactionFactory(incident=incidents[2], country=country, actor_label="Foreign ministry")

    city.name = "Angora"
    city.save()
    country.name = "Turkey"
    country.save()
    person.aliases = ""
    person.save()
    organization.name = "Bozkurtlar"
    organization.save()
    incidents[0].place = None
    incidents[0].save()
    incidents[1].delete()
    Reaction.objects.get(incident=incidents[2]).delete()
    f.IncidentFactory(title="Later one", place=city)

    assert_index_is_as_rebuilt()


def test_a_save_reindexes_through_a_statement_compiled_once_for_every_kind_and_relation():
    """Every save re-indexes its record (and a renamed record's readers) by one key: the statement is compiled
    once per process with a mark where the key goes. Each kind and relation must have it, and the row it
    writes must be the one the compiled-per-save statement writes."""
    kinds = search_index.indexed_kinds()
    relations = [(reader, relation) for deps in search_index.dependents().values() for reader, relation, _ in deps]
    keyed = [(model, "pk") for model in kinds] + relations
    assert len(keyed) >= 9
    unkeyed = [
        (model, field)
        for model, field in keyed
        if statements.compiled(("reindex", model, field), search_index._keyed_build(model, field, "default"), "default")
        is None
    ]
    assert unkeyed == []
    city = f.PlaceFactory(name="Kirman")
    incident = f.IncidentFactory(place=city, title="Blast at the Saheb al-Zaman mosque")
    person = f.PersonFactory(name="Ayşe Yılmaz")
    f.ReactionFactory(incident=incident, person=person, country=None, quote="Grief.")
    with connection.cursor() as cursor:
        for model in kinds:
            cursor.execute(f"DELETE FROM {search_index.table_name(kinds[model])}")
    for model, field in keyed:
        for key in model._base_manager.values_list(field, flat=True):
            if key is not None:
                search_index.reindex(model, "default", **{field: key})
    assert_index_is_as_rebuilt()


def test_a_flush_leaves_no_stale_rows():
    f.IncidentFactory(title="Flushed away")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM events_reaction")
        cursor.execute("DELETE FROM events_incident_sources")
        cursor.execute("DELETE FROM events_incident")
    signals.search_index_matches_the_rows_after_a_flush(apps.get_app_config("events"), using=connection.alias)
    assert index_contents()["incident"] == {}


def test_generate_archive_leaves_every_synthetic_record_searchable():
    call_command("generate_archive", incidents=30)
    assert_index_is_as_rebuilt()
    matched = search.text_search(Incident.objects.all(), search.SEARCH_FIELDS["incident"], "synthetic incident 17")
    assert list(matched.values_list("slug", flat=True)) == ["synthetic-incident-17"]
    call_command("generate_archive", incidents=10, clear=True)
    assert len(index_contents()["incident"]) == 10


def test_load_archive_leaves_the_seed_searchable(seeded):
    # `seeded` is what one `load_archive` into an empty database leaves (tests/conftest.py).
    assert len(index_contents()["incident"]) == Incident.objects.count() > 0
    assert_index_is_as_rebuilt()


# The same answers as folding every row ---------------------------------------------------------------

# Letters that fold (accents, case, dashes), FTS and LIKE syntax, and plain ones, short enough to collide.
ALPHABET = "aAbéÉ-–—\"'%_\\*()^:. ǅﬁß"
WORDS = st.text(alphabet=ALPHABET, min_size=1, max_size=5)


@sqlite_only
def test_the_index_answers_as_folding_every_row_would():
    texts = ["Aé-b", "AB–É", "x\"a'b", "50% a_b", "ǅungla", "ﬁeld ß", "(a*b)^c:d", "Plain", "e—e", ""]
    for i, text in enumerate(texts):
        organization = f.OrganizationFactory(name=f"Org {text}", short_name=text[::-1], aliases=text.upper())
        f.ReactionFactory(organization=organization, country=None, summary=texts[-1 - i], quote=text[:2])
    checked = [
        ("organization", Organization.objects.all()),
        ("reaction", Reaction.objects.all()),
        ("person", Person.objects.all()),
        ("place", Place.objects.all()),
    ]

    @hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(words=st.lists(WORDS, min_size=1, max_size=3))
    def same_answer(words):
        for kind, queryset in checked:
            fields = search.SEARCH_FIELDS[kind]
            indexed = search._sqlite_condition(queryset, fields, words)
            folded = search._folded_columns_condition(queryset, fields, words)
            assert set(indexed.values_list("pk", flat=True)) == set(folded.values_list("pk", flat=True)), words

    same_answer()


def test_list_and_site_search_read_the_index_not_every_row(client):
    matched = search.text_search(Incident.objects.all(), search.SEARCH_FIELDS["incident"], "kerman")
    sql = str(matched.query)
    assert "events_search_incident" in sql and "unaccent" not in sql
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("events:search"), {"q": "kerman"}).status_code == 200
    searched = [query["sql"] for query in queries if "events_search_" in query["sql"]]
    # One query reads every kind's first matches from its index; on PostgreSQL the rows shown are ranked by it.
    first = [sql for sql in searched if "UNION ALL" in sql]
    assert len(first) == 1 and all(f"events_search_{kind}" in first[0] for kind in search.SEARCH_FIELDS)
    assert not [sql for sql in searched if "unaccent" in sql]


def test_publishing_or_withdrawing_a_person_moves_their_reactions_in_and_out_of_search(client):
    """The index holds a related name only while its record is published: a status change re-indexes the
    records that read the name, as a rename does."""
    person = f.PersonFactory(name="Ardeshir Zandvakili", status=Status.DRAFT)
    f.ReactionFactory(slug="by-the-draft", person=person, summary="Spoke.")
    assert listed(client, "reaction", "zandvakili") == []
    person.status = Status.PUBLISHED
    person.save()
    assert listed(client, "reaction", "zandvakili") == ["by-the-draft"]
    person.status = Status.DRAFT
    person.save()
    assert listed(client, "reaction", "zandvakili") == []
    assert_index_is_as_rebuilt()


@sqlite_only
def test_sqlite_matches_a_word_anywhere_in_a_word():
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    matched = search.text_search(Person.objects.all(), search.SEARCH_FIELDS["person"], "ogan")
    assert list(matched.values_list("name", flat=True)) == ["Recep Tayyip Erdoğan"]


@postgresql_only
def test_postgresql_matches_the_start_of_a_word_through_the_gin_index():
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    fields = search.SEARCH_FIELDS["person"]
    assert list(search.text_search(Person.objects.all(), fields, "erdo").values_list("name", flat=True)) == [
        "Recep Tayyip Erdoğan"
    ]
    assert not search.text_search(Person.objects.all(), fields, "ogan").exists()
    # Short words are matched anywhere, as on SQLite.
    assert search.text_search(Person.objects.all(), fields, "og").exists()
    # The index table's own lookup, so the plan cannot start from another table (a tiny table's planner may
    # join from the people's name index instead); a table this small is read whole unless told otherwise.
    lookup = search_index.matching(Person, ["erdo"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookup.sql}", lookup.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "events_search_person_vector" in plan


@postgresql_only
def test_postgresql_knows_how_common_a_whole_word_is_and_finds_the_same_rows():
    """A word in every row is read by scanning until the LIMIT is met, not through a bitmap of every match: the
    planner must estimate it from the column's statistics. With fewer than 100 common words in them (a young or
    uniform archive, as the benchmark's synthetic one) PostgreSQL guesses any prefix at 2% of the rows."""
    f.PersonFactory.create_batch(150, name="Synthetic person")
    f.PersonFactory(name="Recep Tayyip Erdoğan")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_search_person")

    def estimated_rows(words, to_match):
        sql, params = search_index.prefix_query(words, to_match=to_match)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT id FROM events_search_person WHERE vector @@ {sql}", params)
            return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]

    assert estimated_rows(["synthetic"], to_match=False) < 30  # the prefix: a guess of a few percent
    assert estimated_rows(["synthetic"], to_match=True) >= 140
    assert estimated_rows(["erdogan"], to_match=True) < 30
    fields = search.SEARCH_FIELDS["person"]
    for word, count in (("synthetic", 150), ("synth", 150), ("erdo", 1), ("erdogan", 1), ("synthetic pers", 150)):
        assert search.text_search(Person.objects.all(), fields, word).count() == count, word
