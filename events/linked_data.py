"""Absolute addresses and schema.org descriptions of the archive's records.

Absolute URLs use the SITE_URL setting when it is set (what canonical links, feeds, sitemaps and exports
should name in production, whatever host a request came through), and the request's own host otherwise.
"""

from django.conf import settings
from django.utils import timezone

from .models import DatePrecision, Place

SCHEMA_CONTEXT = "https://schema.org"


def absolute_url(request, path):
    """`path` as an absolute URL on the site's canonical host."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def partial_iso(value, precision):
    """A date as ISO 8601 only as precisely as it is known: '1978', '2024-01', '2024-01-03'."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def _compact(data):
    """Drop empty values, so the description only says what the archive knows."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _link(request, record):
    return absolute_url(request, record.get_absolute_url()) if getattr(record, "is_published", False) else None


# Which part of a schema.org PostalAddress a place of each kind fills; a site's own name is the Place's name.
ADDRESS_PARTS = {
    Place.Kind.STREET: "streetAddress",
    Place.Kind.CITY: "addressLocality",
    Place.Kind.PROVINCE: "addressRegion",
    Place.Kind.REGION: "addressRegion",
    Place.Kind.COUNTRY: "addressCountry",
}


def address_data(place):
    """The place's PostalAddress from the place tree: the street, city, province or region and country at or
    above it (the nearest of each), published places only. A place in none the archive has (Gaza, Palestine)
    is the widest area known, so its name is the region: Google's Event check wants an address for every
    Place."""
    chain = [p for p in [place, *place.ancestors()] if p.is_published or p is place]
    parts = {}
    for member in chain:
        part = ADDRESS_PARTS.get(member.kind)
        if part is not None:
            parts.setdefault(part, member.name)
    if not parts:
        parts["addressRegion"] = chain[-1].name
    order = ("streetAddress", "addressLocality", "addressRegion", "addressCountry")
    return {"@type": "PostalAddress", **{part: parts[part] for part in order if part in parts}}


def place_data(request, place, nested=False):
    if place is None:
        return None
    data = {
        "@type": "Country" if place.kind == place.Kind.COUNTRY else "Place",
        "name": place.name,
        "url": _link(request, place),
        "address": address_data(place),
    }
    if place.native_name:
        data["alternateName"] = place.native_name
    if place.latitude is not None and place.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(place.latitude),
            "longitude": float(place.longitude),
        }
    if not nested:
        data["@context"] = SCHEMA_CONTEXT
        data["description"] = place.description
        parent = place.parent
        if parent is not None and parent.is_published:
            data["containedInPlace"] = place_data(request, parent, nested=True)
    return _compact(data)


def organization_data(request, organization, nested=False):
    data = {"@type": "Organization", "name": organization.name, "url": _link(request, organization)}
    if not nested:
        data["@context"] = SCHEMA_CONTEXT
        data["alternateName"] = [
            name for name in [organization.short_name, organization.native_name, *organization.alias_list] if name
        ]
        data["description"] = organization.description
        if organization.parent is not None and organization.parent.is_published:
            data["parentOrganization"] = organization_data(request, organization.parent, nested=True)
        if organization.country is not None and organization.country.is_published:
            data["location"] = place_data(request, organization.country, nested=True)
        data["subOrganization"] = [organization_data(request, b, nested=True) for b in organization.branches.all()]
    return _compact(data)


def person_data(request, person, nested=False):
    data = {"@type": "Person", "name": person.name, "url": _link(request, person)}
    if not nested:
        data["@context"] = SCHEMA_CONTEXT
        data["alternateName"] = [name for name in [person.native_name, *person.alias_list] if name]
        data["description"] = person.description
        data["birthDate"] = partial_iso(person.born_on, person.born_precision)
        data["deathDate"] = partial_iso(person.died_on, person.died_precision)
        data["nationality"] = [
            place_data(request, c, nested=True) for c in person.nationalities.all() if c.is_published
        ]
        data["affiliation"] = [
            organization_data(request, role.organization, nested=True)
            for role in person.roles.all()
            if role.organization is not None and role.organization.is_published
        ]
    return _compact(data)


def incident_data(request, incident):
    zone = incident.zone
    start = partial_iso(incident.date, incident.date_precision)
    end = incident.end_date.isoformat() if incident.end_date else ""
    if incident.start_time and zone is not None:
        start = timezone.localtime(incident.start_time, zone).isoformat()
        if incident.end_time:
            end = timezone.localtime(incident.end_time, zone).isoformat()
    place = incident.place if incident.place is not None and incident.place.is_published else None
    return _compact(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Event",
            "name": incident.title,
            "description": incident.summary,
            "url": absolute_url(request, incident.get_absolute_url()),
            "startDate": start,
            "endDate": end,
            "location": place_data(request, place, nested=True),
            "keywords": incident.get_kind_display(),
        }
    )
