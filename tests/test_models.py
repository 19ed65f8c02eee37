import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from events.models import (
    Attribution,
    CasualtyFigure,
    DatePrecision,
    Incident,
    Person,
    Place,
    Reaction,
    Role,
    format_partial_date,
)
from events.models.base import shown_joins
from tests.factories import (
    AttributionFactory,
    CasualtyFigureFactory,
    CountryFactory,
    IncidentFactory,
    IncidentLinkFactory,
    OrganizationFactory,
    PersonFactory,
    PlaceFactory,
    ReactionFactory,
    RoleFactory,
    SourceFactory,
    TimelineEntryFactory,
)

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db


def assert_rejected_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.parametrize(
    ("value", "precision", "shown"),
    [
        (dt.date(1978, 1, 1), DatePrecision.YEAR, "1978"),
        (dt.date(2024, 1, 1), DatePrecision.MONTH, "January 2024"),
        (dt.date(2024, 1, 3), DatePrecision.DAY, "3 January 2024"),
        (None, "", ""),
    ],
)
def test_partial_dates_are_shown_only_as_precisely_as_known(value, precision, shown):
    assert format_partial_date(value, precision) == shown


def test_a_partial_date_names_its_month_in_the_active_language():
    day = dt.date(2024, 1, 3)
    assert format_partial_date(day, DatePrecision.DAY) == "3 January 2024"
    with translation.override("fr"):
        assert format_partial_date(day, DatePrecision.DAY) == "3 janvier 2024"
        assert format_partial_date(day, DatePrecision.MONTH) == "janvier 2024"
    assert format_partial_date(day, DatePrecision.MONTH) == "January 2024"


def test_incident_time_is_shown_in_its_local_zone_with_offset():
    incident = IncidentFactory(
        start_time=dt.datetime(2024, 1, 3, 12, 20, tzinfo=dt.UTC),
        end_time=dt.datetime(2024, 1, 3, 12, 30, tzinfo=dt.UTC),
        time_zone="Asia/Tehran",
        time_zone_abbreviation="IRST",
    )
    assert incident.time_display == "15:50–16:00 IRST (UTC+03:30)"


def test_incident_spanning_days_shows_its_range():
    incident = IncidentFactory(date=dt.date(2024, 1, 15), end_date=dt.date(2024, 1, 16))
    assert incident.date_display == "15–16 January 2024"


def test_headline_figures_follow_the_preferred_figures():
    incident = IncidentFactory()
    CasualtyFigureFactory(incident=incident, value=103, rank=CasualtyFigure.Rank.SUPERSEDED)
    preferred = CasualtyFigureFactory(incident=incident, value=95, rank=CasualtyFigure.Rank.PREFERRED)
    CasualtyFigureFactory(incident=incident, value=23, group="students", rank=CasualtyFigure.Rank.PREFERRED)
    CasualtyFigureFactory(
        incident=incident, kind=CasualtyFigure.Kind.INJURED, value=284, rank=CasualtyFigure.Rank.PREFERRED
    )
    incident.refresh_from_db()
    assert (incident.killed, incident.injured, incident.perpetrators_killed) == (95, 284, None)

    preferred.value = 89
    preferred.save()
    incident.refresh_from_db()
    assert incident.killed == 89

    preferred.rank = CasualtyFigure.Rank.SUPERSEDED
    preferred.save()
    incident.refresh_from_db()
    assert incident.killed is None


def test_deleting_the_preferred_figure_clears_the_headline():
    figure = CasualtyFigureFactory(value=50, rank=CasualtyFigure.Rank.PREFERRED)
    incident = figure.incident
    figure.delete()
    incident.refresh_from_db()
    assert incident.killed is None


def test_moving_a_figure_to_another_incident_refreshes_both():
    figure = CasualtyFigureFactory(value=13, rank=CasualtyFigure.Rank.PREFERRED)
    old, new = figure.incident, IncidentFactory()
    figure.incident = new
    figure.save()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.killed, new.killed) == (None, 13)


