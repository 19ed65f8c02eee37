"""The public pages: what they show, what they hide, and how many queries they cost."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import revisions
from events.models import Attribution, CasualtyFigure, Incident, IncidentLink, Organization, Place, Reaction, Status
from tests import factories as f
from tests.conftest import fresh, module_rows

pytestmark = pytest.mark.django_db
# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

UTC = dt.UTC
Kind = CasualtyFigure.Kind
Rank = CasualtyFigure.Rank
Qualifier = CasualtyFigure.Qualifier

# The most queries each page may use, whatever the number of rows it shows. Lists: count, rows, prefetches,
# one query per model-backed choice in the filter form, and every facet's counts in one query (the place
# facets of incidents and places add one for the place tree). The place page also walks the place tree, one
# query per level below the place (two for a city with sites), as Place.objects.descendant_ids does, and
# lists the developments (timeline entries) there. Detail pages of records with revisions read the number and
# date of the current public revision, for their "Revision N" line, in the record's own query.
MAX_QUERIES = {
    "home": 7,
    "incident-list": 6,  # count, rows, facets, place tree, place and perpetrator choices
    "incident-detail": 9,  # sources of everything on the page (claims' too) in one query, related incidents in one
    "person-list": 7,  # + whether anyone has a date of birth, to offer that sort
    "person-detail": 9,  # the person's sources and their claims' in one
    "organization-list": 5,
    "organization-detail": 9,  # the organization's sources and its claims' in one
    "reaction-list": 7,  # count, rows, stances, facets, incident, country and stance choices
    "reaction-detail": 3,
    "place-list": 6,
    "place-detail": 7,
    "search": 7,  # one windowed query per kind of record, + nationalities and stances of the rows found
    "timeline": 3,  # incidents, timeline entries, the incident choices
}


@module_rows
def kerman_rows():
    return build_kerman()


@pytest.fixture
def kerman(kerman_rows):
    """The Kerman rows, built once for the module (see tests/conftest.py), read anew for each test."""
    return fresh(kerman_rows)


def build_kerman():
    """A published incident shaped like the 2024 Kerman bombings, with everything its page shows."""
    iran = f.CountryFactory(name="Iran", slug="iran")
    province = f.PlaceFactory(name="Kerman Province", slug="kerman-province", kind=Place.Kind.PROVINCE, parent=iran)
    city = f.PlaceFactory(name="Kerman", slug="kerman", parent=province)
    cemetery = f.PlaceFactory(
        name="Kerman Martyrs’ Cemetery", slug="kerman-martyrs-cemetery", kind=Place.Kind.SITE, parent=city
    )
    source = f.SourceFactory(title="Encyclopedia article: 2024 Kerman bombings", slug="kerman-bombings-article")
    incident = f.IncidentFactory(
        title="2024 Kerman bombings",
        slug="2024-kerman-bombings",
        kind=Incident.Kind.SUICIDE_BOMBING,
        place=cemetery,
        start_time=dt.datetime(2024, 1, 3, 12, 20, tzinfo=UTC),
        end_time=dt.datetime(2024, 1, 3, 12, 30, tzinfo=UTC),
        time_zone="Asia/Tehran",
        time_zone_abbreviation="IRST",
        target="Mourners at the fourth commemoration of Qasem Soleimani",
        method="Two suicide bombings",
        summary="Two bombs exploded among mourners near the tomb of Qasem Soleimani.",
    )
    incident.sources.add(source)
    figure_103 = f.CasualtyFigureFactory(
        incident=incident,
        value=103,
        rank=Rank.SUPERSEDED,
        reported_on=dt.date(2024, 1, 3),
        reported_by_label="Iranian state media",
        note="Revised down after double counting.",
    )
    figure_103.sources.add(source)
    f.CasualtyFigureFactory(
        incident=incident,
        value=95,
        qualifier=Qualifier.AT_LEAST,
        rank=Rank.PREFERRED,
        reported_on=dt.date(2024, 1, 4),
        reported_by_label="Iranian Ministry of Health",
    )
    for value in (94, 89, 84):
        f.CasualtyFigureFactory(incident=incident, value=value, rank=Rank.REPORTED)
    f.CasualtyFigureFactory(incident=incident, kind=Kind.INJURED, value=284, rank=Rank.PREFERRED)

    isis_k = f.OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K", slug="isis-k")
    f.AttributionFactory(
        incident=incident,
        kind=Attribution.Kind.CLAIMED,
        responsible_organization=isis_k,
        by_organization=isis_k,
        mode="statement on Telegram",
        date=dt.date(2024, 1, 4),
        quote="Two of our brothers set off their explosive belts.",
    )
    f.TimelineEntryFactory(incident=incident, date=dt.date(2024, 1, 5), title="National day of mourning")

    khamenei = f.PersonFactory(name="Ali Khamenei", slug="ali-khamenei")
    khamenei.nationalities.add(iran)
    f.RoleFactory(person=khamenei, organization=None, country=iran, title="Supreme Leader")
    condemns = f.StanceFactory(name="Condemnation", slug="condemnation")
    reactions = SimpleNamespace(
        domestic=f.ReactionFactory(
            incident=incident,
            slug="khamenei-vows-response",
            category=Reaction.Category.DOMESTIC,
            person=khamenei,
            country=iran,
            quote="This disaster will have a harsh response.",
            summary="Vowed a harsh response.",
        ),
        country=f.ReactionFactory(
            incident=incident,
            slug="russia-condemns",
            category=Reaction.Category.COUNTRY,
            country=f.CountryFactory(name="Russia", slug="russia"),
            stances=[condemns],
        ),
        supranational=f.ReactionFactory(
            incident=incident,
            slug="un-security-council",
            category=Reaction.Category.SUPRANATIONAL,
            country=None,
            organization=f.OrganizationFactory(
                name="United Nations Security Council", slug="unsc", kind=Organization.Kind.SUPRANATIONAL
            ),
        ),
        non_state=f.ReactionFactory(
            incident=incident,
            slug="hezbollah-condemns",
            category=Reaction.Category.NON_STATE,
            country=None,
            organization=f.OrganizationFactory(name="Hezbollah", slug="hezbollah"),
        ),
    )
    soleimani = f.IncidentFactory(
        title="Assassination of Qasem Soleimani",
        slug="assassination-of-qasem-soleimani",
        kind=Incident.Kind.AIR_STRIKE,
        date=dt.date(2020, 1, 3),
        place=f.CountryFactory(name="Iraq", slug="iraq"),
    )
    f.IncidentLinkFactory(from_incident=incident, to_incident=soleimani, kind=IncidentLink.Kind.COMMEMORATES)
    incident.refresh_from_db()
    return SimpleNamespace(
        incident=incident,
        place=cemetery,
        city=city,
        province=province,
        iran=iran,
        isis_k=isis_k,
        khamenei=khamenei,
        reactions=reactions,
        soleimani=soleimani,
        source=source,
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_more_of_everything(kerman):
    """More rows of every kind the pages show, for checking that queries do not grow with rows."""
    incident = kerman.incident
    for n in range(3):
        figure = f.CasualtyFigureFactory(incident=incident, kind=Kind.ARRESTED, value=10 + n)
        figure.sources.add(f.SourceFactory())
        f.AttributionFactory(
            incident=incident,
            kind=Attribution.Kind.ACCUSED,
            responsible_person=kerman.khamenei,
            responsible_organization=None,
            by_person=f.PersonFactory(),
        )
        f.AttributionFactory(incident=incident, kind=Attribution.Kind.ASSESSED, by_organization=kerman.isis_k)
        organization = f.OrganizationFactory(parent=kerman.isis_k, country=kerman.iran)
        f.RoleFactory(person=kerman.khamenei, organization=organization)
        f.RoleFactory(organization=kerman.isis_k)
        f.ReactionFactory(
            incident=incident, stances=[f.StanceFactory(), f.StanceFactory()], person=kerman.khamenei
        ).sources.add(f.SourceFactory())
        f.ReactionFactory(incident=incident, organization=kerman.isis_k)
        f.TimelineEntryFactory(incident=incident, place=kerman.city)
        other = f.IncidentFactory(place=f.PlaceFactory(parent=kerman.city))
        f.IncidentLinkFactory(from_incident=other, to_incident=incident)
        f.IncidentLinkFactory(from_incident=incident, to_incident=f.IncidentFactory())
        f.PlaceFactory(parent=kerman.city)
        kerman.khamenei.nationalities.add(f.CountryFactory())
        incident.sources.add(f.SourceFactory())
        f.IncidentClaimFactory(incident=incident, by_organization=kerman.isis_k).sources.add(f.SourceFactory())
        f.PersonClaimFactory(person=kerman.khamenei, place=kerman.iran, by_person=f.PersonFactory())
        f.OrganizationClaimFactory(organization=kerman.isis_k, by_organization=f.OrganizationFactory())


# Pages render with their content


def test_home_features_the_kerman_bombings_and_links_every_list(client, kerman):
    response = client.get(reverse("events:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Featured incident" in content
    assert content.index("2024 Kerman bombings") < content.index("Assassination of Qasem Soleimani")
    for name in ("incident-list", "person-list", "organization-list", "reaction-list", "place-list"):
        assert f'href="{reverse(f"events:{name}")}"' in content
    assert [count for _key, _label, count, _url in response.context["counts"]] == [2, 1, 3, 4, 6]


def test_home_features_the_deadliest_incident_without_the_kerman_record(client):
    f.CasualtyFigureFactory(incident=f.IncidentFactory(title="Small attack"), value=2, rank=Rank.PREFERRED)
    f.CasualtyFigureFactory(incident=f.IncidentFactory(title="Deadly attack"), value=50, rank=Rank.PREFERRED)
    response = client.get(reverse("events:home"))
    assert response.context["featured"].title == "Deadly attack"


def test_home_renders_with_an_empty_archive(client):
    response = client.get(reverse("events:home"))
    assert response.status_code == 200
    assert "No incidents have been published yet" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("incident-list", "2024 Kerman bombings"),
        ("person-list", "Ali Khamenei"),
        ("organization-list", "ISIS–K"),
        ("reaction-list", "Vowed a harsh response."),
        ("place-list", "Kerman Province"),
    ],
)
def test_list_pages_render_published_records(client, kerman, name, expected):
    response = client.get(reverse(f"events:{name}"))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_incident_page_shows_the_infobox(client, kerman):
    response = client.get(kerman.incident.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>2024 Kerman bombings</h1>" in content
    assert "3 January 2024" in content
    assert "15:50–16:00 IRST (UTC+03:30)" in content
    assert "Mourners at the fourth commemoration of Qasem Soleimani" in content
    assert "Suicide bombing" in content
    assert "Two suicide bombings" in content
    infobox = content[content.index('class="infobox"') : content.index("</aside>")]
    for place in (kerman.place, kerman.city, kerman.province, kerman.iran):
        assert f'<a href="{place.get_absolute_url()}">{place.name}</a>' in infobox
    assert '<th scope="row">Deaths</th><td class="num">at least 95</td>' in infobox
    assert '<th scope="row">Injured</th><td class="num">284</td>' in infobox
    assert "Islamic State – Khorasan Province (ISIS–K)" in infobox


def test_incident_page_shows_every_death_toll_and_marks_the_superseded_one(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    casualties = content[content.index('id="casualties"') :]
    for shown in ("<del>103</del>", "at least 95", ">94<", ">89<", ">84<", ">284<"):
        assert shown in casualties
    superseded_row = casualties[casualties.index('class="figure figure--superseded"') :].split("</tr>")[0]
    assert "<del>103</del>" in superseded_row
    assert "Superseded" in superseded_row
    assert "Iranian state media" in superseded_row
    assert "3 January 2024" in superseded_row
    assert "Revised down after double counting." in superseded_row
    assert "Encyclopedia article: 2024 Kerman bombings" in superseded_row
    assert "<caption>Killed</caption>" in casualties
    assert "<caption>Injured</caption>" in casualties


def test_incident_page_shows_attributions_timeline_links_and_sources(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    assert "<h3>Claimed responsibility</h3>" in content
    assert "statement on Telegram" in content
    assert "<blockquote><p>Two of our brothers set off their explosive belts.</p></blockquote>" in content
    assert "National day of mourning" in content
    assert "5 January 2024" in content
    assert "Commemorates:" in content
    assert f'href="{kerman.soleimani.get_absolute_url()}"' in content
    assert "Encyclopedia article: 2024 Kerman bombings" in content


def test_linked_incident_page_shows_the_link_back(client, kerman):
    content = client.get(kerman.soleimani.get_absolute_url()).content.decode()
    assert f'href="{kerman.incident.get_absolute_url()}"' in content
    assert "commemorates this incident" in content


def test_incident_page_groups_reactions_by_category_in_the_articles_order(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    headings = [
        "<caption>Domestic ",
        "<caption>International: countries ",
        "<caption>International: supranational organizations ",
        "<caption>International: non-state entities ",
    ]
    positions = [content.index(heading) for heading in headings]
    assert positions == sorted(positions)
    domestic = content[positions[0] : positions[1]]
    assert f'<a href="{kerman.khamenei.get_absolute_url()}">Ali Khamenei</a>' in domestic
    # The quote is folded behind its first words, not spread over the page.
    assert (
        "<summary>Quote: “This disaster will have a harsh …”</summary>"
        "<blockquote><p>This disaster will have a harsh response.</p></blockquote></details>"
    ) in domestic
    countries = content[positions[1] : positions[2]]
    assert "Russia" in countries and "Condemnation" in countries
    assert "United Nations Security Council" in content[positions[2] : positions[3]]
    assert "Hezbollah" in content[positions[3] :]


def test_person_page_shows_roles_reactions_and_incidents(client, kerman):
    response = client.get(kerman.khamenei.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Ali Khamenei</h1>" in content
    assert "Supreme Leader" in content
    assert f'<a href="{kerman.iran.get_absolute_url()}">Iran</a>' in content
    assert "This disaster will have a harsh response." in content
    assert f'<a href="{kerman.incident.get_absolute_url()}">2024 Kerman bombings</a>' in content


def test_person_page_shows_aliases_and_dates(client):
    person = f.PersonFactory(
        name="Abdollah Tajiki",
        name_is_alias=True,
        aliases="Tajiki\nAbdullah",
        born_on=dt.date(1998, 1, 1),
        born_precision="year",
        died_on=dt.date(2024, 1, 3),
        died_precision="day",
    )
    content = client.get(person.get_absolute_url()).content.decode()
    assert "Tajiki; Abdullah" in content
    assert "<dd>1998</dd>" in content
    assert "<dd>3 January 2024</dd>" in content


def test_organization_page_shows_claims_branches_and_people(client, kerman):
    branch = f.OrganizationFactory(name="ISIS–K media wing", parent=kerman.isis_k)
    f.RoleFactory(person=f.PersonFactory(name="Sanaullah Ghafari"), organization=kerman.isis_k, title="Emir")
    response = client.get(kerman.isis_k.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Islamic State – Khorasan Province" in content
    assert f'<a href="{branch.get_absolute_url()}">' in content
    assert "Sanaullah Ghafari" in content and "Emir" in content
    assert "Claimed responsibility" in content
    assert "statement on Telegram" in content


def test_reaction_page_shows_actor_incident_and_quote(client, kerman):
    response = client.get(kerman.reactions.domestic.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert f'<a href="{kerman.khamenei.get_absolute_url()}">Ali Khamenei</a>' in content
    assert f'<a href="{kerman.incident.get_absolute_url()}">2024 Kerman bombings</a>' in content
    assert "Vowed a harsh response." in content
    assert "<blockquote><p>This disaster will have a harsh response.</p></blockquote>" in content


def test_place_page_shows_hierarchy_children_and_incidents_below_it(client, kerman):
    kerman.province.latitude, kerman.province.longitude, kerman.province.geo_precision = 30.28, 57.08, "region"
    kerman.province.coordinates_source = f.SourceFactory(slug=f.GAZETTEER_SOURCE)
    kerman.province.save()
    response = client.get(kerman.province.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    breadcrumb = content[content.index('class="breadcrumb"') : content.index("</nav>", content.index("breadcrumb"))]
    assert f'<a href="{kerman.iran.get_absolute_url()}">Iran</a>' in breadcrumb
    assert f'<a href="{kerman.city.get_absolute_url()}">Kerman</a>' in content
    assert "2024 Kerman bombings" in content
    assert "30.2800, 57.0800" in content


def test_native_names_carry_their_language_and_direction(client):
    place = f.PlaceFactory(name="Kerman", native_name="کرمان", native_name_lang="fa")
    content = client.get(place.get_absolute_url()).content.decode()
    assert '<span class="native-name" lang="fa" dir="rtl">کرمان</span>' in content


# Missing and draft records


@pytest.mark.parametrize(
    "name", ["incident-detail", "person-detail", "organization-detail", "reaction-detail", "place-detail"]
)
def test_unknown_slug_is_404(client, name):
    response = client.get(reverse(f"events:{name}", kwargs={"slug": "no-such-record"}))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.fixture
def drafts(kerman):
    return build_drafts(kerman)


def build_drafts(kerman):
    """A draft of every public record, each attached to the published Kerman incident where it can be."""
    draft = Status.DRAFT
    incident = f.IncidentFactory(title="Draft incident", slug="draft-incident", status=draft)
    f.IncidentLinkFactory(from_incident=kerman.incident, to_incident=incident, kind=IncidentLink.Kind.SEE_ALSO)
    f.IncidentLinkFactory(from_incident=incident, to_incident=kerman.incident, kind=IncidentLink.Kind.CONTEXT)
    person = f.PersonFactory(name="Draft person", slug="draft-person", status=draft)
    organization = f.OrganizationFactory(name="Draft organization", slug="draft-organization", status=draft)
    place = f.PlaceFactory(name="Draft place", slug="draft-place", status=draft, parent=kerman.city)
    reaction = f.ReactionFactory(
        incident=kerman.incident, slug="draft-reaction", summary="Draft reaction text.", status=draft
    )
    f.AttributionFactory(incident=kerman.incident, kind=Attribution.Kind.ACCUSED, responsible_organization=organization)
    f.RoleFactory(person=person, organization=kerman.isis_k)
    return SimpleNamespace(incident=incident, person=person, organization=organization, place=place, reaction=reaction)


@pytest.mark.parametrize(
    ("list_name", "record", "text"),
    [
        ("incident-list", "incident", "Draft incident"),
        ("person-list", "person", "Draft person"),
        ("organization-list", "organization", "Draft organization"),
        ("reaction-list", "reaction", "Draft reaction text."),
        ("place-list", "place", "Draft place"),
    ],
)
def test_drafts_are_hidden_from_lists_and_404_on_their_page(client, drafts, list_name, record, text):
    assert text not in client.get(reverse(f"events:{list_name}")).content.decode()
    assert client.get(getattr(drafts, record).get_absolute_url()).status_code == 404


def test_published_pages_never_link_to_drafts(client, kerman, drafts):
    pages = [
        kerman.incident.get_absolute_url(),
        kerman.isis_k.get_absolute_url(),
        kerman.city.get_absolute_url(),
        reverse("events:home"),
    ]
    for url in pages:
        content = client.get(url).content.decode()
        for record in vars(drafts).values():
            assert f'href="{record.get_absolute_url()}"' not in content, (url, record)
    incident_page = client.get(kerman.incident.get_absolute_url()).content.decode()
    assert "Draft incident" not in incident_page
    assert "Draft reaction text." not in incident_page
    assert "Draft person" not in client.get(kerman.isis_k.get_absolute_url()).content.decode()
    assert "Draft place" not in client.get(kerman.city.get_absolute_url()).content.decode()


def test_reactions_to_a_draft_incident_are_hidden(client):
    reaction = f.ReactionFactory(incident=f.IncidentFactory(status=Status.DRAFT), summary="Hidden via incident.")
    assert "Hidden via incident." not in client.get(reverse("events:reaction-list")).content.decode()
    assert client.get(reaction.get_absolute_url()).status_code == 404


# Query counts


def detail_urls(kerman):
    return {
        "incident-detail": kerman.incident.get_absolute_url(),
        "person-detail": kerman.khamenei.get_absolute_url(),
        "organization-detail": kerman.isis_k.get_absolute_url(),
        "reaction-detail": kerman.reactions.domestic.get_absolute_url(),
        "place-detail": kerman.city.get_absolute_url(),
    }


def page_url(kerman, name):
    if name == "search":
        return reverse("events:search") + "?q=kerman"
    return detail_urls(kerman).get(name) or reverse(f"events:{name}")


@module_rows
def kerman_and_more_rows(kerman_rows):
    """The Kerman rows and more of everything, so that every prefetch has rows to fetch; built once, on top
    of `kerman_rows`, for the query-count tests (which run after the module's other tests)."""
    add_more_of_everything(kerman_rows)
    # Each page with a revision line shows the record's current public revision, as a real archive's pages do.
    for record in (kerman_rows.incident, kerman_rows.khamenei, kerman_rows.isis_k, kerman_rows.city):
        revisions.create_revision(record, revisions.snapshot(record))
    return kerman_rows


@pytest.fixture
def kerman_and_more(kerman_and_more_rows):
    return fresh(kerman_and_more_rows)


@pytest.mark.parametrize("name", sorted(MAX_QUERIES))
def test_page_query_count_is_pinned(client, kerman_and_more, django_assert_max_num_queries, name):
    url = page_url(kerman_and_more, name)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200


def test_page_query_count_does_not_grow_with_rows(client, kerman_and_more):
    """Every page type at once: the rows are added once for all of them (a third of a second each time)."""
    urls = {name: page_url(kerman_and_more, name) for name in sorted(MAX_QUERIES)}
    before = {name: count_queries(client, url) for name, url in urls.items()}
    # Three more of every kind: a query per row would show as three more queries or so.
    add_more_of_everything(kerman_and_more)
    assert {name: count_queries(client, url) for name, url in urls.items()} == before


def test_infobox_names_each_perpetrator_once_per_kind(client, kerman):
    f.AttributionFactory(
        incident=kerman.incident,
        kind=Attribution.Kind.CLAIMED,
        responsible_organization=kerman.isis_k,
        role="suicide bombers",
        mode="images released by Amaq",
    )
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    infobox = content[content.index('class="infobox"') : content.index("</aside>")]
    assert infobox.count("Islamic State – Khorasan Province (ISIS–K)") == 1
    assert "images released by Amaq" in content  # the second claim still stands in the Responsibility section


# Error pages


def test_404_page_uses_the_site_design(client):
    content = client.get("/no-such-page/").content.decode()
    assert "Skip to main content" in content
    assert 'href="/incidents/"' in content


def test_500_page_renders_without_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        content = loader.get_template("500.html").render()
    assert "Something went wrong" in content


def test_person_list_shows_published_nationalities_only(client):
    person = f.PersonFactory(name="Bozrov")
    person.nationalities.set(
        [f.CountryFactory(name="Tajikistan"), f.CountryFactory(name="Draftland", status=Status.DRAFT)]
    )
    content = client.get(reverse("events:person-list")).content.decode()
    assert "Tajikistan" in content
    assert "Draftland" not in content


# Contested figures and approximate dates


def test_infobox_shows_every_other_death_toll_beside_the_preferred_one(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    infobox = content[content.index('class="infobox"') : content.index("</aside>")]
    others = infobox[infobox.index("Other reported death tolls") :]
    others = others[: others.index("</tr>")]
    for value in ("<del>103</del>", ">94<", ">89<", ">84<"):
        assert value in others
    assert 'Iranian state media, <time datetime="2024-01-03">3 January 2024</time>, superseded' in others
    assert "at least 95" not in others  # the preferred figure is the headline, not an 'other'


@pytest.mark.parametrize(
    ("precision", "date", "shown", "machine"),
    [
        ("year", dt.date(1978, 1, 1), "1978", "1978"),
        ("month", dt.date(2024, 1, 1), "January 2024", "2024-01"),
        ("day", dt.date(2024, 1, 3), "3 January 2024", "2024-01-03"),
    ],
)
def test_dates_are_shown_only_as_precisely_as_known(client, precision, date, shown, machine):
    incident = f.IncidentFactory(title="Dated", date=date, date_precision=precision)
    f.TimelineEntryFactory(incident=incident, date=date, date_precision=precision, title="Entry")
    tag = f'<time datetime="{machine}">{shown}</time>'
    for url in (incident.get_absolute_url(), reverse("events:incident-list"), reverse("events:timeline")):
        assert tag in client.get(url).content.decode(), url


# Timeline


@pytest.fixture
def timeline(kerman):
    f.TimelineEntryFactory(incident=kerman.incident, date=dt.date(2024, 1, 4), title="Claim of responsibility")
    f.TimelineEntryFactory(
        incident=kerman.soleimani, date=dt.date(2020, 1, 1), date_precision="year", title="A year-only entry"
    )
    f.TimelineEntryFactory(incident=f.IncidentFactory(status=Status.DRAFT), title="Entry of a draft incident")
    return kerman


def test_timeline_groups_incidents_and_entries_by_year_and_month(client, timeline):
    response = client.get(reverse("events:timeline"))
    years = response.context["years"]
    assert [year for year, _months in years] == [2020, 2024]
    months_2020 = [label for label, _items in years[0][1]]
    assert months_2020 == ["2020, month unknown", "January 2020"]
    (january_2024,) = years[1][1]
    assert [item.title for item in january_2024[1]] == [
        "2024 Kerman bombings",
        "Claim of responsibility",
        "National day of mourning",
    ]
    content = response.content.decode()
    assert f'href="{timeline.incident.get_absolute_url()}"' in content
    entry = timeline.incident.timeline.get(title="National day of mourning")
    assert f'href="{timeline.incident.get_absolute_url()}#entry-{entry.key}"' in content
    assert "Entry of a draft incident" not in content
    assert f'id="entry-{entry.key}"' in client.get(timeline.incident.get_absolute_url()).content.decode()


def test_timeline_filters_by_incident_and_kind(client, timeline):
    def titles(**params):
        years = client.get(reverse("events:timeline"), params).context["years"]
        return [item.title for _year, months in years for _label, items in months for item in items]

    assert titles(incident="assassination-of-qasem-soleimani") == [
        "A year-only entry",
        "Assassination of Qasem Soleimani",
    ]
    assert titles(kind="air_strike", show="incidents") == ["Assassination of Qasem Soleimani"]
    assert titles(incident="2024-kerman-bombings", show="entries") == [
        "Claim of responsibility",
        "National day of mourning",
    ]


def test_timeline_with_invalid_filters_shows_a_message(client, timeline):
    response = client.get(reverse("events:timeline"), {"incident": "atlantis", "kind": "volcano"})
    assert response.status_code == 200
    assert "Some filter values could not be understood." in response.content.decode()


# Places


def test_place_page_links_coordinates_to_openstreetmap_and_lists_developments_below(client, kerman):
    kerman.place.latitude, kerman.place.longitude, kerman.place.geo_precision = 30.2597, 57.0977, "exact"
    kerman.place.coordinates_source = f.SourceFactory(slug=f.GAZETTEER_SOURCE)
    kerman.place.save()
    f.TimelineEntryFactory(incident=kerman.incident, place=kerman.place, title="Funeral at the cemetery")
    content = client.get(kerman.place.get_absolute_url()).content.decode()
    assert (
        'href="https://www.openstreetmap.org/?mlat=30.259700&amp;mlon=57.097700#map=16/30.259700/57.097700"' in content
    )
    city_page = client.get(kerman.city.get_absolute_url()).content.decode()
    assert "Funeral at the cemetery" in city_page  # a development at a site shows on its city's page
    assert "2024 Kerman bombings" in city_page


# Staff preview of drafts


@pytest.mark.parametrize("record", ["incident", "person", "organization", "place", "reaction"])
def test_staff_may_preview_a_draft_marked_as_such_and_never_cached(staff_client, kerman, record):
    drafts = build_drafts(kerman)
    response = staff_client.get(getattr(drafts, record).get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Draft — not public" in content
    assert "(status: draft)" in content
    assert '<meta name="robots" content="noindex">' in content
    assert set(response["Cache-Control"].replace(" ", "").split(",")) >= {"no-store", "private"}


def test_a_reaction_to_a_draft_incident_is_previewed_as_a_draft(staff_client):
    reaction = f.ReactionFactory(incident=f.IncidentFactory(status=Status.DRAFT))
    response = staff_client.get(reaction.get_absolute_url())
    assert "Draft — not public" in response.content.decode()
    assert "(status: " not in response.content.decode()  # the reaction itself is published


def test_published_pages_carry_no_draft_banner_for_staff(staff_client, kerman):
    response = staff_client.get(kerman.incident.get_absolute_url())
    assert "Draft — not public" not in response.content.decode()
    assert "no-store" not in response.get("Cache-Control", "")


def test_staff_drafts_stay_out_of_lists_search_and_feeds(staff_client, kerman):
    drafts = build_drafts(kerman)
    pages = [reverse("events:incident-list"), reverse("events:search") + "?q=draft", reverse("events:feed")]
    for url in pages:
        content = staff_client.get(url).content.decode()
        assert drafts.incident.get_absolute_url() not in content, url


def test_non_staff_users_still_get_404_for_drafts(client, kerman, django_user_model):
    drafts = build_drafts(kerman)
    client.force_login(django_user_model.objects.create_user("reader", password="a long enough password"))
    assert client.get(drafts.incident.get_absolute_url()).status_code == 404


def test_every_record_on_an_incident_page_gets_its_own_sources_from_one_query(django_assert_num_queries):
    from events.models import prefetch_sources

    incident = f.IncidentFactory(sources=[])
    figure = f.CasualtyFigureFactory(incident=incident, sources=[])
    reaction = f.ReactionFactory(incident=incident, sources=[])
    alpha, beta, gamma = (f.SourceFactory(title=title) for title in ("Alpha", "Beta", "Gamma"))
    incident.sources.add(gamma, alpha)
    figure.sources.add(beta)
    records = [Incident.objects.get(pk=incident.pk), CasualtyFigure.objects.get(pk=figure.pk)]
    records.append(Reaction.objects.get(pk=reaction.pk))
    with django_assert_num_queries(1):
        prefetch_sources(records)
    with django_assert_num_queries(0):
        cited = [[source.title for source in record.sources.all()] for record in records]
    assert cited == [["Alpha", "Gamma"], ["Beta"], []]
