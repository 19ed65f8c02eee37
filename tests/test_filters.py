"""The list filters: each narrows its list, keeps its values across pages, and survives bad input."""

import datetime as dt

import pytest
from django.urls import reverse

from events.models import Attribution, CasualtyFigure, Incident, Organization, Place, Reaction, Status
from tests import factories as f

pytestmark = pytest.mark.django_db
# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False


def shown(client, name, attr="name", **params):
    """The records a list shows for these query parameters, by `attr`, in order."""
    response = client.get(reverse(f"events:{name}"), params)
    assert response.status_code == 200
    return [getattr(record, attr) for record in response.context["object_list"]]


def incident(title, killed=None, **kwargs):
    record = f.IncidentFactory(title=title, **kwargs)
    if killed is not None:
        f.CasualtyFigureFactory(incident=record, value=killed, rank=CasualtyFigure.Rank.PREFERRED)
    return record


@pytest.fixture
def places():
    iran = f.CountryFactory(name="Iran", slug="iran")
    province = f.PlaceFactory(name="Kerman Province", slug="kerman-province", kind=Place.Kind.PROVINCE, parent=iran)
    city = f.PlaceFactory(name="Kerman", slug="kerman", parent=province)
    cemetery = f.PlaceFactory(name="Martyrs’ Cemetery", slug="cemetery", kind=Place.Kind.SITE, parent=city)
    tehran = f.PlaceFactory(name="Tehran", slug="tehran", parent=iran)
    iraq = f.CountryFactory(name="Iraq", slug="iraq")
    baghdad = f.PlaceFactory(name="Baghdad", slug="baghdad", parent=iraq)
    return {p.slug: p for p in (iran, province, city, cemetery, tehran, iraq, baghdad)}


@pytest.fixture
def incidents(places):
    return {
        "kerman": incident(
            "Kerman bombings",
            killed=95,
            date=dt.date(2024, 1, 3),
            place=places["cemetery"],
            target="Mourners at a commemoration",
        ),
        "tehran": incident(
            "Tehran stampede",
            killed=56,
            kind=Incident.Kind.STAMPEDE,
            date=dt.date(2020, 1, 7),
            place=places["tehran"],
        ),
        "baghdad": incident(
            "Baghdad airport strike",
            killed=10,
            kind=Incident.Kind.AIR_STRIKE,
            date=dt.date(2020, 1, 3),
            place=places["baghdad"],
        ),
        "unknown": incident("Undated attack", date=None, date_precision="", place=places["iraq"]),
    }


# Incidents


def test_incident_date_range_narrows_the_list(client, incidents):
    assert shown(client, "incident-list", "title", date_after="2024-01-01") == ["Kerman bombings"]
    assert shown(client, "incident-list", "title", date_before="2020-01-05") == ["Baghdad airport strike"]
    assert shown(client, "incident-list", "title", date_after="2020-01-05", date_before="2023-12-31") == [
        "Tehran stampede"
    ]


def test_incident_kind_narrows_the_list(client, incidents):
    assert shown(client, "incident-list", "title", kind="stampede") == ["Tehran stampede"]


def test_incident_place_includes_everything_inside_it(client, incidents):
    assert shown(client, "incident-list", "title", place="kerman-province") == ["Kerman bombings"]
    assert shown(client, "incident-list", "title", place="iran") == ["Kerman bombings", "Tehran stampede"]
    assert shown(client, "incident-list", "title", place="iraq") == ["Baghdad airport strike", "Undated attack"]


def test_incident_place_choices_are_places_with_incidents_their_ancestors_and_countries(client, incidents):
    f.CountryFactory(name="Pakistan", slug="pakistan")
    f.PlaceFactory(name="Empty city", slug="empty-city")
    f.PlaceFactory(name="Draft city", slug="draft-city", status=Status.DRAFT)
    form = client.get(reverse("events:incident-list")).context["filter"].form
    offered = {place.slug for place in form.fields["place"].queryset}
    assert offered == {"iran", "kerman-province", "kerman", "cemetery", "tehran", "iraq", "baghdad", "pakistan"}


