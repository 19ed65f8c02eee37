"""The counts of a list filtered by one value of one facet (/reactions/?category=country, /incidents/?place=iran)
are read from FacetPair (events/aggregates.py), kept by every write: they equal what the filters' own grouping
gives, for every such state of every list over the seeded archive and after each kind of write, and the view
reads them without grouping the list's records."""

import datetime
import io
import random
import re
from urllib.parse import urlencode

import django_filters
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import aggregates, filters
from events.caching import bump_content_version
from events.models import (
    Attribution,
    CasualtyFigure,
    FacetPair,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Role,
    Stance,
    Status,
)
from events.signals import after_bulk_write, bulk_write
from tests import factories as f

pytestmark = pytest.mark.django_db
FACTORIES_RECORD_HISTORY = False


def one_filter_states(filterset_class):
    """Every address filtering a list by one value of one facet: ({name: value in the address}, name)."""
    model = filterset_class._meta.model
    unbound = filterset_class(queryset=model.objects.published())
    for name in unbound.facet_names():
        field = unbound.form.fields[name]
        if isinstance(unbound.filters[name], django_filters.ModelChoiceFilter):
            for option in field.queryset.order_by():
                yield {name: getattr(option, field.to_field_name or "pk")}, name
        else:
            for value, _label in field.choices:
                if value:
                    yield {name: value}, name


def shown(counts):
    return {value: n for value, n in counts.items() if value is not None and n}


def assert_same_busiest(stored, grouped, where):
    """Equal counts; past MAX_OPTIONS values the stored read holds the busiest (the grouping too, but which of
    values tied at the edge each keeps is the database's choice)."""
    stored, grouped = shown(stored), shown(grouped)
    if len(grouped) <= filters.MAX_OPTIONS:
        assert stored == grouped, where
        return
    assert all(grouped.get(value, n) == n for value, n in stored.items()), where
    busiest = sorted(grouped.values(), reverse=True)[: filters.MAX_OPTIONS]
    assert sorted(stored.values(), reverse=True)[: filters.MAX_OPTIONS] == busiest, where


def assert_stored_equal_grouped(labels=None):
    """For every one-filter state of the lists: the stored counts (what the view shows) are those the grouping
    gives, facet by facet, and the stored total is the number of records the filter gives."""
    states = 0
    for filterset_class in filters.COUNTED_FILTERS:
        model = filterset_class._meta.model
        if labels is not None and model._meta.label_lower not in labels:
            continue
        for data, name in one_filter_states(filterset_class):
            filterset = filterset_class(QueryDict(urlencode(data)), queryset=model.objects.published())
            assert filterset.one_filter() is not None, data
            assert_same_facets(filterset, data)
            assert filterset.stored_count() == filterset.qs.count(), data
            states += 1 if name else 0
    return states


def assert_same_facets(filterset, data):
    """The counts the view shows (read from FacetCount and FacetPair where they can be) are the grouping's."""
    stored, grouped = filterset.filtered_facets(), filterset.filtered_facets(read_stored=False)
    assert stored[1:3] == grouped[1:3], data
    assert grouped[3] is None, data  # no facet's rows are computed for several
    assert stored[3] is None or stored[3] == filterset.qs.count(), data  # the total, when counted on the way
    assert set(stored[0]) == set(grouped[0]), data
    for facet in grouped[0]:
        assert_same_busiest(stored[0][facet], grouped[0][facet], (filterset._meta.model.__name__, data, facet))
    return stored[3]


def two_filter_states(filterset_class, per_facet=4):
    """Addresses filtering a list by one value of each of two facets (the first `per_facet` values of each)."""
    by_facet = {}
    for data, name in one_filter_states(filterset_class):
        if len(by_facet.setdefault(name, [])) < per_facet:
            by_facet[name].append(data)
    names = list(by_facet)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            for one in by_facet[first]:
                for other in by_facet[second]:
                    yield {**one, **other}


def test_a_two_filter_list_reads_the_counts_of_its_two_facets_and_groups_the_others(seeded):
    # Each chosen facet counts the rows the other filter gives: one value of one facet, kept in FacetPair.
    states, totals = 0, 0
    for filterset_class in filters.COUNTED_FILTERS:
        model = filterset_class._meta.model
        for data in two_filter_states(filterset_class):
            filterset = filterset_class(QueryDict(urlencode(data)), queryset=model.objects.published())
            assert filterset.is_valid() and len(filterset.applied_filters()) == 2, data
            totals += assert_same_facets(filterset, data) is not None
            states += 1
    assert states > 100
    assert totals > 50  # the others' rows computed once, and counted


