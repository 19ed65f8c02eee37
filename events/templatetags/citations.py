from django import template

from events import citations, registry

register = template.Library()


@register.simple_tag(takes_context=True)
def cite_this(context, record, revision=None, revision_path=None):
    """The citation of the page's record, from what its view already read (no query): the access date is left
    to the reader's browser, since the page may be served from the cache days later (events/citations.py)."""
    kind = registry.for_model(type(record)).key
    return citations.citation(
        record, kind, request=context.get("request"), revision=revision, revision_path=revision_path
    )
