"""Laying out long record pages: a table of contents read from the page's own sections, and tables that
leave out a column no row fills.

    {% load layout %}{% sections as body contents %} ...the page's sections... {% endsections %}
    {% include "events/includes/page_contents.html" %} {{ body }}

The block is rendered first; `contents` lists each of its `<h2 id="...">` headings as (id, text), so the contents
can never name a section the page left out (an empty one is not rendered) or miss one another change adds.
"""

import re

from django import template
from django.template import Variable, VariableDoesNotExist
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()

HEADING = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2>', re.DOTALL)


def headings(html):
    # The text is the rendered, escaped heading with its tags taken out: still escaped, so safe to show.
    return [(anchor, mark_safe(" ".join(strip_tags(text).split()))) for anchor, text in HEADING.findall(html)]


class SectionsNode(template.Node):
    def __init__(self, nodelist, body_name, contents_name):
        self.nodelist, self.body_name, self.contents_name = nodelist, body_name, contents_name

    def render(self, context):
        body = self.nodelist.render(context)
        context[self.body_name] = mark_safe(body)
        context[self.contents_name] = headings(body)
        return ""


@register.tag
def sections(parser, token):
    bits = token.split_contents()
    if len(bits) != 4 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% sections as body contents %}...{% endsections %}.")
    nodelist = parser.parse(("endsections",))
    parser.delete_first_token()
    return SectionsNode(nodelist, bits[2], bits[3])


@register.filter
def any_filled(rows, names):
    """Whether any row has a value for any of `names` (space-separated, dotted like template variables:
    "note sources.all"): a table shows a column only when some row fills it."""
    for name in names.split():
        variable = Variable(f"row.{name}")
        for row in rows:
            try:
                if variable.resolve({"row": row}):
                    return True
            except VariableDoesNotExist:
                continue
    return False
