"""Small factories for test data; only tests/test_fixtures.py loads the real fixtures."""

import datetime as dt

import factory
from django.db import connection
from django.test.utils import override_settings

from events import models

# Whether factory-made rows get their history versions (django-simple-history): ~60% of a factory save.
# Modules that do not test history turn it off (FACTORIES_RECORD_HISTORY = False, see tests/conftest.py);
# saves through the admin or the models' own code still record theirs.
RECORD_HISTORY = True


class Factory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        if RECORD_HISTORY:
            return super()._generate(strategy, params)
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            return super()._generate(strategy, params)


class SourceFactory(Factory):
    class Meta:
        model = models.Source
        django_get_or_create = ("slug",)

    title = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")


CITED_SOURCE = "cited-source"
GAZETTEER_SOURCE = "geonames"


def cited_source():
    """The key of the source factory rows cite, made the first time. Read in a plain query: most rows the tests
    make ask for it, and the ORM's get_or_create was 8,400 queries of a third of a millisecond in the quick loop."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {models.Source._meta.db_table} WHERE slug = %s", [CITED_SOURCE])
        row = cursor.fetchone()
    return row[0] if row else models.Source.objects.create(slug=CITED_SOURCE, title="Cited source").pk


class SourcedFactory(Factory):
    """Records that state a fact cite a source, as publishing requires; pass `sources=[]` for one that does not."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        # A new row links no source yet, so add() does what set() would without reading the links first; the
        # cited source is found by key, without the factory's machinery (this ran for most rows the tests make:
        # 8% of the suite's CPU).
        if create:
            cited = [cited_source()] if extracted is None else extracted
            if cited:
                self.sources.add(*cited)


class PlaceFactory(SourcedFactory):
    class Meta:
        model = models.Place

    name = factory.Sequence(lambda n: f"Place {n}")
    slug = factory.Sequence(lambda n: f"place-{n}")
    kind = models.Place.Kind.CITY
    status = models.Status.PUBLISHED
    # A point always cites where it is from: a place made with coordinates cites a gazetteer.
    coordinates_source = factory.Maybe(
        "latitude", factory.SubFactory(SourceFactory, slug=GAZETTEER_SOURCE, title="GeoNames"), None
    )


class CountryFactory(PlaceFactory):
    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.Sequence(lambda n: f"country-{n}")
    kind = models.Place.Kind.COUNTRY


class OrganizationFactory(SourcedFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    kind = models.Organization.Kind.MILITANT
    status = models.Status.PUBLISHED


class PersonFactory(SourcedFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    status = models.Status.PUBLISHED


class RoleFactory(SourcedFactory):
    class Meta:
        model = models.Role

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Commander"


class IncidentFactory(SourcedFactory):
    class Meta:
        model = models.Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    slug = factory.Sequence(lambda n: f"incident-{n}")
    kind = models.Incident.Kind.BOMBING
    date = dt.date(2024, 1, 3)
    date_precision = models.DatePrecision.DAY
    summary = "A test incident."
    place = factory.SubFactory(PlaceFactory)
    status = models.Status.PUBLISHED


class CasualtyFigureFactory(SourcedFactory):
    class Meta:
        model = models.CasualtyFigure

    incident = factory.SubFactory(IncidentFactory)
    kind = models.CasualtyFigure.Kind.KILLED
    value = 10
    rank = models.CasualtyFigure.Rank.REPORTED


class StanceFactory(Factory):
    class Meta:
        model = models.Stance
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Stance {n}")
    slug = factory.Sequence(lambda n: f"stance-{n}")


class ReactionFactory(SourcedFactory):
    class Meta:
        model = models.Reaction

    incident = factory.SubFactory(IncidentFactory)
    slug = factory.Sequence(lambda n: f"reaction-{n}")
    category = models.Reaction.Category.COUNTRY
    country = factory.SubFactory(CountryFactory)
    summary = "Condemned the attack."
    status = models.Status.PUBLISHED

    @factory.post_generation
    def stances(self, create, extracted, **kwargs):
        if create and extracted:
            self.stances.set(extracted)


class AttributionFactory(SourcedFactory):
    class Meta:
        model = models.Attribution

    incident = factory.SubFactory(IncidentFactory)
    kind = models.Attribution.Kind.CLAIMED
    responsible_organization = factory.SubFactory(OrganizationFactory)


class TimelineEntryFactory(SourcedFactory):
    class Meta:
        model = models.TimelineEntry

    incident = factory.SubFactory(IncidentFactory)
    date = dt.date(2024, 1, 4)
    title = factory.Sequence(lambda n: f"Development {n}")


class IncidentLinkFactory(SourcedFactory):
    class Meta:
        model = models.IncidentLink

    from_incident = factory.SubFactory(IncidentFactory)
    to_incident = factory.SubFactory(IncidentFactory)
    kind = models.IncidentLink.Kind.CONTEXT


class IncidentClaimFactory(SourcedFactory):
    class Meta:
        model = models.IncidentClaim

    incident = factory.SubFactory(IncidentFactory)
    about = models.IncidentClaim.Subject.ATTACK_TYPE
    value = "suicide bombing"
    by_label = "Officials"


class PersonClaimFactory(SourcedFactory):
    class Meta:
        model = models.PersonClaim

    person = factory.SubFactory(PersonFactory)
    about = models.PersonClaim.Subject.IDENTITY
    value = "one of the bombers"
    by_label = "Officials"


class OrganizationClaimFactory(SourcedFactory):
    class Meta:
        model = models.OrganizationClaim

    organization = factory.SubFactory(OrganizationFactory)
    about = models.OrganizationClaim.Subject.IDENTITY
    value = "a front for another group"
    by_label = "Officials"
