"""The one rule for naming a record on a public surface (page, export, feed, search, JSON-LD): a published
record by its name, any other by a neutral phrase ("an unpublished person").

Why a phrase and not nothing: a published incident's claims were approved by a reviewer with the incident,
so "an unpublished organization claimed responsibility" stays a true, reviewed statement, and dropping the
claim would misstate the record. The draft's name is the draft's own content, which no reviewer has
approved: naming it would publish it. Optional context (a country in brackets, a parent place, a
nationality) is left out instead, as the pages always did.

The models' own names (`Reaction.actor_name`, `Attribution.responsible_name`, ...) stay the editors' view.
"""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.constants import LOOKUP_SEP

from .choices import Status

NEUTRAL = {
    "person": "an unpublished person",
    "organization": "an unpublished organization",
    "place": "an unpublished place",
    "incident": "an unpublished incident",
}


def at_start(text):
    """`text` opening a title or a sentence: a neutral phrase gets its capital, a name stays as written."""
    return text[:1].upper() + text[1:] if text.startswith(tuple(NEUTRAL.values())) else text


def is_named_in_public(record):
    """Published records, and records without a status of their own (a source, a stance)."""
    status = getattr(record, "status", None)
    return status is None or status == Status.PUBLISHED


def public_name(record, name=None):
    """`name` (else the record's str) if the public may read it; a neutral phrase for any other record."""
    if record is None:
        return ""
    if is_named_in_public(record):
        return str(record) if name is None else name
    return NEUTRAL.get(record._meta.model_name, "an unpublished record")


def public_or_nothing(record):
    """The name of a published record; "" for a missing or unpublished one (optional context)."""
    return str(record) if record is not None and is_named_in_public(record) else ""


def first_named(*records, fallback="", text=str):
    """The public name (`text` of it) of the first record given, else `fallback` (a free-text label)."""
    for record in records:
        if record is not None:
            return public_name(record, text(record))
    return fallback


def by_name(record):
    return record.name


def reaction_actor(reaction, show=None, join="{}: {}".format):
    """Who reacted, as the public may read it: the person, the organization, else the country (with the
    office's label, the country left out when it is unpublished). `show(record)` renders a record the
    reaction names (its public name as text by default; a page passes a link) and `join(country, label)`
    puts a country and an office together, so text and HTML follow the same choice."""
    if show is None:
        show = _public_text
    if reaction.person_id or reaction.organization_id:
        return show(reaction.person or reaction.organization)
    if reaction.country_id and reaction.actor_label:
        if not is_named_in_public(reaction.country):
            return reaction.actor_label
        return join(show(reaction.country), reaction.actor_label)
    return show(reaction.country) if reaction.country_id else reaction.actor_label


def _public_text(record):
    return public_name(record, by_name(record))


def reaction_title(reaction):
    return f"{reaction_actor(reaction)} on {public_name(reaction.incident, reaction.incident.title)}"


def public_title(record):
    """A public record's title where it stands alone (a feed entry, a search result)."""
    if record._meta.model_name == "reaction":
        return at_start(reaction_title(record))
    return public_name(record)


def responsible(attribution):
    return first_named(
        attribution.responsible_person,
        attribution.responsible_organization,
        attribution.responsible_country,
        fallback=attribution.responsible_label,
    )


def claimant(attribution):
    """Who made the attribution ("According to ...")."""
    return first_named(attribution.by_person, attribution.by_organization, attribution.by_country)


def reporter(figure):
    return first_named(figure.reported_by_person, figure.reported_by_organization, fallback=figure.reported_by_label)


def searched_value(model, path):
    """The rule as search applies it: the value at `path`, a field of the record or of a related record, the
    latter only while that record is published, so that a draft's name finds nothing."""
    relation, _, rest = path.partition(LOOKUP_SEP)
    if not rest:
        return F(path)
    related = model._meta.get_field(relation).related_model
    if not any(field.name == "status" for field in related._meta.concrete_fields):
        return F(path)
    published = {f"{relation}{LOOKUP_SEP}status": Status.PUBLISHED}
    return Case(When(**published, then=F(path)), default=Value(""), output_field=CharField())
