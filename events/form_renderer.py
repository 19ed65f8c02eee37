"""The renderer of every form on the site: Django's own form and widget templates, drawn by Jinja2.

Django ships each of its form templates twice, for its own template language and for Jinja2, and keeps the
two equal (tests/test_form_renderer.py compares whole admin pages). Drawing a widget is a few template
renders, each cheaper in Jinja2: the Kerman bombings' admin page (1,570 widgets, 943 labels, 2,100 error
lists) took 1.97 s of CPU, 1.43 s with them drawn by Jinja2 (benchmarks/admin_change_page.py).

The admin's own templates exist only in Django's language. Those it draws hundreds of times a page have Jinja2
copies in events/jinja2/admin/, drawn with what they need from Django (`static`, `gettext`, `capfirst`, Django's
`striptags` and `urlencode`, the admin's change links and cell count, `interpolate` for `blocktranslate` and
`spaceless` for Django's tag of that name): the wrapper with the add/change/delete/view links around every
relation (452 on that page) and the date input, which forms draw through this renderer; and the fieldset, the
stacked and tabular inline groups and the sidebar's list of records (app_list.html), which the admin's pages
include by name and kerman_site/templates/admin/ hands to `render_admin_layout`
(events/templatetags/admin_layout.py). With them that page takes 1.3 s instead of 1.8. The tests above hold
every copy to Django's output, pages with errors and a viewer's pages included. Any other template only
Django's language has (the admin's split date and time, a form template of our own in an app's `templates/`)
is drawn by it.
"""

from pathlib import Path

import jinja2
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.utils import quote
from django.forms import renderers
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.template.defaultfilters import urlencode
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import strip_spaces_between_tags, strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext
from markupsafe import Markup


def spaceless(html):
    """Django's {% spaceless %}: no whitespace between tags, none around the whole."""
    return Markup(strip_spaces_between_tags(str(html).strip()))


def django_strip_tags(value):
    """Django's `striptags` filter: the text without its tags, still safe if it was (Jinja2's own also joins
    the lines)."""
    return Markup(strip_tags(value)) if hasattr(value, "__html__") else strip_tags(value)


def interpolate(translated, **values):
    """Django's {% blocktranslate with name=... %}: the translation as it is written, the values escaped."""
    return Markup(translated) % values


@jinja2.pass_context
def admin_change_url(context, opts, pk):
    """`{% url opts|admin_urlname:'change' pk|admin_urlquote %}`, in the admin site that draws the page."""
    request = context.get("request")
    current_app = getattr(request, "current_app", None)
    if current_app is None and getattr(request, "resolver_match", None) is not None:
        current_app = request.resolver_match.namespace
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)], current_app=current_app)


def environment(**options):
    """The form templates' Jinja2 environment, with the few Django helpers the admin's templates use."""
    env = jinja2.Environment(**options)
    env.globals.update(static=static, gettext=gettext, admin_change_url=admin_change_url, cell_count=cell_count)
    env.filters.update(
        spaceless=spaceless,
        capfirst=capfirst,
        strip_tags=django_strip_tags,
        django_urlencode=urlencode,
        interpolate=interpolate,
    )
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

    def render_admin_layout(self, template_name, context):
        """One of the admin's fieldset, inline and sidebar templates (kerman_site/templates/admin/), drawn by its
        Jinja2 copy with the variables of the Django template that includes it."""
        return Markup(self.jinja2.engine.env.get_template(template_name).render(context))
