"""Every public URL of the site, read from the URL resolver so that a route added later is covered too."""

import re

from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse

from events import releases
from events.urls import ReleaseVersionConverter

# Namespaces that are not the public site's pages: the admin, and the read API, which answers JSON and is
# checked by tests/test_api.py and tests/test_api_schema.py (schemathesis calls every operation).
PRIVATE_NAMESPACES = {"admin", "api"}
# A dataset release version that no test writes (see _values()).
NO_RELEASE = "0.0"


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in PRIVATE_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def public_routes():
    """{route name: URLPattern} for every named public route."""
    return dict(_walk(get_resolver().url_patterns))


def _view_model(pattern):
    view_class = getattr(pattern.callback, "view_class", None)
    model = getattr(pattern.callback, "view_initkwargs", {}).get("model") or getattr(view_class, "model", None)
    queryset = getattr(view_class, "queryset", None)
    return model or (queryset.model if queryset is not None else None)


def _values(pattern, name, converter, every):
    """Values to put in one URL parameter: real slugs for a record's page (the first, or `every` one), each
    choice of a fixed set."""
    if isinstance(converter, converters.SlugConverter):
        model = _view_model(pattern)
        if model is None:
            raise LookupError(f"No model to take a <slug:{name}> from in {pattern.pattern}")
        manager = model._default_manager
        rows = manager.published() if hasattr(manager, "published") else manager.all()
        slugs = list(rows.order_by("pk").values_list("slug", flat=True))
        return slugs if every else slugs[:1]
    if isinstance(converter, ReleaseVersionConverter):
        # The dataset releases on disk (tests/test_release_dataset.py writes its own); without one, a version
        # that answers 404, so the route is still driven.
        return releases.existing_versions() or [NO_RELEASE]
    if isinstance(converter, converters.IntConverter):
        # A record's revision number (every seeded record has its first), else a year.
        return ["1"] if name == "number" else ["2024"]
    choices = re.fullmatch(r"[\w-]+(\|[\w-]+)*", getattr(converter, "regex", ""))
    if choices:
        return converter.regex.split("|")
    if isinstance(converter, converters.StringConverter | converters.PathConverter):
        return ["anything"]
    raise LookupError(f"Add values for <{name}> ({type(converter).__name__}) in {pattern.pattern}")


def paths_for(route_name, pattern, every=False):
    """The route's paths for the records in the database: each combination of its parameters."""
    kwargs_list = [{}]
    for name, converter in getattr(pattern.pattern, "converters", {}).items():
        kwargs_list = [{**kw, name: value} for kw in kwargs_list for value in _values(pattern, name, converter, every)]
    return [reverse(route_name, kwargs=kwargs) for kwargs in kwargs_list]


def public_paths(every=False):
    """Every public path, for the first published record of each kind or for `every` one."""
    return [path for name, pattern in public_routes().items() for path in paths_for(name, pattern, every)]


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def make_archive():
    """A small published archive touching every public model, built with the factories."""
    from events import models, revisions
    from tests import factories

    source = factories.SourceFactory(publisher="Agency", url="https://example.org/report", note="A note.")
    country = factories.CountryFactory()
    city = factories.PlaceFactory(
        parent=country, description="A city.", latitude=30.2832, longitude=57.0788, geo_precision="city"
    )
    organization = factories.OrganizationFactory(country=country, description="A group.", short_name="GRP")
    person = factories.PersonFactory(description="A person.")
    person.nationalities.add(country)
    factories.RoleFactory(person=person, organization=organization)
    incident = factories.IncidentFactory(
        place=city, target="A crowd", method="Bombs", description="What happened.", time_zone="Asia/Tehran"
    )
    incident.sources.add(source)
    other = factories.IncidentFactory(place=city)
    factories.CasualtyFigureFactory(
        incident=incident, rank=models.CasualtyFigure.Rank.PREFERRED, note="Official.", reported_by_label="Officials"
    )
    stance = factories.StanceFactory(description="Condemns.")
    factories.ReactionFactory(incident=incident, country=country, stances=[stance], quote="We condemn it.")
    factories.ReactionFactory(
        incident=incident, category=models.Reaction.Category.NON_STATE, country=None, organization=organization
    )
    factories.AttributionFactory(
        incident=incident, responsible_organization=organization, summary="Claimed it.", mode="statement"
    )
    factories.TimelineEntryFactory(incident=incident, description="Arrests.")
    factories.IncidentLinkFactory(from_incident=incident, to_incident=other, note="Related.")
    for record in models.Incident.objects.all():
        record.refresh_headline_figures()
    # Every record starts with a revision, as after load_archive: its revision pages have an address.
    revisions.record_all_changed(None, "Built for the tests")
    return {"incident": incident, "person": person, "organization": organization, "place": city}
