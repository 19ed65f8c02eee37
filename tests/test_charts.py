"""Charts of what the archive holds: drawn from the published records, the same numbers in the drawing and in its
table, the incident list's filters honoured, and a plain message where there is nothing to draw."""

import datetime as dt
import html
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from events.charts import Chart, Datum, combined_qualifier, year_slots
from events.models import CasualtyFigure, Incident, Reaction, Status
from tests import factories as f
from tests.conftest import fresh, module_rows

pytestmark = pytest.mark.django_db
FACTORIES_RECORD_HISTORY = False

Rank, Qualifier = CasualtyFigure.Rank, CasualtyFigure.Qualifier
CHARTS = "/charts/"


@module_rows
def chart_rows():
    iran = f.CountryFactory(name="Iran", slug="iran")
    kerman = f.PlaceFactory(name="Kerman", slug="kerman", parent=iran)
    elsewhere = f.PlaceFactory(name="Elsewhere", slug="elsewhere")
    shiraz = f.IncidentFactory(
        title="Shiraz shooting", date=dt.date(2022, 10, 26), kind=Incident.Kind.MASS_SHOOTING, place=elsewhere
    )
    f.CasualtyFigureFactory(incident=shiraz, value=13, rank=Rank.PREFERRED)
    bombing = f.IncidentFactory(
        title="Kerman bombings", slug="kerman-bombings", date=dt.date(2024, 1, 3), kind="suicide_bombing", place=kerman
    )
    preferred = f.CasualtyFigureFactory(
        incident=bombing,
        value=95,
        qualifier=Qualifier.AT_LEAST,
        rank=Rank.PREFERRED,
        reported_on=dt.date(2024, 1, 4),
        reported_by_label="Ministry of Health",
    )
    f.CasualtyFigureFactory(
        incident=bombing,
        value=103,
        rank=Rank.SUPERSEDED,
        reported_on=dt.date(2024, 1, 3),
        reported_by_label="State media",
    )
    f.CasualtyFigureFactory(incident=bombing, value=89, rank=Rank.REPORTED)
    # A breakdown, not a competing report: not charted.
    f.CasualtyFigureFactory(incident=bombing, value=23, group="students", rank=Rank.PREFERRED)
    stampede = f.IncidentFactory(title="Stampede", slug="stampede", date=dt.date(2020, 1, 7), place=kerman)
    f.CasualtyFigureFactory(incident=stampede, value=50, qualifier=Qualifier.AT_LEAST, rank=Rank.PREFERRED)
    f.CasualtyFigureFactory(incident=stampede, value=56, rank=Rank.REPORTED)
    f.IncidentFactory(title="No toll", date=dt.date(2024, 6, 1), place=elsewhere)
    f.IncidentFactory(title="Undated", date=None, date_precision="", place=elsewhere)
    draft = f.IncidentFactory(title="Draft incident", date=dt.date(2024, 2, 1), status=Status.DRAFT, place=kerman)
    f.CasualtyFigureFactory(incident=draft, value=500, rank=Rank.PREFERRED)

    condemnation = f.StanceFactory(name="Condemnation", slug="condemnation")
    solidarity = f.StanceFactory(name="Solidarity", slug="solidarity")
    secret = f.StanceFactory(name="Hidden stance", slug="hidden-stance")
    f.ReactionFactory(incident=bombing, stances=[condemnation, solidarity])
    f.ReactionFactory(incident=bombing, stances=[condemnation], category=Reaction.Category.DOMESTIC, country=iran)
    f.ReactionFactory(incident=shiraz, stances=[condemnation])
    f.ReactionFactory(incident=bombing, stances=[secret], status=Status.DRAFT)
    f.ReactionFactory(incident=draft, stances=[secret, condemnation])
    for incident in Incident.objects.all():
        incident.refresh_headline_figures()
    return SimpleNamespace(bombing=bombing, shiraz=shiraz, stampede=stampede, draft=draft, preferred=preferred)


@pytest.fixture
def rows(chart_rows):
    return fresh(chart_rows)


def chart_of(content, key):
    """(the drawing's value labels, the table's rows as [cells]) of the chart `key`, or None if not on the page."""
    found = re.search(rf'<figure class="chart[^"]*" id="chart-{key}">(.*?)</figure>', content, re.DOTALL)
    if found is None:
        return None
    figure = found.group(1)
    svg = re.search(r"<svg.*?</svg>", figure, re.DOTALL)
    values = [
        text_of(value) for value in re.findall(r'<text class="chart__value"[^>]*>(.*?)</text>', figure, re.DOTALL)
    ]
    rows = [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", figure, re.DOTALL)[1:]
    ]
    return SimpleNamespace(svg=svg.group(0) if svg else "", values=values, rows=rows, html=figure)


