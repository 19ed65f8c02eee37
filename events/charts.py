"""Charts of what the archive holds, drawn on the server as inline SVG, each with a table of the same numbers.

No chart library: the three shapes the site needs (bars, columns, a step line) are a few rectangles, lines and
labels each, and a library would bring either JavaScript, which a page must not need, or a dependency that
draws to files or with inline styles the Content-Security-Policy refuses. Here a Chart holds the numbers and
works out where each mark goes; the templates in events/templates/events/includes/chart*.html draw it, and
site.css colours it by class.

Geometry: horizontal positions and widths are percentages of the drawing's width and heights are pixels, with
no viewBox, so a chart stretches to any column width while its text keeps its size (a scaled viewBox would
shrink the labels to 7 px on a phone).

Every count is of published records only: incidents from `for_list()`, reactions from `published()` (which
also needs their incident published), figures of an incident the page already shows, reporters by their
public name (events/public_names.py).
"""

import math
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.utils.dateformat import format as date_format

from .models import CasualtyFigure, Reaction, Stance, figure_display
from .public_names import reporter

# Pixel sizes shared by the shapes (the text sizes are in site.css).
BAR_ROW = 44  # one horizontal bar: its label line, the bar and the gap below
BAR_HEIGHT = 14
BAR_SPAN = 72  # the longest bar, in % of the width: the rest is room for its value label
PLOT_TOP = 48  # columns and step line: room for the unit label and the value labels above the marks
PLOT_HEIGHT = 150
COLUMN_SLOTS_AT_LEAST = 4  # one or two columns are drawn as narrow as four would be, centred
STEP_PAD = 12  # % left and right of the first and last report, for their labels
DESCRIBED_AT_MOST = 12  # values spelled out in the drawing's <desc>; the table has them all
COLUMN_VALUES_AT_MOST = 20  # more columns than this carry no value labels (they would overlap): see the table
COLUMN_TICKS_AT_MOST = 10
COLUMN_TICKS_ON_A_PHONE = 7
GAP_AT_LEAST = 4  # this many years in a row without incidents are drawn as one break in the year axis
LABEL_GAP = 24  # % of the width between the centres of two labels on a line, so they cannot touch on a phone
LABEL_AT_MOST = 44  # characters of a bar's label: 13 px text across a 358 px phone column

WHOLE_INCIDENT = "Figures for the whole incident only."


@dataclass
class Datum:
    """One mark: a bar, a column or a point of the step line, and one row of the table."""

    label: str
    value: int
    display: str = ""  # the value as the table and the label show it: "at least 95"
    mark: str = ""  # a modifier of the mark's class, e.g. "superseded"
    cells: tuple = ()  # its row of the table, the first cell the row's header: (label, display) unless given
    when: object = None  # a date, for the step line

    def __post_init__(self):
        self.display = self.display or f"{self.value:,}"
        self.cells = self.cells or (self.label, self.display)

    @property
    def value_lines(self):
        """A value label in lines that fit above a narrow column: "at least" over "95"."""
        qualifier, _, number = self.display.rpartition(" ")
        return [qualifier, number] if qualifier else [number]

    @property
    def label_lines(self):
        """A tick label in lines: a gap's "1980–2019" as "1980–" over "2019"."""
        first, dash, rest = self.label.partition("–")
        return [first + dash, rest] if dash else [self.label]

    @property
    def short_label(self):
        """The label beside a bar, cut to what fits a phone's width; the table has it whole."""
        return self.label if len(self.label) <= LABEL_AT_MOST else self.label[: LABEL_AT_MOST - 1].rstrip() + "…"


