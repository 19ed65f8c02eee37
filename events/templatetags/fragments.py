"""`{% cached_fragment name key %}…{% endcached_fragment %}`: a part of a page remembered like a count.

Django's `{% cache %}` is keyed only on what it is given, so it could not know when what the part shows changes;
this one is stored by events.caching.cached() with the versions of what it read, and dropped when one moves.
"""

from django import template

from events import caching

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