class Edits:
    """Random edits of the seeded archive through each write path the counts follow."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, queryset):
        pks = list(queryset.values_list("pk", flat=True)[:200])
        return queryset.model._base_manager.get(pk=self.rng.choice(pks)) if pks else None

    def save_reaction(self):
        reaction = self.pick(Reaction.objects.all())
        reaction.category = self.rng.choice(Reaction.Category.values)
        reaction.country = self.pick(Place.objects.countries())
        reaction.incident = self.pick(Incident.objects.all())
        reaction.save()
        return reaction

    def new_reaction(self):
        return f.ReactionFactory(
            incident=self.pick(Incident.objects.published()),
            category=self.rng.choice(Reaction.Category.values),
            country=self.pick(Place.objects.countries()),
            stances=[self.pick(Stance.objects.all())],
        )

    def delete_reaction(self):
        reaction = self.pick(Reaction.objects.filter(attributions=None))
        reaction.delete()
        return reaction

    def change_stances(self):
        reaction, stance = self.pick(Reaction.objects.all()), self.pick(Stance.objects.all())
        action = self.rng.choice(["add", "remove", "set", "reverse-add"])
        if action == "add":
            reaction.stances.add(stance)
        elif action == "remove":
            reaction.stances.remove(*reaction.stances.all()[:1])
        elif action == "set":
            reaction.stances.set([stance])
        else:
            stance.reactions.add(*Reaction.objects.order_by("?")[:3])
        return action, reaction

    def publish_or_withdraw(self):
        model = self.rng.choice([Incident, Reaction, Person, Organization, Place])
        record = self.pick(model._base_manager.all())
        record.status = Status.DRAFT if record.status == Status.PUBLISHED else Status.PUBLISHED
        record.save()
        return record.status, record

    def save_incident(self):
        incident = self.pick(Incident.objects.all())
        incident.kind = self.rng.choice(Incident.Kind.values)
        incident.place = self.pick(Place.objects.all())
        incident.save()
        return incident

    def delete_incident(self):
        incident = f.IncidentFactory(place=self.pick(Place.objects.all()))
        f.ReactionFactory(incident=incident, stances=[self.pick(Stance.objects.all())])
        f.AttributionFactory(incident=incident, responsible_organization=self.pick(Organization.objects.all()))
        incident.delete()
        return incident

    def attribute(self):
        attribution = self.pick(Attribution.objects.all())
        if attribution is None or self.rng.random() < 0.4:
            return f.AttributionFactory(
                incident=self.pick(Incident.objects.all()),
                kind=self.rng.choice(Attribution.Kind.values),
                responsible_organization=self.pick(Organization.objects.all()),
            )
        attribution.kind = self.rng.choice(Attribution.Kind.values)
        attribution.responsible_organization = self.pick(Organization.objects.all())
        attribution.save()
        return attribution

    def change_figure(self):
        # The killed count is no facet: a figure moves the headline figures and no count.
        incident = self.pick(Incident.objects.published())
        return f.CasualtyFigureFactory(incident=incident, value=self.rng.randrange(1, 500))

    def change_person(self):
        person = self.pick(Person.objects.all())
        if self.rng.random() < 0.5:
            person.nationalities.add(self.pick(Place.objects.countries()))
        else:
            f.RoleFactory(person=person, organization=self.pick(Organization.objects.all()))
        return person

    def change_organization(self):
        organization = self.pick(Organization.objects.all())
        organization.kind = self.rng.choice(Organization.Kind.values)
        organization.country = self.pick(Place.objects.countries())
        organization.save()
        return organization

    def move_place(self):
        place = self.pick(Place.objects.exclude(parent=None))
        place.parent = self.pick(Place.objects.countries().exclude(pk=place.pk))
        place.save()
        return place

    def bulk_update(self):
        with bulk_write():
            Reaction.objects.filter(pk__in=Reaction.objects.order_by("?").values("pk")[:3]).update(
                category=self.rng.choice(Reaction.Category.values)
            )
            Incident.objects.filter(pk=self.pick(Incident.objects.all()).pk).update(
                kind=self.rng.choice(Incident.Kind.values)
            )
        return "bulk_write"

    def update_then_after_bulk_write(self):
        reactions = Reaction.objects.filter(pk__in=Reaction.objects.order_by("?").values("pk")[:2])
        reactions.update(country=self.pick(Place.objects.countries()))
        after_bulk_write(Reaction)
        return "after_bulk_write"

    def edits(self):
        return [name for name in dir(type(self)) if not name.startswith("_") and name not in ("pick", "edits")]


def test_the_seed_has_one_filter_states_of_every_list(seeded):
    assert FacetPair.objects.exists()
    assert assert_stored_equal_grouped() > 100


@pytest.mark.parametrize("seed", range(2))
def test_stored_one_filter_counts_equal_the_grouping_after_every_kind_of_write(seeded, seed):
    rng = random.Random(seed)
    edits = Edits(rng)
    names = edits.edits()
    done = []
    for name in [*names, *rng.sample(names, 6)]:  # each kind of write once, then some again
        done.append((name, getattr(edits, name)()))
        for label in aggregates.LISTS:
            assert aggregates.stored(label) == aggregates.counted(label), (label, done)
    assert_stored_equal_grouped()
    assert Incident.objects.published().exists() and Reaction.objects.published().exists()


def test_the_command_rebuilds_the_pairs_the_writes_keep(seeded):
    kept = {label: aggregates.stored(label) for label in aggregates.LISTS}
    FacetPair.objects.all().delete()
    call_command("rebuild_counts", stdout=io.StringIO())
    assert {label: aggregates.stored(label) for label in aggregates.LISTS} == kept


# The views


@pytest.fixture
def archive():
    iran = f.CountryFactory(name="Iran", slug="iran")
    province = f.PlaceFactory(name="Kerman Province", kind=Place.Kind.PROVINCE, parent=iran)
    kerman = f.PlaceFactory(name="Kerman", parent=province)
    isis = f.OrganizationFactory(name="ISIS-K")
    first = f.IncidentFactory(title="First", place=kerman, kind=Incident.Kind.SUICIDE_BOMBING)
    second = f.IncidentFactory(title="Second", place=province, kind=Incident.Kind.BOMBING)
    f.IncidentFactory(title="Elsewhere", place=f.CountryFactory(name="Iraq"), kind=Incident.Kind.BOMBING)
    f.AttributionFactory(incident=first, responsible_organization=isis)
    condemnation, solidarity = f.StanceFactory(name="Condemnation"), f.StanceFactory(name="Solidarity")
    for incident, category, stances in (
        (first, "country", [condemnation]),
        (first, "country", [condemnation, solidarity]),
        (first, "domestic", [solidarity]),
        (second, "country", []),
    ):
        f.ReactionFactory(incident=incident, country=iran, category=category, stances=stances)
    return {"iran": iran, "kerman": kerman, "first": first, "second": second, "condemnation": condemnation}


def option_counts(response, field):
    select = response.content.decode().split(f'name="{field}"')[1].split("</select>")[0]
    found = {label: int(n) for label, n in re.findall(r">([^<>]+?) \((\d+)\)</option>", select)}
    return {label: n for label, n in found.items() if n}


ONE_FILTER_PAGES = [
    ("events:reaction-list", {"category": "country"}),
    ("events:reaction-list", {"incident": "first"}),
    ("events:reaction-list", {"stance": "condemnation"}),
    ("events:incident-list", {"place": "iran"}),
    ("events:incident-list", {"kind": "bombing"}),
    # As the filter form sends it: every other field empty.
    ("events:reaction-list", {"category": "country", "incident": "", "stance": "", "country": "", "q": ""}),
]


@pytest.mark.parametrize(("name", "query"), ONE_FILTER_PAGES)
def test_a_one_filter_list_reads_its_counts_and_total_without_grouping_the_records(client, archive, name, query):
    if "incident" in query:
        query = {"incident": archive["first"].slug}
    if "stance" in query:
        query = {"stance": archive["condemnation"].slug}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), query)
    assert response.status_code == 200
    table = "events_reaction" if "reaction" in name else "events_incident"
    grouping = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and table in q["sql"]]
    assert grouping == []
    counting = [q["sql"] for q in queries if re.search(r"COUNT\(\*\).*FROM \"?" + table + r"\"?\s", q["sql"])]
    assert counting == []  # the total too is the stored count of the chosen value
    assert any("events_facetpair" in q["sql"] for q in queries)
    assert response.context["paginator"].count == response.context["filter"].qs.count()


def test_the_pages_show_the_counts_the_records_give_and_follow_an_edit(client, archive, settings):
    settings.COUNT_CACHE = True
    settings.PAGE_CACHE = True
    reactions = reverse("events:reaction-list")
    response = client.get(reactions, {"category": "country"})
    assert response.context["paginator"].count == 3
    assert option_counts(response, "incident") == {"First": 2, "Second": 1}
    assert option_counts(response, "stance") == {"Condemnation": 2, "Solidarity": 1}
    assert (
        option_counts(response, "category")["International: countries"] == 3
    )  # the chosen facet's own: the whole list's
    incidents = client.get(reverse("events:incident-list"), {"place": "iran"})
    assert incidents.context["paginator"].count == 2
    assert option_counts(incidents, "kind") == {"Bombing": 1, "Suicide bombing": 1}
    assert option_counts(incidents, "perpetrator") == {"ISIS-K": 1}
    assert option_counts(incidents, "place")["Kerman Province"] == 2  # up the tree, as the stored facets
    both = {"category": "country", "stance": archive["condemnation"].slug}
    response = client.get(reactions, both)
    assert response.context["paginator"].count == 2
    assert option_counts(response, "incident") == {"First": 2}
    assert option_counts(response, "stance") == {"Condemnation": 2, "Solidarity": 1}  # among the country reactions
    assert option_counts(response, "category") == {"International: countries": 2}  # among the condemnations

    # A write moves the counts in every state that shows them, at once.
    reaction = Reaction.objects.get(category="domestic")
    reaction.category = "country"
    reaction.save()
    response = client.get(reactions, {"category": "country"})
    assert response.context["paginator"].count == 4
    assert option_counts(response, "incident") == {"First": 3, "Second": 1}
    response = client.get(reactions, both)
    assert option_counts(response, "category") == {"International: countries": 2}
    assert option_counts(response, "stance") == {"Condemnation": 2, "Solidarity": 2}
    archive["second"].status = Status.DRAFT  # its reaction leaves the public list with it
    archive["second"].save()
    assert option_counts(client.get(reactions, {"category": "country"}), "incident") == {"First": 3}
    kerman = Incident.objects.get(title="First")
    kerman.kind = Incident.Kind.BOMBING
    kerman.save()
    assert option_counts(client.get(reverse("events:incident-list"), {"place": "iran"}), "kind") == {"Bombing": 1}


def test_a_change_of_stored_pairs_alone_drops_the_cached_counts(client, archive, settings):
    settings.COUNT_CACHE = True
    settings.PAGE_CACHE = False
    address = reverse("events:reaction-list")
    assert option_counts(client.get(address, {"category": "country"}), "incident")["First"] == 2
    first = str(archive["first"].pk)
    aggregates.apply("events.reaction", {aggregates.pair_key("incident", "category"): {f"{first}|country": 5}})
    assert option_counts(client.get(address, {"category": "country"}), "incident")["First"] == 7


def test_two_filters_or_a_search_still_group_the_records(client, archive):
    # A search that finds reactions (one that finds none has nothing to group, and reads no count).
    searched = {"category": "country", "q": "condemned"}
    for query in ({"category": "country", "stance": archive["condemnation"].slug}, searched):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("events:reaction-list"), query)
        assert [q for q in queries if "GROUP BY" in q["sql"] and "events_reaction" in q["sql"]], query


def test_a_role_and_a_nationality_count_in_the_people_list_filtered_by_either(client, archive):
    person = f.PersonFactory(name="Someone")
    organization = f.OrganizationFactory(name="Group")
    person.nationalities.add(archive["iran"])
    Role.objects.create(person=person, organization=organization)
    assert_stored_equal_grouped({"events.person"})
    response = client.get(reverse("events:person-list"), {"organization": organization.slug})
    assert option_counts(response, "nationality") == {"Iran": 1}


def test_a_figure_moves_no_count(archive):
    before = aggregates.stored("events.incident")
    figure = f.CasualtyFigureFactory(incident=archive["first"], value=99)
    figure.value = 120
    figure.save()
    assert aggregates.stored("events.incident") == before
    assert CasualtyFigure.objects.filter(value=120).exists()


def test_a_filtered_list_counts_its_other_facets_once_and_follows_an_edit_of_a_column_it_filters(
    client, archive, settings
):
    settings.COUNT_CACHE = True
    settings.PAGE_CACHE = True
    elsewhere = Incident.objects.get(title="Elsewhere")
    Incident.objects.filter(title="Second").update(date=datetime.date(2024, 1, 3))
    Incident.objects.filter(pk=elsewhere.pk).update(date=datetime.date(2020, 1, 1))
    bump_content_version()
    query = {"kind": "bombing", "date_after": "2024-01-01"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("events:incident-list"), query)
    # The place and perpetrator facets count the rows both filters give, computed once for both.
    assert sum("WITH shared AS MATERIALIZED" in q["sql"] for q in queries) == 1
    assert option_counts(response, "place") == {"Iran": 1, "Kerman Province": 1}
    assert option_counts(response, "kind") == {"Bombing": 1, "Suicide bombing": 1}
    elsewhere.date = datetime.date(2024, 2, 1)  # a column no stored count keeps: the cached counts follow it
    elsewhere.save()
    response = client.get(reverse("events:incident-list"), query)
    assert option_counts(response, "place") == {"Iran": 1, "Iraq": 1, "Kerman Province": 1}
    assert option_counts(response, "kind") == {"Bombing": 2, "Suicide bombing": 1}
    assert response.context["paginator"].count == 2