@dataclass
class Chart:
    """A titled chart of `data` in one of three shapes: "bars" (horizontal, one per category), "columns"
    (vertical, one per year) or "step" (a value over dated reports)."""

    key: str  # unique on the page: the element ids
    title: str
    shape: str
    data: list
    category_label: str  # the table's first column; the axis the categories or dates run along
    value_label: str  # the table's value column; the axis the values run along
    note: str = ""
    empty_message: str = "No data: nothing published matches."
    headers: tuple = ()  # the table's column headers: (category_label, value_label) unless given
    table_data: list = field(default=None)  # rows of the table when they are more than the marks
    value_column: int = 1  # the table's column of numbers

    def __post_init__(self):
        if self.table_data is None:
            self.table_data = self.data
        self.headers = self.headers or (self.category_label, self.value_label)

    @property
    def is_empty(self):
        # A figure of 0 is a report worth drawing; a year axis of zeros only says nothing matched.
        return not self.data or (self.shape == "columns" and not any(datum.value for datum in self.data))

    @property
    def top(self):
        return max((datum.value for datum in self.data), default=0) or 1

    @property
    def description(self):
        parts = [f"{datum.label}: {datum.display}" for datum in self.data[:DESCRIBED_AT_MOST]]
        more = len(self.data) - DESCRIBED_AT_MOST
        if more > 0:
            parts.append(f"and {more} more, in the table below")
        return f"{self.title}. " + "; ".join(parts) + "."

    @property
    def template_name(self):
        return f"events/includes/chart_{self.shape}.html"

    # Horizontal bars

    @property
    def bars(self):
        marks, longest = [], self.top
        for index, datum in enumerate(self.data):
            top = index * BAR_ROW
            span = BAR_SPAN * datum.value / longest
            marks.append(
                {
                    "datum": datum,
                    "label_y": px(top + 14),
                    "bar_y": px(top + 20),
                    "bar_height": px(BAR_HEIGHT),
                    "width": percent(max(span, 0.5) if datum.value else 0),
                    "value_x": percent(span),
                    "value_y": px(top + 32),
                }
            )
        return marks

    @property
    def bars_axis_y(self):
        return len(self.data) * BAR_ROW + 12

    @property
    def bars_height(self):
        return self.bars_axis_y + 8

    # Vertical columns

    @property
    def plot_bottom(self):
        return PLOT_TOP + PLOT_HEIGHT

    @property
    def columns(self):
        count = len(self.data)
        slot = 100 / max(count, COLUMN_SLOTS_AT_LEAST)
        start = (100 - slot * count) / 2
        tick_every = math.ceil(count / COLUMN_TICKS_AT_MOST)
        marks, tallest = [], self.top
        for index, datum in enumerate(self.data):
            height = PLOT_HEIGHT * datum.value / tallest
            centre = start + slot * (index + 0.5)
            marks.append(
                {
                    "datum": datum,
                    "x": percent(start + slot * (index + 0.2)),
                    "width": percent(slot * 0.6),
                    "centre": percent(centre),
                    "y": px(self.plot_bottom - height),
                    "height": px(height),
                    # The last line of the label sits just above the column; earlier lines stack above it.
                    "value_y": px(self.plot_bottom - height - 6 - 14 * (len(datum.value_lines) - 1)),
                    "show_value": bool(datum.value) and count <= COLUMN_VALUES_AT_MOST,
                    "show_tick": index % tick_every == 0,
                    # On a phone every other label is hidden (site.css) once they would touch; never the last year.
                    "minor_tick": count > COLUMN_TICKS_ON_A_PHONE and (count - 1 - index) % 2 == 1,
                    # A break in the year axis: two slanted strokes over a gap in the axis line.
                    "breaks": [(percent(centre + offset), percent(centre + offset + 0.8)) for offset in (-1.2, 0.4)],
                    "break_mask": percent(centre - 0.8),
                    "break_width": percent(1.6),
                }
            )
        return marks

    @property
    def tick_y(self):
        return self.plot_bottom + 18

    @property
    def axis_label_y(self):
        return self.plot_bottom + 52  # below a tick label of two lines

    @property
    def plot_height(self):
        return self.plot_bottom + 60

    # Step line

    @property
    def step_floor(self):
        """The value at the foot of a step line. A line, unlike a bar, need not start at zero, and reports that
        differ by a tenth (103, 95, 89) would be one flat line if it did: it starts at a round number below the
        lowest report, and the drawing says so."""
        values = [datum.value for datum in self.data]
        low, high = min(values), max(values)
        if low == high:
            return 0
        unit = 10 ** max(0, math.floor(math.log10(high)) - 1)  # 10 for tolls of 100 or more: "90", not "93"
        return max(0, int((low - (high - low) / 4) // unit * unit))

    @property
    def step_unit_label(self):
        floor = self.step_floor
        return f"{self.value_label} (the axis starts at {floor:,})" if floor else self.value_label

    @property
    def points(self):
        first, last = self.data[0].when, self.data[-1].when
        days = (last - first).days
        floor = self.step_floor
        span = (self.top - floor) or 1
        points = []
        for datum in self.data:
            share = (datum.when - first).days / days if days else 0.5
            x = STEP_PAD + (100 - 2 * STEP_PAD) * share
            y = px(self.plot_bottom - PLOT_HEIGHT * (datum.value - floor) / span)
            points.append({"datum": datum, "at": x, "x": percent(x), "y": y, "date": date_format(datum.when, "j M Y")})
        # Reports days apart sit close together: a value label goes below its point when the one before is
        # above it and near, and a date shows only where it cannot touch the one before (the table has all).
        above_at = None
        for point in points:
            below = above_at is not None and point["at"] - above_at < LABEL_GAP
            point["value_y"] = px(float(point["y"]) + (20 if below else -10))
            above_at = None if below else point["at"]
        dated = []
        for index, point in enumerate(points):
            if not dated or point["at"] - points[dated[-1]]["at"] >= LABEL_GAP:
                dated.append(index)
        while len(dated) > 1 and points[-1]["at"] - points[dated[-1]]["at"] < LABEL_GAP:
            dated.pop()
        if dated[-1] != len(points) - 1:
            dated.append(len(points) - 1)
        for index, point in enumerate(points):
            point["show_date"] = index in dated
        # The value holds from one report to the next: across at its height, then up or down to the next.
        for point, following in zip(points, points[1:], strict=False):
            point["next_x"], point["next_y"] = following["x"], following["y"]
        return points


# Coordinates reach the templates as text, so Django's number localization (slow, and "140,5" in a locale with a
# decimal comma) never touches them.


def percent(value):
    return f"{round(value, 2):g}%"


def px(value):
    return f"{round(value, 1):g}"


# The charts' numbers ---------------------------------------------------------------------------------------


class YearOf(ExtractYear):
    """ExtractYear, but on SQLite by its own strftime() instead of Django's django_date_extract(), a Python
    function called back for every row: half the time of incidents per year over 100,000 incidents."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(strftime(%s, {sql}) AS integer)", ("%Y", *params)


def counted(number, noun):
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def year_slots(years):
    """The year axis from the first year given to the last: a year without incidents is a zero, and a run of
    GAP_AT_LEAST or more of them one break, (first, last), so that 1978 and 2024 fit one phone-wide chart."""
    if not years:
        return []
    slots, empty = [], []
    for year in range(min(years), max(years) + 2):
        if year in years or year > max(years):
            if len(empty) >= GAP_AT_LEAST:
                slots.append((empty[0], empty[-1]))
            else:
                slots.extend(empty)
            empty = []
            if year in years:
                slots.append(year)
        else:
            empty.append(year)
    return slots


def combined_qualifier(qualifiers):
    """How a sum of figures is qualified: exact if all are; "about" if any is approximate; else "more than"
    if every inexact one is, else "at least" (a sum of minimums is itself a minimum)."""
    inexact = {q for q in qualifiers if q and q != CasualtyFigure.Qualifier.EXACT}
    if not inexact:
        return CasualtyFigure.Qualifier.EXACT
    if CasualtyFigure.Qualifier.ABOUT in inexact:
        return CasualtyFigure.Qualifier.ABOUT
    if inexact == {CasualtyFigure.Qualifier.MORE_THAN}:
        return CasualtyFigure.Qualifier.MORE_THAN
    return CasualtyFigure.Qualifier.AT_LEAST


def incident_charts(incidents):
    """Incidents per year and deaths per year of `incidents` (a published, filtered queryset): one query.

    Deaths are each incident's headline death toll, the archive's preferred whole-incident figure, the one the
    lists sort "Most killed" by."""
    rows = (
        incidents.order_by()
        .annotate(year=YearOf("date"))
        .values_list("year", "killed_qualifier")
        .annotate(number=Count("pk"), deaths=Sum("killed"), with_toll=Count("killed"))
    )
    per_year, undated, without_toll = {}, 0, 0
    for year, qualifier, number, deaths, with_toll in rows:
        without_toll += number - with_toll
        if year is None:
            undated += number
            continue
        found = per_year.setdefault(year, {"number": 0, "deaths": 0, "qualifiers": set()})
        found["number"] += number
        found["deaths"] += deaths or 0
        if with_toll:
            found["qualifiers"].add(qualifier)
    counts, deaths, listed = [], [], []
    for slot in year_slots(per_year):
        if isinstance(slot, tuple):
            label = f"{slot[0]}–{slot[1]}"
            counts.append(Datum(label, 0, display="none", mark="gap"))
            deaths.append(Datum(label, 0, display="none", mark="gap"))
            continue
        found = per_year.get(slot)
        if found is None:
            counts.append(Datum(str(slot), 0))
            deaths.append(Datum(str(slot), 0))
            continue
        listed.append(len(counts))
        counts.append(Datum(str(slot), found["number"]))
        if found["qualifiers"]:
            qualifier = combined_qualifier(found["qualifiers"])
            deaths.append(Datum(str(slot), found["deaths"], display=figure_display(found["deaths"], qualifier)))
        else:
            deaths.append(Datum(str(slot), 0, display="no toll recorded"))
    undated_note = f" {counted(undated, 'incident')} without a date left out." if undated else ""
    toll_note = f" Incidents without a death toll ({without_toll:,}) add nothing." if without_toll else ""
    # The drawing shows a year without incidents as a zero or a break; the table lists the years that have some.
    gaps_note = " The table lists only the years with incidents." if len(listed) < len(counts) else ""
    return [
        Chart(
            key="incidents-per-year",
            title="Incidents per year",
            shape="columns",
            data=counts,
            category_label="Year",
            value_label="Incidents",
            table_data=[counts[index] for index in listed],
            note="Published incidents by the year they happened." + undated_note + gaps_note,
            empty_message="No data: no published incident with a date matches these filters.",
        ),
        Chart(
            key="deaths-per-year",
            title="Deaths per year",
            shape="columns",
            data=deaths,
            category_label="Year",
            value_label="Deaths",
            note=(
                "Each incident’s headline death toll (the archive’s preferred figure), added up by year; “at "
                "least” where a toll is a minimum." + undated_note + toll_note + gaps_note
            ),
            table_data=[deaths[index] for index in listed],
            empty_message="No data: no published incident with a date and a death toll matches these filters.",
        ),
    ]


def reaction_charts(reactions):
    """Reactions by category and by stance, from `reactions` (published, their incident too): two queries."""
    reactions = reactions.order_by()
    by_category = dict(reactions.values_list("category").annotate(number=Count("pk")))
    categories = [Datum(str(label), by_category.get(value, 0)) for value, label in Reaction.Category.choices]
    if not any(by_category.values()):
        categories = []
    links = Reaction.stances.through.objects.filter(reaction__in=reactions.values("pk"))
    by_stance = dict(links.order_by().values_list("stance").annotate(number=Count("reaction", distinct=True)))
    # The names in a query of their own: joined in the count, they made it 15% slower (430 against 370 ms over
    # 300,000 reactions), for one query less.
    names = dict(Stance.objects.filter(pk__in=list(by_stance)).values_list("pk", "name"))
    stances = sorted(
        (Datum(names[pk], number) for pk, number in by_stance.items()), key=lambda d: (-d.value, d.label.lower())
    )
    return [
        Chart(
            key="reactions-by-category",
            title="Reactions by category",
            shape="bars",
            data=categories,
            category_label="Category",
            value_label="Reactions",
            note="Published reactions to these incidents, grouped as the reaction list groups them.",
            empty_message="No data: no published reaction to these incidents.",
        ),
        Chart(
            key="reactions-by-stance",
            title="Reactions by stance",
            shape="bars",
            data=stances,
            category_label="Stance",
            value_label="Reactions",
            note="A reaction can take more than one stance, so these can add up to more than the reactions.",
            empty_message="No data: no published reaction to these incidents records a stance.",
        ),
    ]


def figure_charts(figures):
    """For an incident's page: each kind of whole-incident figure reported with different values, as reported.

    With two or more report dates, a step line over those dates (the undated figures are in its table only);
    otherwise a bar for every figure in the casualty table's order, saying that they are not placed in time.
    Figures of a group (students, paramedics) are breakdowns of a figure, not competing reports: left out.
    `figures` are the page's, already fetched: no query."""
    by_kind = {}
    for figure in figures:
        if not figure.group:
            by_kind.setdefault(figure.kind, []).append(figure)
    labels = dict(CasualtyFigure.Kind.choices)
    charts = []
    for kind, _label in CasualtyFigure.Kind.choices:
        found = by_kind.get(kind, [])
        if len({figure.value for figure in found}) < 2:  # one figure, or all agree: nothing to compare
            continue
        charts.append(figure_chart(kind, labels[kind], found))
    return charts


def figure_datum(figure, with_reported):
    who = reporter(figure)
    when = date_format(figure.reported_on, "j F Y") if figure.reported_on else ""
    rank = figure.get_rank_display()
    cells = [figure.value_display, rank]
    if with_reported:
        cells.append(", ".join(part for part in (who, when) if part) or "Not recorded")
    return Datum(
        " · ".join(part for part in (rank, who, when) if part),
        figure.value,
        display=figure.value_display,
        mark=figure.rank,
        cells=tuple(cells),
        when=figure.reported_on,
    )


def figure_chart(kind, label, figures):
    # The casualty table's order (CasualtyFigure.Meta.ordering): undated first, then by date, highest first.
    ordered = sorted(figures, key=lambda f: (f.reported_on is not None, f.reported_on or 0, -f.value))
    dated = [figure for figure in ordered if figure.reported_on]
    undated = [figure for figure in ordered if not figure.reported_on]
    # Like the casualty table, the table leaves out a column no figure fills.
    with_reported = bool(dated) or any(reporter(figure) for figure in ordered)
    headers = ("Figure", "Status", *((f"Reported by{', on' if dated else ''}",) if with_reported else ()))

    def datum(figure):
        return figure_datum(figure, with_reported)

    common = {
        "key": f"figures-{kind.replace('_', '-')}",
        "category_label": "Report",
        "value_label": label,
        "headers": headers,
        "value_column": 0,
    }
    if len({figure.reported_on for figure in dated}) >= 2:
        left_out = (
            f" Not drawn, in the table only: {counted(len(undated), 'figure')} without a report date."
            if undated
            else ""
        )
        return Chart(
            title=f"{label}: figures as they were reported",
            shape="step",
            data=[datum(figure) for figure in dated],
            table_data=[datum(figure) for figure in dated + undated],
            note=f"Each figure at the date it was reported, holding until the next report.{left_out} {WHOLE_INCIDENT}",
            **common,
        )
    if dated:
        placed = f"Only {len(dated)} of these {len(ordered)} figures has a report date, too few to place them in time"
        order = "undated first, then by date, highest first"
    else:
        placed = "No report dates are recorded, so these figures are not placed in time"
        order = "highest first"
    return Chart(
        title=f"{label}: every reported figure",
        shape="bars",
        data=[datum(figure) for figure in ordered],
        note=f"{placed}: they follow the casualty figures table, {order}. {WHOLE_INCIDENT}",
        **common,
    )
