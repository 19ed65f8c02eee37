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

The plainest widget templates (the inputs, textarea, select and its options) and every field's label are drawn
in Python by functions that write what those templates write (FAST_TEMPLATES): the same page, byte for byte,
then takes 0.80-0.88 s of CPU against 0.96-1.35 s in alternating runs on a busy machine.
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
from markupsafe import Markup, escape


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

WIDGETS = "django/forms/widgets/"


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(context):
    """input.html, and every input type's template, which only includes it."""
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(context):
    widget = context["widget"]
    value = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option):
    """select_option.html."""
    return f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>{escape(option["label"])}</option>'


def _select(context):
    widget = context["widget"]
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in options:
            if option["template_name"] != WIDGETS + "select_option.html":
                return None  # an option drawn by a template of its own: the template draws the whole
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context):
    """django/forms/label.html, every field's label."""
    if not context["use_tag"]:
        return str(escape(context["label"]))
    attrs = _attrs(context["attrs"]) if context["attrs"] else ""
    return f"<{escape(context['tag'])}{attrs}>{escape(context['label'])}</{escape(context['tag'])}>"


# Django's plainest widget templates and its label template, drawn in Python: lines of Jinja2 drawn ~2,500 times
# on the Kerman bombings' admin page, a third of its CPU. Each function draws exactly what the template it names
# draws (tests/test_form_renderer.py compares them byte for byte on every widget of that page and on awkward
# values), and is used only while Django's template still reads as below, so a Django upgrade that changes a
# template falls back to drawing it.
_INPUT = '{% include "django/forms/widgets/input.html" %}'
_INPUT_SOURCE = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} value="{{ widget.value }}"'
    '{% endif %}{% include "django/forms/widgets/attrs.html" %}>'
)
FAST_TEMPLATES = {
    WIDGETS + "input.html": (_INPUT_SOURCE, _input),
    **{
        f"{WIDGETS}{kind}.html": (_INPUT, _input)
        for kind in ("text", "number", "email", "url", "password", "hidden", "checkbox", "date", "datetime", "time")
    },
    WIDGETS + "textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n{% if widget.value %}'
        "{{ widget.value }}{% endif %}</textarea>",
        _textarea,
    ),
    WIDGETS + "select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>{% for group_name, '
        'group_choices, group_index in widget.optgroups %}{% if group_name %}\n  <optgroup label="{{ group_name }}'
        '">{% endif %}{% for widget in group_choices %}\n  {% include widget.template_name %}{% endfor %}{% if '
        "group_name %}\n  </optgroup>{% endif %}{% endfor %}\n</select>",
        _select,
    ),
    "django/forms/label.html": (
        "{% if use_tag %}<{{ tag }}{% if attrs %}{% include 'django/forms/attrs.html' %}{% endif %}>{{ label }}</{{ "
        "tag }}>{% else %}{{ label }}{% endif %}",
        _label,
    ),
}
# The templates those include, which must read as written too: one that does not turns every function off (the
# input types only include input.html, so input.html changed alone would leave them drawing the old markup).
FAST_PARTS = {
    "django/forms/widgets/input.html": _INPUT_SOURCE,
    "django/forms/attrs.html": "{% for name, value in attrs.items() %}{% if value is not sameas False %} {{ name }}"
    '{% if value is not sameas True %}="{{ value }}"{% endif %}{% endif %}{% endfor %}',
    "django/forms/widgets/attrs.html": "{% for name, value in widget.attrs.items() %}{% if value is not sameas False %}"
    ' {{ name }}{% if value is not sameas True %}="{{ value }}"{% endif %}{% endif %}{% endfor %}',
    "django/forms/widgets/select_option.html": '<option value="{{ widget.value }}"{% include '
    '"django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>',
}


class FormRenderer(renderers.BaseRenderer):
    def __init__(self):
        self.jinja2 = FormJinja2()
        self.django = renderers.DjangoTemplates()
        # Names Jinja2 lacks: looked up there once, not on every draw (a miss reads the disk).
        self._django_only = set()

    @cached_property
    def fast_templates(self):
        """Template name -> the function drawing it, for FAST_TEMPLATES whose template (and the parts it includes)
        Django still ships as written there."""

        def source(name):
            loader = self.jinja2.engine.env.loader
            try:
                return loader.get_source(self.jinja2.engine.env, name)[0].rstrip("\n")
            except jinja2.TemplateNotFound:
                return None

        if any(source(name) != text for name, text in FAST_PARTS.items()):
            return {}
        return {name: draw for name, (text, draw) in FAST_TEMPLATES.items() if source(name) == text}

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
        draw = self.fast_templates.get(template_name)
        if draw is not None:
            try:
                html = draw(context)
            except (KeyError, TypeError):  # a widget of our own whose context lacks something: the template decides
                html = None
            if html is not None:
                return html
        return super().render(template_name, context, request)

    def render_admin_layout(self, template_name, context):
        """One of the admin's fieldset, inline and sidebar templates (kerman_site/templates/admin/), drawn by its
        Jinja2 copy with the variables of the Django template that includes it."""
        return Markup(self.jinja2.engine.env.get_template(template_name).render(context))