def test_only_one_preferred_figure_per_incident_kind_and_group():
    first = CasualtyFigureFactory(rank=CasualtyFigure.Rank.PREFERRED)
    assert_rejected_by_database(
        lambda: CasualtyFigureFactory(incident=first.incident, value=1, rank=CasualtyFigure.Rank.PREFERRED)
    )
    # another group may have its own preferred figure
    CasualtyFigureFactory(incident=first.incident, group="students", rank=CasualtyFigure.Rank.PREFERRED)


def test_negative_figures_are_rejected_with_a_plain_message():
    figure = CasualtyFigure(incident=IncidentFactory(), kind="killed", value=-1)
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert "value" in error.value.message_dict


def test_figure_values_read_with_their_qualifier():
    figure = CasualtyFigureFactory(value=1200, qualifier=CasualtyFigure.Qualifier.AT_LEAST)
    assert figure.value_display == "at least 1,200"


def test_reaction_needs_an_actor():
    reaction = Reaction(incident=IncidentFactory(), slug="no-actor", category="domestic", summary="s")
    with pytest.raises(ValidationError, match="A reaction needs an actor"):
        reaction.full_clean()
    assert_rejected_by_database(reaction.save)


def test_attribution_must_name_who_is_responsible():
    assert_rejected_by_database(lambda: AttributionFactory(responsible_organization=None))
    AttributionFactory(responsible_organization=None, responsible_label="35 people believed to be involved")


def test_role_cannot_end_before_it_starts():
    role = RoleFactory.build(
        person=PersonFactory(),
        organization=OrganizationFactory(),
        start_date=dt.date(2020, 1, 3),
        end_date=dt.date(2019, 1, 1),
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        role.full_clean()
    assert_rejected_by_database(role.save)


def test_role_needs_an_organization_or_a_country():
    assert_rejected_by_database(lambda: Role.objects.create(person=PersonFactory(), title="Leader"))
    role = Role.objects.create(person=PersonFactory(), title="President", country=CountryFactory())
    assert role.key.startswith("role-")


def test_incident_end_time_must_follow_start_time():
    incident = IncidentFactory.build(
        place=PlaceFactory(),
        start_time=dt.datetime(2024, 1, 3, 12, 30, tzinfo=dt.UTC),
        end_time=dt.datetime(2024, 1, 3, 12, 20, tzinfo=dt.UTC),
        time_zone="Asia/Tehran",
    )
    with pytest.raises(ValidationError, match="end time cannot be before"):
        incident.full_clean()
    assert_rejected_by_database(incident.save)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30))),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC),
    ],
    ids=["year 1 east of UTC", "year 9999"],
)
def test_a_time_that_would_fall_off_the_calendar_in_utc_or_its_zone_is_refused(moment):
    incident = IncidentFactory.build(place=PlaceFactory(), start_time=moment, time_zone="America/New_York")
    with pytest.raises(ValidationError) as error:
        incident.full_clean()
    assert error.value.message_dict["start_time"] == ["Give a time between the years 2 and 9998."]


def test_year_only_date_must_be_entered_as_first_of_january():
    incident = IncidentFactory.build(place=PlaceFactory(), date=dt.date(1978, 8, 19), date_precision="year")
    with pytest.raises(ValidationError) as error:
        incident.full_clean()
    assert "1 January" in error.value.message_dict["date"][0]


def test_date_and_precision_go_together():
    incident = IncidentFactory.build(place=PlaceFactory(), date=None, date_precision="day")
    with pytest.raises(ValidationError):
        incident.full_clean()
    assert_rejected_by_database(incident.save)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "Factory", "../../etc/passwd"])
def test_unknown_time_zone_is_refused_in_plain_words(zone):
    # "localtime" is whatever the server is set to, "Factory" no zone at all: the zone database lists both.
    incident = IncidentFactory.build(place=PlaceFactory(), time_zone=zone)
    with pytest.raises(ValidationError, match="not a known time zone"):
        incident.full_clean()


def test_slugs_are_unique():
    IncidentFactory(slug="kerman")
    assert_rejected_by_database(lambda: IncidentFactory(slug="kerman"))


def test_incident_cannot_link_to_itself():
    incident = IncidentFactory()
    assert_rejected_by_database(lambda: IncidentLinkFactory(from_incident=incident, to_incident=incident))