def test_incident_perpetrator_filters_by_organizations_named_responsible(client, incidents):
    isis_k = f.OrganizationFactory(name="ISIS–K", slug="isis-k")
    accused = f.OrganizationFactory(name="Mossad", slug="mossad", kind=Organization.Kind.INTELLIGENCE)
    f.AttributionFactory(incident=incidents["kerman"], kind=Attribution.Kind.CLAIMED, responsible_organization=isis_k)
    f.AttributionFactory(incident=incidents["kerman"], kind=Attribution.Kind.ASSESSED, responsible_organization=isis_k)
    f.AttributionFactory(
        incident=incidents["tehran"], kind=Attribution.Kind.IDENTIFIED, responsible_organization=isis_k
    )
    f.AttributionFactory(incident=incidents["baghdad"], kind=Attribution.Kind.ACCUSED, responsible_organization=accused)

    assert shown(client, "incident-list", "title", perpetrator="isis-k") == ["Kerman bombings", "Tehran stampede"]
    form = client.get(reverse("events:incident-list")).context["filter"].form
    assert list(form.fields["perpetrator"].queryset) == [isis_k]  # an accusation does not make a perpetrator


def test_incident_minimum_killed_narrows_the_list(client, incidents):
    assert shown(client, "incident-list", "title", min_killed=50) == ["Kerman bombings", "Tehran stampede"]
    assert shown(client, "incident-list", "title", min_killed=95) == ["Kerman bombings"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kerman", ["Kerman bombings"]),  # title and place name
        ("mourners", ["Kerman bombings"]),  # target
        ("BAGHDAD strike", ["Baghdad airport strike"]),  # every word, any case
        ("tehran bombings", []),
    ],
)
def test_incident_text_search(client, incidents, query, expected):
    assert shown(client, "incident-list", "title", q=query) == expected


def test_incident_text_search_reaches_the_place_name(client, incidents):
    assert shown(client, "incident-list", "title", q="cemetery") == ["Kerman bombings"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("most-killed", ["Kerman bombings", "Tehran stampede", "Baghdad airport strike", "Undated attack"]),
        ("newest", ["Kerman bombings", "Tehran stampede", "Baghdad airport strike", "Undated attack"]),
        ("oldest", ["Baghdad airport strike", "Tehran stampede", "Kerman bombings", "Undated attack"]),
        ("title", ["Baghdad airport strike", "Kerman bombings", "Tehran stampede", "Undated attack"]),
    ],
)
def test_incident_ordering(client, incidents, ordering, expected):
    assert shown(client, "incident-list", "title", ordering=ordering) == expected


def test_most_killed_ordering_puts_the_deadliest_first_regardless_of_date(client):
    incident("Old massacre", killed=300, date=dt.date(1990, 1, 1))
    incident("Recent attack", killed=3, date=dt.date(2024, 5, 1))
    assert shown(client, "incident-list", "title")[0] == "Recent attack"
    assert shown(client, "incident-list", "title", ordering="most-killed") == ["Old massacre", "Recent attack"]


def test_filters_combine(client, incidents):
    assert shown(client, "incident-list", "title", place="iran", min_killed=60) == ["Kerman bombings"]


def test_draft_incidents_never_match_a_filter(client, incidents, places):
    incident("Draft bombing", killed=500, place=places["cemetery"], status=Status.DRAFT)
    assert "Draft bombing" not in shown(client, "incident-list", "title", place="kerman", min_killed=1)


# Pagination keeps the filters


