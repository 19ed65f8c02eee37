"""Template helpers for the public site: links that respect publication, native names, paging links,
dates shown as precisely as they are known, canonical addresses and JSON-LD."""

import json
import re

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from events import public_names, registry
from events.linked_data import absolute_url, partial_iso
from events.models import cached_reverse, format_partial_date
from events.public_names import public_name

register = template.Library()

RTL_LANGUAGES = {"fa", "ar", "ur", "he", "ps", "ku", "ckb", "yi", "dv", "syr"}

NAV_ITEMS = [
    *((record_type.prefix, record_type.label, record_type.url_name("list")) for record_type in registry.menu()),
    ("timeline", "Timeline", "events:timeline"),
    ("map", "Map", "events:map"),
    ("charts", "Charts", "events:charts"),
]

# Characters that could end a <script> element or open an HTML comment inside JSON-LD.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def nav_items():
    """The site's sections as (key, label, url), in menu order."""
    return [(key, label, cached_reverse(name)) for key, label, name in NAV_ITEMS]


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    """The current address with only the page changed, so paging keeps the filters."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return "?" + query.urlencode()


@register.simple_tag
def record_link(record, text=None):
    """A link to a published record's page; for any other record, the neutral phrase that stands for it
    (events/public_names.py): a draft's name is not the public's to read."""
    if record is None:
        return ""
    if getattr(record, "is_published", False):
        label = str(record) if text is None else text
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), label)
    return format_html('<span class="unpublished">{}</span>', public_name(record, text))


@register.simple_tag
def any_link(*records, fallback=""):
    """The first record given, linked (or the neutral phrase, if unpublished); `fallback` text when none."""
    for record in records:
        if record is not None:
            return record_link(record)
    return fallback


@register.simple_tag
def reaction_actor(reaction):
    """Who reacted, linked where they have a page: the person, the organization, or the country."""
    return public_names.reaction_actor(
        reaction, show=record_link, join=lambda country, office: format_html("{}: {}", country, office)
    )


@register.filter
def actor_name(reaction, position=""):
    """Who reacted, as plain text the public may read; `actor_name:"start"` opens a title or a sentence."""
    name = public_names.reaction_actor(reaction)
    return public_names.at_start(name) if position == "start" else name


@register.filter
def claims_about(claims, subjects):
    """The claims (already fetched) about any of the space-separated `subjects`, e.g. "attack_type method"."""
    wanted = set(subjects.split())
    return [claim for claim in claims if claim.about in wanted]


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


@register.filter
def iso_as_known(value, precision="day"):
    """ISO 8601 only as precise as the date is known, for <time datetime>: '2024', '2024-01', '2024-01-03'."""
    return partial_iso(value, precision) if value else ""


@register.simple_tag
def partial_date(value, precision="day"):
    """<time> for a date known to the day, month or year: '3 January 2024', 'January 2024', '1978'."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', partial_iso(value, precision), format_partial_date(value, precision)
    )


@register.simple_tag(takes_context=True)
def absolute(context, path):
    return absolute_url(context.get("request"), path)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's canonical address: the path with its non-empty query values, on the canonical host."""
    request = context.get("request")
    if request is None:
        return ""
    query = request.GET.copy()
    for key in list(query):
        values = [value for value in query.getlist(key) if value]
        if values and not (key == "page" and values == ["1"]):
            query.setlist(key, values)
        else:
            del query[key]
    path = request.path + (f"?{query.urlencode()}" if query else "")
    return absolute_url(request, path)


@register.simple_tag(takes_context=True)
def json_ld(context, data):
    """A schema.org description as a JSON-LD data block, with the page's CSP nonce when there is one."""
    if not data:
        return ""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", "") if request is not None else ""
    if nonce:
        return format_html('<script type="application/ld+json" nonce="{}">{}</script>', nonce, mark_safe(payload))
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        # The block's output is already escaped; collapsing whitespace keeps it so.
        context[self.name] = mark_safe(re.sub(r"\s+", " ", self.nodelist.render(context)).strip())
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: render the block once, whitespace collapsed, into `name`, so
    a block (the title, the description) can feed several tags (meta description, Open Graph)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}...{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