def test_place_coordinates_come_with_their_precision():
    place = PlaceFactory.build(latitude=Decimal("30.28"), longitude=Decimal("57.08"), coordinates_source=None)
    with pytest.raises(ValidationError) as raised:
        place.full_clean()
    assert set(raised.value.message_dict) == {"geo_precision", "coordinates_source"}
    assert_rejected_by_database(place.save)


def test_place_hierarchy_and_descendants():
    iran = CountryFactory(name="Iran")
    province = PlaceFactory(name="Kerman Province", kind=Place.Kind.PROVINCE, parent=iran)
    city = PlaceFactory(name="Kerman", parent=province)
    cemetery = PlaceFactory(name="Golzar Shohada cemetery", kind=Place.Kind.SITE, parent=city)
    elsewhere = PlaceFactory(name="Baghdad")
    assert [p.name for p in cemetery.ancestors()] == ["Kerman", "Kerman Province", "Iran"]
    assert cemetery.country == iran
    assert Place.objects.descendant_ids(province) == {province.pk, city.pk, cemetery.pk}
    inside = IncidentFactory(place=cemetery)
    IncidentFactory(place=elsewhere)
    assert list(Incident.objects.in_place(iran)) == [inside]


def test_place_cannot_lie_inside_its_own_child():
    parent = PlaceFactory()
    child = PlaceFactory(parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError, match="one of its own sub-places"):
        parent.full_clean()


def test_organization_cannot_be_part_of_its_own_branch():
    parent = OrganizationFactory()
    branch = OrganizationFactory(parent=parent)
    parent.parent = branch
    with pytest.raises(ValidationError, match="one of its branches"):
        parent.full_clean()


def test_month_precision_range_does_not_invent_days():
    incident = IncidentFactory(date=dt.date(2023, 12, 1), date_precision="month", end_date=dt.date(2024, 1, 16))
    assert incident.date_display == "December 2023 – 16 January 2024"


def test_end_date_needs_a_first_day():
    incident = IncidentFactory.build(place=PlaceFactory(), date=None, date_precision="", end_date=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError, match="Give the first day"):
        incident.full_clean()


def test_person_can_have_two_nationalities_and_an_alias_name():
    person = PersonFactory(name="Abdollah Tajiki", name_is_alias=True, aliases="A. Tajiki\n\n")
    person.nationalities.set([CountryFactory(name="Tajikistan"), CountryFactory(name="Israel")])
    assert str(person) == "Abdollah Tajiki (alias)"
    assert person.alias_list == ["A. Tajiki"]
    assert sorted(n.name for n in person.nationalities.all()) == ["Israel", "Tajikistan"]


def test_person_cannot_die_before_being_born():
    person = Person(name="X", slug="x", born_on=dt.date(2000, 1, 1), born_precision="year", died_on=dt.date(1999, 1, 1))
    person.died_precision = "year"
    with pytest.raises(ValidationError, match="cannot be before the date of birth"):
        person.full_clean()


def test_published_querysets_hide_drafts():
    published = IncidentFactory()
    IncidentFactory(status="draft")
    assert list(Incident.objects.published()) == [published]
    visible = ReactionFactory(incident=published)
    ReactionFactory(incident=IncidentFactory(status="draft"))
    ReactionFactory(incident=published, status="draft")
    assert list(Reaction.objects.published()) == [visible]


def test_natural_keys_name_rows_by_slug_or_key():
    incident = IncidentFactory(slug="2024-kerman-bombings")
    figure = CasualtyFigureFactory(incident=incident, key="kerman-killed-95")
    assert Incident.objects.get_by_natural_key("2024-kerman-bombings") == incident
    assert CasualtyFigure.objects.get_by_natural_key("kerman-killed-95") == figure
    assert figure.natural_key() == ("kerman-killed-95",)