def test_pagination_links_keep_the_filter_values(client, settings):
    settings.EVENTS_PAGE_SIZE = 2
    for n in range(5):
        incident(f"Bombing {n}", date=dt.date(2024, 1, n + 1))
    incident("A stampede", kind=Incident.Kind.STAMPEDE)

    response = client.get(reverse("events:incident-list"), {"kind": "bombing", "q": "bombing"})
    content = response.content.decode()
    assert len(response.context["object_list"]) == 2
    assert 'href="?kind=bombing&amp;q=bombing&amp;page=2"' in content
    assert 'href="?kind=bombing&amp;q=bombing&amp;page=3"' in content

    last_page = client.get(reverse("events:incident-list"), {"kind": "bombing", "q": "bombing", "page": 3})
    assert [i.title for i in last_page.context["object_list"]] == ["Bombing 0"]
    assert 'href="?kind=bombing&amp;q=bombing&amp;page=2" rel="prev"' in last_page.content.decode()


def test_page_parameter_is_replaced_not_repeated(client, settings):
    settings.EVENTS_PAGE_SIZE = 1
    for n in range(3):
        incident(f"Bombing {n}")
    content = client.get(reverse("events:incident-list"), {"kind": "bombing", "page": 2}).content.decode()
    assert 'href="?kind=bombing&amp;page=3"' in content
    assert "page=2&amp;page" not in content


@pytest.mark.parametrize("count_cache", [False, True])
def test_clear_all_filters_is_offered_for_a_filter_or_a_sort_not_for_a_page_number(client, settings, count_cache):
    """The filter form is remembered per filter state and sort (its page number aside): the form drawn afresh and
    the form remembered from page 1 must agree on page 2, and on a parameter that filters nothing."""
    settings.EVENTS_PAGE_SIZE = 1
    settings.COUNT_CACHE = count_cache
    for n in range(3):
        incident(f"Bombing {n}")
    clear = '<a href="/incidents/">Clear all filters</a>'
    offered = {}
    for query in ({}, {"page": 2}, {"utm_source": "mail"}, {"kind": "bombing"}, {"ordering": "most-killed"}):
        offered[str(query)] = clear in client.get(reverse("events:incident-list"), query).content.decode()
    assert offered == {
        "{}": False,
        "{'page': 2}": False,
        "{'utm_source': 'mail'}": False,
        "{'kind': 'bombing'}": True,
        "{'ordering': 'most-killed'}": True,
    }


def test_a_page_beyond_the_end_is_404(client):
    assert client.get(reverse("events:incident-list"), {"page": 99}).status_code == 404


# Invalid values: 200, no rows, a visible message


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"min_killed": "abc"}, "Enter a number."),
        ({"date_after": "notadate"}, "Enter a valid date."),
        ({"date_before": "2024-13-45"}, "Enter a valid date."),
        ({"place": "atlantis"}, "Select a valid choice."),
        ({"perpetrator": "nobody"}, "Select a valid choice."),
        ({"kind": "earthquake"}, "Select a valid choice."),
        ({"ordering": "random"}, "Select a valid choice."),
        ({"min_killed": "-5"}, "greater than or equal to 0"),
    ],
)
def test_invalid_incident_filter_values_show_a_message(client, incidents, params, error):
    response = client.get(reverse("events:incident-list"), params)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Some filter values could not be understood." in content
    assert error in content
    assert list(response.context["object_list"]) == []


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("person-list", {"organization": "nope"}),
        ("person-list", {"nationality": "nope"}),
        ("organization-list", {"kind": "nope"}),
        ("organization-list", {"country": "nope"}),
        ("organization-list", {"parent": "nope"}),
        ("reaction-list", {"stance": "nope"}),
        ("reaction-list", {"category": "nope"}),
        ("reaction-list", {"incident": "nope"}),
        ("reaction-list", {"country": "nope"}),
        ("place-list", {"kind": "nope"}),
        ("place-list", {"parent": "nope"}),
        ("place-list", {"country": "nope"}),
    ],
)
def test_invalid_values_on_other_lists_show_a_message(client, name, params):
    response = client.get(reverse(f"events:{name}"), params)
    assert response.status_code == 200
    assert "Some filter values could not be understood." in response.content.decode()


def test_a_filter_with_no_matches_says_so(client, incidents):
    response = client.get(reverse("events:incident-list"), {"q": "nothing matches this"})
    assert "No published incidents match these filters." in response.content.decode()


