"""Finding one's way on long pages and through lists: the contents of record pages, tables that leave out empty
columns, choices shown once, the timeline's incident box, the sorts offered and pages past the end."""

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from events.models import CasualtyFigure, Reaction
from tests import factories as f
from tests.conftest import fresh, module_rows
from tests.test_views import build_kerman

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db


@module_rows
def navigation_rows():
    return build_kerman()


@pytest.fixture
def kerman(navigation_rows):
    return fresh(navigation_rows)


def contents_links(content):
    nav = re.search(r'<nav class="contents".*?</nav>', content, re.DOTALL)
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(0)) if nav else []


def body_headings(content):
    body = content[content.index('<div class="article-body">') :]
    return re.findall(r'<h2 id="([^"]+)"', body)


# Contents


def test_incident_page_lists_every_section_in_its_contents_in_page_order(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    links = contents_links(content)
    assert [anchor for anchor, _text in links] == body_headings(content)
    assert ("reactions-heading", "Reactions") in links
    assert ("casualties-heading", "Casualty figures") in links
    # The contents come before the infobox and the body: first on a phone, top of the right column when wide.
    assert content.index('class="contents"') < content.index('class="infobox"') < content.index("article-body")


def test_a_section_left_out_of_the_page_is_left_out_of_the_contents(client, kerman):
    Reaction.objects.filter(incident=kerman.incident).delete()
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    assert "reactions-heading" not in [anchor for anchor, _text in contents_links(content)]
    assert 'id="reactions-heading"' not in content


def test_person_page_has_contents_only_when_it_has_sections_enough_to_need_them(client, kerman):
    long_page = client.get(kerman.khamenei.get_absolute_url()).content.decode()
    assert [anchor for anchor, _text in contents_links(long_page)] == body_headings(long_page)
    assert len(contents_links(long_page)) >= 3
    short_page = client.get(f.PersonFactory(name="Nobody Much").get_absolute_url()).content.decode()
    assert contents_links(short_page) == []
    assert "record-layout" not in short_page


def test_organization_page_contents_name_its_sections(client, kerman):
    content = client.get(kerman.isis_k.get_absolute_url()).content.decode()
    assert [anchor for anchor, _text in contents_links(content)] == body_headings(content)


# Reactions


def test_incident_reactions_are_one_table_per_category_with_links_narrowing_the_list(client, kerman):
    content = client.get(kerman.incident.get_absolute_url()).content.decode()
    section = content[
        content.index('id="reactions-heading"') : content.index("</section>", content.index('id="reactions-heading"'))
    ]
    assert section.count('<table class="data reactions stack">') == 4
    assert section.count("<tr>") == 4 + len(kerman.reactions.__dict__)  # a header row per table, a row per reaction
    list_url = reverse("events:reaction-list")
    assert f'href="{list_url}?incident=2024-kerman-bombings&amp;category=domestic">domestic (1)</a>' in section
    assert f'href="{list_url}?incident=2024-kerman-bombings&amp;stance=condemnation">condemnation (1)</a>' in section
    # The list the links lead to holds just those reactions.
    narrowed = client.get(list_url, {"incident": "2024-kerman-bombings", "category": "domestic"})
    assert [reaction.pk for reaction in narrowed.context["object_list"]] == [kerman.reactions.domestic.pk]


# Casualty tables


def test_casualty_table_leaves_out_a_column_no_figure_fills(client):
    incident = f.IncidentFactory(title="Quiet")
    first = f.CasualtyFigureFactory(incident=incident, value=5, rank=CasualtyFigure.Rank.PREFERRED)
    f.CasualtyFigureFactory(incident=incident, value=6, rank=CasualtyFigure.Rank.REPORTED)
    content = client.get(incident.get_absolute_url()).content.decode()
    table = content[content.index('<table class="data figures stack">') :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Reported on</th>' not in table
    assert 'data-label="Reported on"' not in table
    assert '<th scope="col">Status</th>' in table

    first.reported_on = dt.date(2024, 1, 4)
    first.save()
    content = client.get(incident.get_absolute_url()).content.decode()
    assert '<th scope="col">Reported on</th>' in content
    assert '<time datetime="2024-01-04">4 January 2024</time>' in content


# Filter forms


@pytest.mark.parametrize(
    ("list_name", "select", "empty_label"),
    [
        ("incident-list", "kind", "Any type"),
        ("organization-list", "kind", "Any type"),
        ("place-list", "kind", "Any type"),
        ("reaction-list", "category", "Any"),
    ],
)
def test_a_choice_offers_its_empty_option_once(client, kerman, list_name, select, empty_label):
    content = client.get(reverse(f"events:{list_name}")).content.decode()
    options = re.search(rf'<select name="{select}".*?</select>', content, re.DOTALL).group(0)
    assert re.findall(r'<option value=""[^>]*>([^<]*)</option>', options) == [empty_label]
    assert options.count("<option") > 2


# The timeline's incident box


def timeline_titles(client, **params):
    response = client.get(reverse("events:timeline"), params)
    years = response.context["years"]
    return response, [item.title for _year, months in years for _label, items in months for item in items]


def test_timeline_incident_box_takes_a_word_of_the_title(client, kerman):
    _response, by_word = timeline_titles(client, incident="kerman", show="incidents")
    assert by_word == ["2024 Kerman bombings"]
    _response, by_slug = timeline_titles(client, incident="2024-kerman-bombings", show="incidents")
    assert by_slug == by_word


def test_timeline_incident_box_says_plainly_when_nothing_matches(client, kerman):
    response, titles = timeline_titles(client, incident="Atlantis")
    assert titles == []
    assert "No published incident has “Atlantis” in its title or address." in response.content.decode()


# Sorting


def test_people_are_offered_the_birth_date_sort_only_when_someone_has_a_birth_date(client, kerman):
    def sorts(**params):
        response = client.get(reverse("events:person-list"), params)
        content = response.content.decode()
        return [link["key"] for link in response.context["sort_links"]], '<option value="born"' in content

    with override_settings(COUNT_CACHE=False):
        assert sorts() == (["name", "name-desc"], False)
        # A shared link sorted that way still works and says how it is sorted.
        assert sorts(ordering="born") == (["name", "name-desc", "born"], True)
        f.PersonFactory(name="Dated", born_on=dt.date(1950, 1, 1), born_precision="day")
        assert sorts() == (["name", "name-desc", "born"], True)


# Pages past the end


@override_settings(EVENTS_PAGE_SIZE=2)
def test_a_page_past_the_end_says_how_many_pages_the_list_has(client, kerman):
    url = reverse("events:reaction-list")
    last = client.get(url, {"page": "last"})
    assert last.status_code == 200 and last.context["page_obj"].number == 2
    response = client.get(url, {"page": "9", "category": "domestic"})
    assert response.status_code == 404
    content = response.content.decode()
    assert "There is no page “9” of this list: it has 1 page of reactions." in content
    assert (
        f'href="{url}?page=1&amp;category=domestic"' in content
        or f'href="{url}?category=domestic&amp;page=1"' in content
    )
    assert "may not be published yet" not in content
    not_a_number = client.get(url, {"page": "nine"})
    assert not_a_number.status_code == 404
    assert "it has 2 pages of reactions" in not_a_number.content.decode()
