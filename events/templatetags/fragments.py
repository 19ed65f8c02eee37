"""Parts of a page remembered like a count, and dropped when what they show changes.

`{% cached_fragment name key %}…{% endcached_fragment %}`: Django's `{% cache %}` is keyed only on what it is
given, so it could not know when what the part shows changes; this one is stored by events.caching.cached() with
the versions of what it read. `{% drawn_items records heading as items %}`: each record drawn by its type's item
template, remembered per record (events.caching.drawn_records); `{% drawn_timeline years as years %}` the same for
the timeline page's items, `{% drawn_rows records template name key=value as rows %}` for any other rows.
"""

from django import template
from django.template.loader import get_template

from events import caching, registry

register = template.Library()


@register.tag
def cached_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and a key: {{% {bits[0]} name key %}}")
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, key):
        self.nodelist, self.name, self.key = nodelist, name, key

    def render(self, context):
        parts = (self.name.resolve(context), self.key.resolve(context))
        return caching.cached("fragment", parts, lambda: self.nodelist.render(context))


@register.simple_tag
def drawn_items(records, heading="h3"):
    """Each of `records` drawn by its type's item template (events/includes/<type>_item.html), which reads the
    record under the type's key and `heading`: nothing of the page around it, so one drawing serves every page
    that lists the record."""
    if isinstance(records, caching.Shown):  # known by their keys: only the rows not remembered are loaded
        return [item for item in _drawn_shown([records], heading) if item is not None]
    records = list(records)
    return caching.drawn_records("item", records, lambda record: _item(record, heading), parts=(heading,))


@register.simple_tag
def drawn_groups(groups, heading="h3"):
    """[(group, drawn items)] for groups of records known by their keys (the site search's kinds, each with its
    `results`, a caching.Shown): drawn as drawn_items() draws them, all in one go (one read of the cache and its
    versions for the whole page), loading only the records whose rows are drawn anew."""
    groups = list(groups)
    drawn = iter(_drawn_shown([group["results"] for group in groups], heading))
    drawn_groups = [(group, [next(drawn) for _key in group["results"].keys]) for group in groups]
    return [(group, [item for item in items if item is not None]) for group, items in drawn_groups]


def _drawn_shown(shown, heading):
    """drawn_items() of the records of several caching.Shown, one after the other, loading only those whose rows
    are drawn anew (a record gone since is drawn as None)."""

    def load(pairs):
        wanted, loaded = set(pairs), {}
        for records in shown:
            keys = [key for key in records.keys if (records.model, key) in wanted]
            if keys:
                loaded |= {(records.model, key): record for key, record in records.load(keys).items()}
        return loaded

    pairs = [(records.model, key) for records in shown for key in records.keys]
    return caching.drawn_records("item", pairs, lambda record: _item(record, heading), parts=(heading,), load=load)


@register.simple_tag
def drawn_timeline(years):
    """The timeline page's [(year, [(month, [item])])] with each item drawn (events/includes/timeline_item.html)
    and remembered per record, an incident or a development, as drawn_items() does."""
    items = [item for _year, months in years for _month, entries in months for item in entries]
    by_record = {(type(item.record), item.record.pk): item for item in items}
    template = get_template("events/includes/timeline_item.html")
    drawn = iter(
        caching.drawn_records(
            "timeline",
            [item.record for item in items],
            lambda record: template.render({"item": by_record[type(record), record.pk]}),
        )
    )
    return [
        (year, [(month, [next(drawn) for _item in entries]) for month, entries in months]) for year, months in years
    ]


@register.simple_tag
def drawn_rows(records, template_name, name, owner=None, **params):
    """Each of `records` drawn by `template_name`, which reads the record as `name` and `params` (plain values:
    they are part of what the drawing is remembered under), and remembered per record as drawn_items() does:
    the rows of a record page's tables and lists. `owner`: the record whose page it is, which each row points
    back to; a row reads only its columns (its title, its address), not what the page loaded into it."""
    template = get_template(template_name)
    return caching.drawn_records(
        "row",
        list(records),
        lambda record: template.render({name: record, **params}),
        parts=(template_name, name, tuple(sorted(params.items()))),
        owners=() if owner is None else (owner,),
    )


def _item(record, heading):
    record_type = registry.for_model(type(record))
    return get_template(record_type.item_template).render({record_type.key: record, "heading": heading})