def test_every_filter_control_has_a_label(client, incidents):
    content = client.get(reverse("events:incident-list")).content.decode()
    for field in ("q", "date_after", "date_before", "kind", "place", "perpetrator", "min_killed", "ordering"):
        assert f'<label for="id_{field}">' in content
        assert f'id="id_{field}"' in content


# People


@pytest.fixture
def people(places):
    irgc = f.OrganizationFactory(name="IRGC", slug="irgc", kind=Organization.Kind.MILITARY)
    soleimani = f.PersonFactory(name="Qasem Soleimani", aliases="Haj Qasem", description="Quds Force commander.")
    f.RoleFactory(person=soleimani, organization=irgc, title="Commander")
    f.RoleFactory(person=soleimani, organization=irgc, title="Divisional commander")
    soleimani.nationalities.add(places["iran"])
    bomber = f.PersonFactory(name="Abdollah Tajiki")
    bomber.nationalities.add(f.CountryFactory(name="Tajikistan", slug="tajikistan"))
    f.PersonFactory(name="Draft person", status=Status.DRAFT).roles.create(title="Member", organization=irgc)
    return {"irgc": irgc}


def test_people_organization_filter_uses_roles_without_duplicates(client, people):
    assert shown(client, "person-list", organization="irgc") == ["Qasem Soleimani"]


def test_people_nationality_filter(client, people):
    assert shown(client, "person-list", nationality="tajikistan") == ["Abdollah Tajiki"]
    assert shown(client, "person-list", nationality="iran") == ["Qasem Soleimani"]


@pytest.mark.parametrize("query", ["soleimani", "haj qasem", "quds"])
def test_people_text_search_covers_name_aliases_and_description(client, people, query):
    assert shown(client, "person-list", q=query) == ["Qasem Soleimani"]


# Organizations


@pytest.fixture
def organizations(places):
    irgc = f.OrganizationFactory(
        name="Islamic Revolutionary Guard Corps",
        short_name="IRGC",
        slug="irgc",
        kind=Organization.Kind.MILITARY,
        country=places["iran"],
        aliases="Sepah\nPasdaran",
    )
    f.OrganizationFactory(
        name="Quds Force", slug="quds-force", kind=Organization.Kind.MILITARY, parent=irgc, country=places["iran"]
    )
    f.OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K", slug="isis-k")
    f.OrganizationFactory(name="United Nations", slug="un", kind=Organization.Kind.SUPRANATIONAL)
    return {"irgc": irgc}


def test_organization_kind_filter(client, organizations):
    assert shown(client, "organization-list", kind="supranational") == ["United Nations"]


def test_organization_country_filter(client, organizations):
    assert shown(client, "organization-list", country="iran") == ["Islamic Revolutionary Guard Corps", "Quds Force"]


def test_organization_parent_filter(client, organizations):
    assert shown(client, "organization-list", parent="irgc") == ["Quds Force"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("irgc", ["Islamic Revolutionary Guard Corps"]), ("pasdaran", ["Islamic Revolutionary Guard Corps"])],
)
def test_organization_text_search_covers_short_name_and_aliases(client, organizations, query, expected):
    assert shown(client, "organization-list", q=query) == expected


# Reactions


@pytest.fixture
def reactions(places):
    kerman = incident("Kerman bombings", place=places["cemetery"])
    other = incident("Another incident")
    condemn = f.StanceFactory(name="Condemnation", slug="condemnation")
    console = f.StanceFactory(name="Condolences", slug="condolences")
    f.ReactionFactory(
        incident=kerman,
        slug="russia",
        country=f.CountryFactory(name="Russia", slug="russia"),
        stances=[condemn, console],
        summary="Condemned the attack and sent condolences.",
    )
    f.ReactionFactory(
        incident=kerman,
        slug="khamenei",
        category=Reaction.Category.DOMESTIC,
        country=places["iran"],
        person=f.PersonFactory(name="Ali Khamenei"),
        stances=[console],
        quote="A harsh response awaits.",
    )
    f.ReactionFactory(
        incident=other,
        slug="un",
        category=Reaction.Category.SUPRANATIONAL,
        country=None,
        organization=f.OrganizationFactory(name="United Nations", slug="un"),
        stances=[condemn],
    )


