"""The admin's fieldset, inline and sidebar templates, drawn by the site's form renderer.

kerman_site/templates/admin/ stands in for Django's admin/includes/fieldset.html,
admin/edit_inline/{stacked,tabular}.html and admin/app_list.html with a line that calls `admin_layout`: with
the site's renderer (events/form_renderer.py) their Jinja2 copies in events/jinja2/admin/ draw them, three to
four times faster than Django's language draws the originals (most of an inline-heavy change page); with any
other FORM_RENDERER, such as Django's own that tests/test_form_renderer.py compares pages with, Django's own
templates do.
"""

from functools import lru_cache
from pathlib import Path

import django.contrib.admin
from django import template
from django.forms.renderers import get_default_renderer

register = template.Library()

DJANGO_ADMIN_TEMPLATES = Path(django.contrib.admin.__file__).parent / "templates"


@lru_cache
def djangos_own(engine, name):
    """Django's admin template `name` itself (the name alone would find the stand-in again)."""
    return engine.from_string((DJANGO_ADMIN_TEMPLATES / name).read_text(encoding="utf-8"))


@register.simple_tag(takes_context=True)
def admin_layout(context, name):
    draw = getattr(get_default_renderer(), "render_admin_layout", None)
    if draw is not None:
        return draw(name, context.flatten())
    return djangos_own(context.template.engine, name).render(context)
