"""The query vocabulary of the archive: views and admin ask for these instead of repeating filters."""

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q

from . import place_tree
from .choices import Status

# Attribution kinds that name an actor as behind an incident (as opposed to accusing, denying or arresting).
PERPETRATOR_KINDS = ("claimed", "assessed", "stated", "identified")


class NaturalKeyManager(models.Manager):
    """Looks rows up by their slug or key, so fixtures can name them instead of using primary keys."""

    def __init__(self, field="slug"):
        super().__init__()
        self.natural_key_field = field

    def get_by_natural_key(self, value):
        return self.get(**{self.natural_key_field: value})


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible(self, include_unpublished=False):
        """Published rows; every row when `include_unpublished` (a staff member previewing drafts)."""
        return self.all() if include_unpublished else self.published()

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PlaceQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("parent")

    def descendant_ids(self, place):
        """Primary keys of `place` and every place inside it, however deep."""
        return place_tree.descendant_ids(self, place)

    def for_export(self):
        return self.for_list()

    def for_detail(self, include_unpublished=False):
        """Published places with enough of their parent chain joined for a breadcrumb of ancestors."""
        return self.visible(include_unpublished).select_related("parent__parent__parent__parent")

    def countries(self):
        return self.published().filter(kind="country")

    def with_children(self):
        return self.published().filter(children__status=Status.PUBLISHED).distinct()

    def incident_places_and_countries(self):
        """Every published country, and published places with a published incident in them or up to three
        levels below (site, city, province): the places worth filtering incidents by."""
        from .models.incidents import Incident, Place

        level = Incident.objects.published().values("place_id")
        wanted = Q(kind="country") | Q(pk__in=level)
        for _ in range(3):
            level = Place.objects.filter(pk__in=level).values("parent_id")
            wanted |= Q(pk__in=level)
        return self.published().filter(wanted)


class OrganizationQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("country", "parent")

    def for_export(self):
        return self.for_list()

    def for_detail(self, include_unpublished=False):
        """Published organizations with their public branches, people, reactions and attributions."""
        from .models.incidents import Reaction, Role

        return (
            self.visible(include_unpublished)
            .select_related("country", "parent")
            .prefetch_related(
                "sources",
                Prefetch("branches", queryset=self.model.objects.published().select_related("country")),
                Prefetch(
                    "roles",
                    queryset=Role.objects.filter(person__status=Status.PUBLISHED)
                    .select_related("person", "country")
                    .order_by(models.F("start_date").desc(nulls_last=True), "person__name"),
                ),
                Prefetch("reactions", queryset=Reaction.objects.for_list().order_by("incident__date", "slug")),
                Prefetch("attributed_incidents", queryset=_public_attributions()),
                Prefetch("attributions_made", queryset=_public_attributions()),
            )
        )

    def named_perpetrators(self):
        """Published organizations named as behind a published incident (claimed, assessed, stated, identified)."""
        return (
            self.published()
            .filter(
                attributed_incidents__kind__in=PERPETRATOR_KINDS,
                attributed_incidents__incident__status=Status.PUBLISHED,
            )
            .distinct()
        )

    def with_branches(self):
        return self.published().filter(branches__status=Status.PUBLISHED).distinct()

    def with_public_members(self):
        return self.published().filter(roles__person__status=Status.PUBLISHED).distinct()


class PersonQuerySet(PublishableQuerySet):
    def for_list(self):
        from .models.incidents import Place

        return self.published().prefetch_related(Prefetch("nationalities", queryset=Place.objects.published()))

    def for_export(self):
        """Published people with their public nationalities and their roles."""
        from .models.incidents import Role

        return self.for_list().prefetch_related(
            Prefetch(
                "roles",
                queryset=Role.objects.select_related("organization", "country").order_by(
                    models.F("start_date").asc(nulls_first=True), "title"
                ),
            )
        )

    def for_detail(self, include_unpublished=False):
        """Published people with their public nationalities, roles, reactions and attributions."""
        from .models.incidents import Place, Reaction, Role

        return self.visible(include_unpublished).prefetch_related(
            "sources",
            Prefetch("nationalities", queryset=Place.objects.published()),
            Prefetch(
                "roles",
                queryset=Role.objects.select_related("organization", "country").order_by(
                    models.F("start_date").desc(nulls_last=True), "title"
                ),
            ),
            Prefetch("reactions", queryset=Reaction.objects.for_list().order_by("incident__date", "slug")),
            Prefetch("attributed_incidents", queryset=_public_attributions()),
            Prefetch("attributions_made", queryset=_public_attributions()),
        )