def test_reaction_stance_filter_without_duplicates(client, reactions):
    assert shown(client, "reaction-list", "slug", stance="condemnation") == ["un", "russia"]
    assert shown(client, "reaction-list", "slug", stance="condolences") == ["khamenei", "russia"]


def test_reaction_category_filter(client, reactions):
    assert shown(client, "reaction-list", "slug", category="domestic") == ["khamenei"]


def test_reaction_country_filter(client, reactions):
    assert shown(client, "reaction-list", "slug", country="russia") == ["russia"]


def test_reaction_incident_filter(client, reactions):
    kerman = Incident.objects.get(title="Kerman bombings")
    assert shown(client, "reaction-list", "slug", incident=kerman.slug) == ["khamenei", "russia"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("khamenei", ["khamenei"]),
        ("harsh response", ["khamenei"]),
        ("united", ["un"]),
        ("sent condolences", ["russia"]),
    ],
)
def test_reaction_text_search_covers_summary_quote_and_actors(client, reactions, query, expected):
    assert shown(client, "reaction-list", "slug", q=query) == expected


# Places


def test_place_kind_filter(client, places):
    assert shown(client, "place-list", kind="country") == ["Iran", "Iraq"]


def test_place_parent_filter(client, places):
    assert shown(client, "place-list", parent="iran") == ["Kerman Province", "Tehran"]


def test_place_country_filter_reaches_every_level(client, places):
    assert shown(client, "place-list", country="iran") == ["Kerman", "Kerman Province", "Martyrs’ Cemetery", "Tehran"]


def test_place_text_search(client, places):
    assert shown(client, "place-list", q="kerman") == ["Kerman", "Kerman Province"]


# Facets: counts beside each option, active filters as removable links, sorting, all in the address


def option_labels(response, field):
    return {value: label for value, label in response.context["filter"].form.fields[field].choices if value}


def test_each_option_shows_how_many_records_it_gives(client, incidents):
    response = client.get(reverse("events:incident-list"))
    kinds = {str(value): label for value, label in option_labels(response, "kind").items()}
    assert kinds["bombing"] == "Bombing (2)"
    assert kinds["stampede"] == "Stampede (1)"
    assert kinds["arson"] == "Arson (0)"
    places = {str(value): label for value, label in option_labels(response, "place").items()}
    assert places["iran"] == "Iran (2)"  # a place counts everything inside it
    assert places["kerman-province"] == "Kerman Province (1)"
    content = response.content.decode()
    assert ">Bombing (2)</option>" in content


def test_counts_follow_the_other_filters_but_not_their_own(client, incidents):
    response = client.get(reverse("events:incident-list"), {"kind": "stampede", "place": "iran"})
    kinds = {str(value): label for value, label in option_labels(response, "kind").items()}
    assert kinds["bombing"] == "Bombing (1)"  # Kerman, in Iran; choosing a type leaves the other types' counts
    places = {str(value): label for value, label in option_labels(response, "place").items()}
    assert places["iraq"] == "Iraq (0)" and places["iran"] == "Iran (1)"


def test_perpetrator_counts_follow_attributions(client, incidents):
    isis_k = f.OrganizationFactory(name="ISIS–K", slug="isis-k")
    f.AttributionFactory(incident=incidents["kerman"], kind=Attribution.Kind.CLAIMED, responsible_organization=isis_k)
    f.AttributionFactory(incident=incidents["kerman"], kind=Attribution.Kind.ASSESSED, responsible_organization=isis_k)
    response = client.get(reverse("events:incident-list"))
    assert list(option_labels(response, "perpetrator").values()) == ["ISIS–K (1)"]


