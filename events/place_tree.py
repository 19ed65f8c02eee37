"""The place tree (country → province → city → site): every walk up or down it, in one place.

Walks up stop at the first place seen twice, so a loop in the data (which Place.clean() refuses, but a
fixture or raw write could still make) cannot hang a page.
"""

from collections import Counter


def walk_up(node, parent_of, key=lambda node: node):
    """`node`, its parent, grandparent and so on; `parent_of(node)` gives the next, `key(node)` its identity."""
    seen = set()
    while node is not None and key(node) not in seen:
        yield node
        seen.add(key(node))
        node = parent_of(node)


def parents(place):
    """The place's parent, grandparent and so on (loaded objects, following `parent`)."""
    return walk_up(place.parent, lambda p: p.parent, key=lambda p: p.pk)


def descendant_ids(places, place):
    """Primary keys of `place` and every place of `places` inside it, however deep: one query for the tree."""
    return descendants_in(dict(places.order_by().values_list("pk", "parent_id")), place.pk)


def descendants_in(parent_ids, root):
    """`root` and every key of the {place id: parent id} map `parent_ids` below it, however deep, with no
    query (the filters walk the tree they have already read)."""
    children = {}
    for child, parent in parent_ids.items():
        children.setdefault(parent, []).append(child)
    found, frontier = {root}, [root]
    while frontier:
        frontier = [child for node in frontier for child in children.get(node, ()) if child not in found]
        found.update(frontier)
    return found


def totals_up_the_tree(direct_counts, parent_ids):
    """Counts per place of the rows in it or anywhere below it, from counts per direct place and a
    {place id: parent id} map."""
    totals = Counter()
    for place_id, count in direct_counts.items():
        for node in walk_up(place_id, parent_ids.get):
            totals[node] += count
    return totals
