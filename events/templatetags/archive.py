"""Template helpers for the public site: links that respect publication, native names, paging links."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

RTL_LANGUAGES = {"fa", "ar", "ur", "he", "ps", "ku", "ckb", "yi", "dv", "syr"}

NAV_ITEMS = [
    ("incidents", "Incidents", "events:incident-list"),
    ("people", "People", "events:person-list"),
    ("organizations", "Organizations", "events:organization-list"),
    ("reactions", "Reactions", "events:reaction-list"),
    ("places", "Places", "events:place-list"),
]


@register.simple_tag
def nav_items():
    """The site's sections as (key, label, url), in menu order."""
    return [(key, label, reverse(name)) for key, label, name in NAV_ITEMS]


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """The current address with only the page changed, so paging keeps the filters."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return "?" + query.urlencode()


@register.simple_tag
def record_link(record, text=None):
    """A link to a record's page, or its bare name when the record is a draft (drafts have no public page)."""
    if record is None:
        return ""
    label = str(record) if text is None else text
    if getattr(record, "is_published", False):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), label)
    return format_html("<span>{}</span>", label)


@register.simple_tag
def any_link(*records, fallback=""):
    """The first record given, linked (or named, if a draft); `fallback` text when there is none."""
    for record in records:
        if record is not None:
            return record_link(record)
    return fallback


@register.simple_tag
def reaction_actor(reaction):
    """Who reacted, linked where they have a page: the person, the organization, or the country."""
    if reaction.person_id or reaction.organization_id:
        return any_link(reaction.person, reaction.organization)
    if reaction.country_id and reaction.actor_label:
        return format_html("{}: {}", record_link(reaction.country), reaction.actor_label)
    return any_link(reaction.country, fallback=reaction.actor_label)


def language_direction(lang):
    return "rtl" if lang and lang.split("-")[0].lower() in RTL_LANGUAGES else ""


@register.simple_tag
def native_name(record):
    """The record's name in its own script, marked with its language (and direction for right-to-left scripts)."""
    name = getattr(record, "native_name", "")
    if not name:
        return ""
    lang = getattr(record, "native_name_lang", "")
    direction = language_direction(lang)
    if lang and direction:
        return format_html('<span class="native-name" lang="{}" dir="{}">{}</span>', lang, direction, name)
    if lang:
        return format_html('<span class="native-name" lang="{}">{}</span>', lang, name)
    return format_html('<span class="native-name">{}</span>', name)