def text_of(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page(client, path=CHARTS, **query):
    response = client.get(path, query)
    assert response.status_code == 200
    return response.content.decode()


# The charts page


def test_incidents_per_year_count_published_incidents_in_the_drawing_and_the_table(client, rows):
    chart = chart_of(page(client), "incidents-per-year")
    assert chart.rows == [["2020", "1"], ["2022", "1"], ["2024", "2"]]
    # 2021 is drawn as a zero (no label); the others carry their count.
    assert chart.values == ["1", "1", "2"]
    assert 'role="img"' in chart.svg and 'aria-labelledby="chart-incidents-per-year-title' in chart.svg
    description = "Incidents per year. 2020: 1; 2021: 0; 2022: 1; 2023: 0; 2024: 2."
    assert f'<desc id="chart-incidents-per-year-desc">{description}</desc>' in chart.svg
    assert "1 incident without a date left out" in chart.html


def test_deaths_per_year_add_up_headline_tolls_and_say_when_a_toll_is_a_minimum(client, rows):
    chart = chart_of(page(client), "deaths-per-year")
    assert chart.rows == [["2020", "at least 50"], ["2022", "13"], ["2024", "at least 95"]]
    assert chart.values == ["at least 50", "13", "at least 95"]


def test_a_changed_figure_changes_the_deaths_chart_and_its_table(client, rows):
    rows.preferred.value, rows.preferred.qualifier = 120, Qualifier.EXACT
    rows.preferred.save()
    f.CasualtyFigureFactory(incident=Incident.objects.get(title="No toll"), value=7, rank=Rank.PREFERRED)
    chart = chart_of(page(client), "deaths-per-year")
    assert ["2024", "127"] in chart.rows
    assert "127" in chart.values


def test_an_added_incident_changes_the_count_for_its_year(client, rows):
    f.IncidentFactory(date=dt.date(2021, 5, 5))
    chart = chart_of(page(client), "incidents-per-year")
    assert ["2021", "1"] in chart.rows
    assert chart.values == ["1", "1", "1", "2"]


def test_drafts_and_reactions_to_drafts_are_not_counted(client, rows):
    content = page(client)
    assert chart_of(content, "incidents-per-year").rows[-1] == ["2024", "2"]
    assert "500" not in chart_of(content, "deaths-per-year").html
    stances = chart_of(content, "reactions-by-stance")
    assert stances.rows == [["Condemnation", "3"], ["Solidarity", "1"]]
    assert "Hidden stance" not in content


def test_reactions_by_category_list_every_category_in_the_lists_order(client, rows):
    chart = chart_of(page(client), "reactions-by-category")
    assert [row[0] for row in chart.rows] == [str(label) for _value, label in Reaction.Category.choices]
    assert [row[1] for row in chart.rows] == ["1", "2", "0", "0"]
    assert chart.values == ["1", "2", "0", "0"]


def test_the_charts_take_the_incident_lists_filters(client, rows):
    content = page(client, place="iran")
    assert chart_of(content, "incidents-per-year").rows == [["2020", "1"], ["2024", "1"]]
    # The reactions charted are those to the incidents the filters chose.
    assert chart_of(content, "reactions-by-stance").rows == [["Condemnation", "2"], ["Solidarity", "1"]]
    assert "Place: <strong>Iran</strong>" in content
    content = page(client, kind="mass_shooting", ordering="most-killed", page="3")
    assert chart_of(content, "deaths-per-year").rows == [["2022", "13"]]


def test_nothing_to_chart_is_said_plainly_without_a_drawing(client, rows):
    content = page(client, min_killed="100000")
    for key in ["incidents-per-year", "deaths-per-year", "reactions-by-category", "reactions-by-stance"]:
        chart = chart_of(content, key)
        assert chart.svg == "" and "<table" not in chart.html, key
        assert "No data:" in chart.html


def test_filter_values_not_understood_are_said_plainly_not_charted(client, rows):
    content = page(client, date_after="not a date", kind="nonsense")
    assert "could not be understood, so nothing is charted" in content
    assert "<svg" not in content.split('<main id="main"', 1)[1]


def test_a_long_run_of_years_without_incidents_is_one_break_in_the_axis(client, rows):
    f.IncidentFactory(date=dt.date(1978, 8, 19))
    chart = chart_of(page(client), "incidents-per-year")
    assert "1979–" in chart.html and "2019" in chart.html
    assert chart.rows[0] == ["1978", "1"]
    assert "The table lists only the years with incidents." in chart.html


def test_charts_page_costs_the_same_whatever_the_filters(client, rows, django_assert_max_num_queries):
    # Incidents per year (1), reactions by category (1), by stance (1) and the stances' names (1), the filter
    # form's counts (1) and its place and perpetrator choices (2); a place filter adds the place and the place
    # tree (which the place facet reads too), however deep the tree.
    with django_assert_max_num_queries(7):
        page(client)
    with django_assert_max_num_queries(9):
        page(client, place="iran", kind="suicide_bombing")


def test_the_menu_and_the_incident_list_lead_to_the_charts(client, rows):
    assert f'<a href="{CHARTS}"' in page(client, reverse("events:home"))
    listed = page(client, reverse("events:incident-list"), place="iran", ordering="most-killed")
    assert '<a href="/charts/?place=iran">Chart these incidents by year</a>' in listed


# An incident's figures as they were reported


def test_incident_page_draws_dated_figures_in_time_and_lists_the_undated_one(client, rows):
    content = page(client, rows.bombing.get_absolute_url())
    chart = chart_of(content, "figures-killed")
    assert 'class="chart__step"' in chart.svg
    assert chart.values == ["103", "at least 95"]  # in the order they were reported
    assert chart.rows == [
        ["103", "Superseded", "State media, 3 January 2024"],
        ["at least 95", "Preferred", "Ministry of Health, 4 January 2024"],
        ["89", "Reported", "Not recorded"],
    ]
    # A line need not start at zero, but it says where it starts: 95 and 103 would be one flat line from 0.
    assert "Killed (the axis starts at 90)" in chart.svg
    assert "Not drawn, in the table only: 1 figure without a report date." in chart.html
    assert "students" not in chart.html
    # In the right column, after the infobox.
    assert content.index('class="infobox"') < content.index('id="chart-figures-killed"')
    assert content.index('id="chart-figures-killed"') < content.index('<div class="article-body">')


def test_incident_page_chart_follows_a_changed_figure(client, rows):
    rows.preferred.value = 91
    rows.preferred.save()
    chart = chart_of(page(client, rows.bombing.get_absolute_url()), "figures-killed")
    assert "at least 91" in chart.values
    assert chart.rows[1][0] == "at least 91"


def test_undated_figures_are_not_placed_in_time_and_the_chart_says_so(client, rows):
    chart = chart_of(page(client, rows.stampede.get_absolute_url()), "figures-killed")
    assert 'class="chart__step"' not in chart.svg and 'class="chart__bar' in chart.svg
    assert chart.values == ["56", "at least 50"]  # the casualty table's order: highest first
    assert "No report dates are recorded, so these figures are not placed in time" in chart.html


def test_a_single_figure_or_figures_that_agree_draw_no_chart(client, rows):
    assert 'id="chart-figures-' not in page(client, rows.shiraz.get_absolute_url())
    f.CasualtyFigureFactory(incident=rows.shiraz, value=13, rank=Rank.REPORTED, reported_by_label="Police")
    assert 'id="chart-figures-' not in page(client, rows.shiraz.get_absolute_url())


def test_a_draft_reporter_is_not_named_in_the_chart(client, rows):
    draft = f.OrganizationFactory(name="Secret Agency", status=Status.DRAFT)
    f.CasualtyFigureFactory(incident=rows.stampede, value=61, reported_by_organization=draft)
    chart = chart_of(page(client, rows.stampede.get_absolute_url()), "figures-killed")
    assert "Secret Agency" not in chart.html
    assert "an unpublished organization" in chart.html


# The pieces


def test_year_slots_break_only_long_runs_of_empty_years():
    assert year_slots({2020, 2022, 2024}) == [2020, 2021, 2022, 2023, 2024]
    assert year_slots({1978, 2020}) == [1978, (1979, 2019), 2020]
    assert year_slots({2000, 2005}) == [2000, (2001, 2004), 2005]
    assert year_slots({2000, 2004}) == [2000, 2001, 2002, 2003, 2004]
    assert year_slots(set()) == []


@pytest.mark.parametrize(
    "qualifiers, combined",
    [
        ({"exact"}, "exact"),
        ({"exact", "at_least"}, "at_least"),
        ({"more_than", "exact"}, "more_than"),
        ({"more_than", "at_least"}, "at_least"),
        ({"about", "at_least"}, "about"),
        (set(), "exact"),
    ],
)
def test_a_sum_of_tolls_is_as_exact_as_its_least_exact_part(qualifiers, combined):
    assert combined_qualifier(qualifiers) == combined


def test_reports_days_apart_keep_their_labels_apart():
    days = [dt.date(2024, 1, day) for day in (3, 4, 5, 12)]
    data = [Datum(str(day), value, when=day) for day, value in zip(days, (103, 89, 95, 84), strict=True)]
    points = Chart(
        key="k", title="Killed", shape="step", data=data, category_label="Report", value_label="Killed"
    ).points
    # 3, 4 and 5 January sit within a quarter of the width: only the first and the last date are written.
    assert [point["show_date"] for point in points] == [True, False, False, True]
    # 89's value goes below its point, away from 103's above; 95's above again.
    assert [float(point["value_y"]) > float(point["y"]) for point in points] == [False, True, False, False]