@pytest.mark.parametrize(
    ("name", "field", "fixture", "expected"),
    [
        ("person-list", "nationality", "people", {"Iran (1)", "Tajikistan (1)"}),
        ("organization-list", "kind", "organizations", {"Military or security force (2)", "Militant group (1)"}),
        ("reaction-list", "stance", "reactions", {"Condemnation (2)", "Condolences (2)"}),
        ("place-list", "country", "places", {"Iran (4)", "Iraq (1)"}),
    ],
)
def test_other_lists_count_their_options_too(client, request, name, field, fixture, expected):
    request.getfixturevalue(fixture)
    labels = set(option_labels(client.get(reverse(f"events:{name}")), field).values())
    assert expected <= labels


def test_active_filters_are_listed_as_links_that_remove_them(client, incidents):
    response = client.get(reverse("events:incident-list"), {"kind": "bombing", "place": "iran", "page": "1"})
    active = {a["name"]: a for a in response.context["active_filters"]}
    assert active["kind"]["value"] == "Bombing"
    assert active["place"]["value"] == "Iran"
    assert active["kind"]["remove_query"] == "place=iran"
    content = response.content.decode()
    assert 'href="/incidents/?place=iran"' in content
    assert 'href="/incidents/?kind=bombing"' in content


def test_an_invalid_filter_can_be_removed_too(client, incidents):
    response = client.get(reverse("events:incident-list"), {"kind": "earthquake", "place": "iran"})
    (invalid,) = [a for a in response.context["active_filters"] if a["invalid"]]
    assert invalid["value"] == "earthquake"
    assert 'href="/incidents/?place=iran"' in response.content.decode()


def test_sort_links_keep_the_filters_and_mark_the_current_order(client, incidents):
    response = client.get(reverse("events:incident-list"), {"kind": "bombing", "ordering": "oldest"})
    links = {link["key"]: link for link in response.context["sort_links"]}
    assert set(links) == {"newest", "oldest", "most-killed", "most-injured", "title"}
    assert links["oldest"]["current"] and not links["newest"]["current"]
    assert links["most-killed"]["query"] == "kind=bombing&ordering=most-killed"
    assert 'href="?kind=bombing&amp;ordering=most-killed"' in response.content.decode()


def test_most_injured_ordering(client):
    quiet = incident("Quiet", date=dt.date(2024, 1, 1))
    loud = incident("Loud", date=dt.date(2020, 1, 1))
    f.CasualtyFigureFactory(
        incident=quiet, kind=CasualtyFigure.Kind.INJURED, value=3, rank=CasualtyFigure.Rank.PREFERRED
    )
    f.CasualtyFigureFactory(
        incident=loud, kind=CasualtyFigure.Kind.INJURED, value=300, rank=CasualtyFigure.Rank.PREFERRED
    )
    assert shown(client, "incident-list", "title", ordering="most-injured") == ["Loud", "Quiet"]


@pytest.mark.parametrize(
    ("name", "ordering", "fixture", "expected"),
    [
        ("person-list", "name-desc", "people", ["Qasem Soleimani", "Abdollah Tajiki"]),
        ("organization-list", "name-desc", "organizations", ["United Nations", "Quds Force"]),
        ("place-list", "name-desc", "places", ["Tehran", "Martyrs’ Cemetery"]),
    ],
)
def test_every_list_sorts_by_name(client, request, name, ordering, fixture, expected):
    request.getfixturevalue(fixture)
    assert shown(client, name, ordering=ordering)[:2] == expected


def test_reactions_sort_by_date(client, reactions):
    Reaction.objects.filter(slug="un").update(date=dt.date(2024, 1, 5))
    Reaction.objects.filter(slug="russia").update(date=dt.date(2024, 1, 3))
    assert shown(client, "reaction-list", "slug", ordering="newest")[:2] == ["un", "russia"]
    assert shown(client, "reaction-list", "slug", ordering="oldest")[:2] == ["russia", "un"]


def test_invalid_sort_on_other_lists_shows_a_message(client, people):
    response = client.get(reverse("events:person-list"), {"ordering": "shoe-size"})
    assert response.status_code == 200
    assert "Some filter values could not be understood." in response.content.decode()
