"""Template tags for the maps drawn on the server (events/maps.py)."""

from django import template

from events import maps

register = template.Library()


@register.simple_tag
def locator_map(place):
    """The locator map of a place (maps.locator_map), or None when neither it nor a place above it has a point."""
    if place is None or not place.is_published:
        return None
    return maps.locator_map(place)