def test_absolute_urls_use_slugs():
    assert IncidentFactory(slug="kerman").get_absolute_url() == "/incidents/kerman/"
    assert PersonFactory(slug="raisi").get_absolute_url() == "/people/raisi/"
    assert OrganizationFactory(slug="irgc").get_absolute_url() == "/organizations/irgc/"
    assert PlaceFactory(slug="kerman-city").get_absolute_url() == "/places/kerman-city/"
    assert ReactionFactory(slug="putin").get_absolute_url() == "/reactions/putin/"


def test_headline_figure_keeps_the_preferred_figures_qualifier():
    figure = CasualtyFigureFactory(
        value=95, qualifier=CasualtyFigure.Qualifier.AT_LEAST, rank=CasualtyFigure.Rank.PREFERRED
    )
    incident = Incident.objects.get(pk=figure.incident_id)
    assert (incident.killed, incident.killed_display, incident.injured_display) == (95, "at least 95", "")


# Issue 4: every rule in plain words, and enforced by the database too ------------------------------------

PARTIAL_DATES = [
    # (build an unsaved record with this date and precision, field the form error goes to)
    (lambda d, p: IncidentFactory.build(place=PlaceFactory(), date=d, date_precision=p), "date"),
    (lambda d, p: PersonFactory.build(born_on=d, born_precision=p), "born_on"),
    (lambda d, p: PersonFactory.build(died_on=d, died_precision=p), "died_on"),
    (lambda d, p: TimelineEntryFactory.build(incident=IncidentFactory(), date=d, date_precision=p), "date"),
]
PRECISION_RULES = [
    (dt.date(2024, 1, 15), DatePrecision.MONTH, "A date known only to the month is entered as the 1st of that month."),
    (dt.date(1978, 8, 1), DatePrecision.YEAR, "A date known only to the year is entered as 1 January of that year."),
    (dt.date(1978, 1, 19), DatePrecision.YEAR, "A date known only to the year is entered as 1 January of that year."),
]


@pytest.mark.parametrize(("build", "field"), PARTIAL_DATES, ids=["incident", "born", "died", "timeline"])
@pytest.mark.parametrize(("value", "precision", "message"), PRECISION_RULES, ids=["month", "year-month", "year-day"])
def test_date_precision_is_consistent_in_plain_words_and_in_the_database(build, field, value, precision, message):
    record = build(value, precision)
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict[field] == [message]
    # The constraint says the same when only the database would catch it.
    with pytest.raises(ValidationError, match=message):
        record.validate_constraints()
    assert_rejected_by_database(record.save)


@pytest.mark.parametrize(("build", "field"), PARTIAL_DATES, ids=["incident", "born", "died", "timeline"])
def test_dates_that_fit_their_precision_are_saved(build, field):
    for value, precision in [
        (dt.date(2024, 1, 1), DatePrecision.MONTH),
        (dt.date(1978, 1, 1), DatePrecision.YEAR),
        (dt.date(2024, 1, 3), DatePrecision.DAY),
    ]:
        record = build(value, precision)
        record.full_clean(exclude=["slug", "key"])
        record.save()


def test_a_year_only_date_is_shown_as_the_year_not_1_january():
    incident = IncidentFactory(date=dt.date(1978, 1, 1), date_precision=DatePrecision.YEAR)
    assert incident.date_display == "1978"


CONSTRAINT_MESSAGES = [
    (lambda: CasualtyFigureFactory.build(incident=IncidentFactory(), value=-1), "A figure cannot be negative."),
    (
        lambda: IncidentFactory.build(place=PlaceFactory(), date=dt.date(2024, 1, 5), end_date=dt.date(2024, 1, 3)),
        "The last day cannot be before the first day.",
    ),
    (
        lambda: Person(
            name="X",
            slug="x",
            born_on=dt.date(2000, 1, 1),
            born_precision="day",
            died_on=dt.date(1999, 1, 1),
            died_precision="day",
        ),
        "The date of death cannot be before the date of birth.",
    ),
    (
        lambda: RoleFactory.build(
            person=PersonFactory(),
            organization=OrganizationFactory(),
            start_date=dt.date(2020, 1, 2),
            end_date=dt.date(2020, 1, 1),
        ),
        "A role cannot end before it starts.",
    ),
    (
        lambda: Reaction(incident=IncidentFactory(), slug="r", category="domestic", summary="s"),
        "A reaction needs an actor: a person, an organization or a country.",
    ),
    (
        lambda: AttributionFactory.build(incident=IncidentFactory(), responsible_organization=None),
        "Say who is held responsible: an organization, a person, a country or a description.",
    ),
]


