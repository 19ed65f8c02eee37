"""The renderer of every form on the site: Django's own form and widget templates, drawn by Jinja2.

Django ships each of its form templates twice, for its own template language and for Jinja2, and keeps the
two equal (tests/test_form_renderer.py compares whole admin pages). Drawing a widget is a few template
renders, each cheaper in Jinja2: the Kerman bombings' admin page (1,570 widgets, 943 labels, 2,100 error
lists) took 1.97 s of CPU, 1.43 s with them drawn by Jinja2 (benchmarks/admin_change_page.py).

The admin's own widget templates exist only in Django's language. The two it draws hundreds of times a page,
the wrapper with the add/change/delete/view links around every relation (452 on that page) and the date
input, have Jinja2 copies in events/jinja2/admin/widgets/, drawn with what they need from Django (`static`,
`gettext`, and `spaceless` for Django's tag of that name); the test above holds them to Django's output. Any
other template only Django's language has (the admin's split date and time, a form template of our own in an
app's `templates/`) is drawn by it.
"""

from pathlib import Path

import jinja2
from django.forms import renderers
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.templatetags.static import static
from django.utils.functional import cached_property
from django.utils.html import strip_spaces_between_tags
from django.utils.translation import gettext
from markupsafe import Markup


def spaceless(html):
    """Django's {% spaceless %}: no whitespace between tags, none around the whole."""
    return Markup(strip_spaces_between_tags(str(html).strip()))


def environment(**options):
    """The form templates' Jinja2 environment, with the few Django helpers the admin's widget templates use."""
    env = jinja2.Environment(**options)
    env.globals.update(static=static, gettext=gettext)
    env.filters["spaceless"] = spaceless
    return env


class FormJinja2(renderers.Jinja2):
    """Django's Jinja2 form renderer (its widget templates, then every app's `jinja2/`) on `environment()`."""

    @cached_property
    def engine(self):
        return Jinja2(
            {
                "APP_DIRS": True,
                "DIRS": [Path(renderers.__file__).parent / Jinja2.app_dirname],
                "NAME": "djangoforms",
                "OPTIONS": {"environment": "events.form_renderer.environment"},
            }
        )


# Django's error list templates (ErrorList, ErrorDict), which draw nothing for no errors.
ERROR_TEMPLATES = "django/forms/errors/"


class FormRenderer(renderers.BaseRenderer):
    def __init__(self):
        self.jinja2 = FormJinja2()
        self.django = renderers.DjangoTemplates()
        # Names Jinja2 lacks: looked up there once, not on every draw (a miss reads the disk).
        self._django_only = set()

    def get_template(self, template_name):
        if template_name not in self._django_only:
            try:
                return self.jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self.django.get_template(template_name)

    def render(self, template_name, context, request=None):
        # An error list draws nothing when it holds no error (Django's templates open with `if errors`), and
        # every field draws its list: 2,100 renders of nothing on the Kerman bombings' admin page.
        if template_name.startswith(ERROR_TEMPLATES) and not context.get("errors"):
            return ""
        return super().render(template_name, context, request)