class IncidentQuerySet(PublishableQuerySet):
    def for_list(self):
        return self.published().select_related("place")

    def attributed_to(self, organization):
        """Incidents whose attributions name `organization` as behind them (claimed, assessed, stated, identified)."""
        from .models.incidents import Attribution

        named = Attribution.objects.filter(kind__in=PERPETRATOR_KINDS, responsible_organization=organization)
        return self.filter(pk__in=named.values("incident_id"))

    def with_reactions(self):
        return self.published().filter(reactions__status=Status.PUBLISHED).distinct()

    def in_place(self, place):
        from .models.incidents import Place

        return self.filter(place__in=Place.objects.descendant_ids(place))

    def for_detail(self, include_unpublished=False):
        """With everything the incident's page shows; the sources of all of it come from prefetch_sources(),
        and the related incidents from related_links() (one query each instead of seven)."""
        from .models.incidents import Attribution, CasualtyFigure, Reaction

        return (
            self.visible(include_unpublished)
            .select_related("place__parent__parent__parent")
            .prefetch_related(
                Prefetch(
                    "casualty_figures",
                    queryset=CasualtyFigure.objects.select_related("reported_by_organization", "reported_by_person"),
                ),
                Prefetch("timeline", queryset=self._timeline_queryset()),
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.select_related(
                        "responsible_organization",
                        "responsible_person",
                        "responsible_country",
                        "by_organization",
                        "by_person",
                        "by_country",
                    ),
                ),
                Prefetch(
                    "reactions",
                    queryset=Reaction.objects.published()
                    .select_related("person", "organization", "country")
                    .prefetch_related("stances")
                    .order_by("category", "slug"),
                ),
            )
        )

    def for_export(self):
        """Published incidents with what an export row carries: the place chain, every figure, the perpetrators."""
        from .models.incidents import Attribution, CasualtyFigure

        return (
            self.published()
            .select_related("place__parent__parent__parent")
            .prefetch_related(
                Prefetch(
                    "casualty_figures",
                    queryset=CasualtyFigure.objects.select_related("reported_by_organization", "reported_by_person"),
                ),
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.filter(kind__in=PERPETRATOR_KINDS).select_related(
                        "responsible_organization", "responsible_person", "responsible_country"
                    ),
                    to_attr="perpetrator_attributions",
                ),
            )
        )

    @staticmethod
    def _timeline_queryset():
        from .models.incidents import TimelineEntry

        return TimelineEntry.objects.select_related("place").order_by("date", "sequence")


def public_timeline_entries():
    """Timeline entries of published incidents, with their incident and place joined."""
    from .models.incidents import Incident, TimelineEntry

    # EXISTS, not a join condition: with `incident.status = 'published'` in the join, SQLite scanned every
    # incident and sorted all entries (90 ms at 100,000 incidents); EXISTS keeps the walk down the date index
    # that stops at the page's last entry (4 ms).
    published = Incident.objects.filter(pk=OuterRef("incident_id"), status=Status.PUBLISHED)
    return TimelineEntry.objects.filter(Exists(published)).select_related("incident", "place")


class ReactionQuerySet(PublishableQuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, incident__status=Status.PUBLISHED)

    def for_detail(self, include_unpublished=False):
        return (
            self.visible(include_unpublished)
            .select_related("incident__place", "person", "organization", "country")
            .prefetch_related("stances", "sources")
        )

    def for_list(self):
        return (
            self.published().select_related("incident", "person", "organization", "country").prefetch_related("stances")
        )

    def for_export(self):
        return self.for_list().prefetch_related("sources")

    def in_article_order(self):
        """Incident by incident, newest first; within one, Domestic, then countries, supranational organizations
        and non-state entities, as the seed article groups its reactions."""
        from .models.incidents import Reaction

        category_order = models.Case(
            *(models.When(category=value, then=position) for position, value in enumerate(Reaction.Category.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(category_order=category_order).order_by(
            models.F("incident__date").desc(nulls_last=True), "incident__title", "category_order", "slug"
        )

    def by_actor(self, person=None, organization=None):
        condition = Q()
        if person is not None:
            condition |= Q(person=person)
        if organization is not None:
            condition |= Q(organization=organization)
        return self.filter(condition)


def _public_attributions():
    """Attributions of published incidents, with everyone they name joined in."""
    from .models.incidents import Attribution

    return Attribution.objects.filter(incident__status=Status.PUBLISHED).select_related(
        "incident",
        "responsible_organization",
        "responsible_person",
        "responsible_country",
        "by_organization",
        "by_person",
        "by_country",
    )


def prefetch_sources(records):
    """Fill `record.sources.all()` for every record given, of any mix of models, from two queries: the citations
    of all of them (one UNION ALL over the models' link tables), then the sources they cite.

    An incident's page cites sources for the incident, each figure, timeline entry, attribution and reaction;
    prefetching each relation separately costs a query apiece."""
    from .models.incidents import Source

    by_model = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    if not by_model:
        return
    citations = []
    for position, (model, rows) in enumerate(by_model.items()):
        field = model._meta.get_field("sources")
        owner, cited = field.m2m_column_name(), field.m2m_reverse_name()
        links = field.remote_field.through.objects.filter(**{f"{owner}__in": [row.pk for row in rows]})
        citations.append(links.values_list(models.Value(position), owner, cited))
    found = {}
    for position, owner_id, source_id in citations[0].union(*citations[1:], all=True):
        found.setdefault((position, owner_id), set()).add(source_id)
    cited_ids = set().union(*found.values()) if found else set()
    sources = list(Source.objects.filter(pk__in=cited_ids)) if cited_ids else []
    for position, rows in enumerate(by_model.values()):
        for row in rows:
            ids = found.get((position, row.pk), set())
            queryset = row.sources.all()
            queryset._result_cache = [source for source in sources if source.pk in ids]
            queryset._prefetch_done = True
            if not hasattr(row, "_prefetched_objects_cache"):
                row._prefetched_objects_cache = {}
            row._prefetched_objects_cache["sources"] = queryset


def related_links(incident):
    """(links from `incident`, links to it) with published incidents at the other end, in one query."""
    from .models.incidents import IncidentLink

    links = IncidentLink.objects.filter(
        Q(from_incident=incident, to_incident__status=Status.PUBLISHED)
        | Q(to_incident=incident, from_incident__status=Status.PUBLISHED)
    ).select_related("from_incident", "to_incident")
    links = list(links)
    return [link for link in links if link.from_incident_id == incident.pk], [
        link for link in links if link.to_incident_id == incident.pk
    ]