@pytest.mark.parametrize(("build", "message"), CONSTRAINT_MESSAGES, ids=lambda v: v if isinstance(v, str) else "")
def test_each_rule_has_plain_words_and_a_database_constraint(build, message):
    record = build()
    with pytest.raises(ValidationError, match=re.escape(message)):
        record.validate_constraints()
    assert_rejected_by_database(record.save)


def test_one_preferred_figure_per_incident_kind_and_group_in_plain_words():
    first = CasualtyFigureFactory(rank=CasualtyFigure.Rank.PREFERRED)
    second = CasualtyFigureFactory.build(incident=first.incident, value=3, rank=CasualtyFigure.Rank.PREFERRED)
    with pytest.raises(ValidationError, match="already has a preferred figure of this kind and group"):
        second.validate_constraints()
    assert_rejected_by_database(second.save)


@pytest.mark.parametrize(
    "factory", [IncidentFactory, PersonFactory, OrganizationFactory, PlaceFactory, ReactionFactory]
)
def test_slugs_are_unique_in_plain_words(factory):
    first = factory(slug="kerman")
    names = [f.name for f in first._meta.concrete_fields if f.name in ("place", "incident", "country")]
    related = {name: getattr(first, name) for name in names}
    duplicate = factory.build(slug="kerman", **related)
    with pytest.raises(ValidationError, match="with this Slug already exists"):
        duplicate.validate_unique()
    assert_rejected_by_database(duplicate.save)


def test_every_published_record_needs_a_source():
    incident = IncidentFactory(sources=[])
    assert incident.publication_problems() == [
        f"Incident “{incident}” cannot be published without a source: cite at least one under Sources."
    ]
    incident.sources.add(SourceFactory())
    assert incident.publication_problems() == []


def test_str_fields_name_every_column_str_reads(django_assert_num_queries):
    """A record read with only its STR_FIELDS (a public filter's options) gives the same str() without going
    back to the database; a model whose __str__ reads a new column and not STR_FIELDS fails here."""
    from django.apps import apps

    from tests.factories import StanceFactory

    records = [
        PlaceFactory(name="Kerman"),
        OrganizationFactory(name="Islamic State – Khorasan Province", short_name="ISIS–K"),
        OrganizationFactory(name="United Nations", short_name=""),
        PersonFactory(name="Abu Somebody", name_is_alias=True),
        PersonFactory(name="Qasem Soleimani", name_is_alias=False),
        IncidentFactory(title="2024 Kerman bombings"),
        StanceFactory(name="Condemnation"),
    ]
    labelled = {model for model in apps.get_app_config("events").get_models() if getattr(model, "STR_FIELDS", None)}
    assert labelled == {type(record) for record in records}
    for record in records:
        model = type(record)
        slim = model.objects.only(*model.STR_FIELDS).get(pk=record.pk)
        with django_assert_num_queries(0):
            assert str(slim) == str(record)
    assert [str(record) for record in records[1:5]] == [
        "Islamic State – Khorasan Province (ISIS–K)",
        "United Nations",
        "Abu Somebody (alias)",
        "Qasem Soleimani",
    ]


def test_a_page_reads_of_the_records_it_joins_only_what_names_or_links_them():
    sql = str(shown_joins(Attribution.objects.select_related("responsible_person", "reaction__country")).query)

    def read(model):
        return set(re.findall(rf'"{model._meta.db_table}"\."(\w+)"', sql))

    assert {f.column for f in Attribution._meta.concrete_fields} <= read(Attribution)
    assert read(Person) == {"id", "name", "name_is_alias", "slug", "status"}
    # A joined record that names nothing itself (the reaction) comes whole, with the pointer to what it joins.
    assert {f.column for f in Reaction._meta.concrete_fields} <= read(Reaction)
    assert read(Place) == {"id", "name", "kind", "slug", "status"}
