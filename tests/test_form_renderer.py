"""Forms draw Django's widget templates with Jinja2 (events/form_renderer.py), and draw exactly what Django's
own template language would."""

import re
from unittest.mock import patch

import jinja2
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.forms import renderers
from django.test import override_settings
from django.urls import reverse

from events.form_renderer import FormRenderer
from events.models import Incident, Person

DJANGO_RENDERER = "django.forms.renderers.DjangoTemplates"


def comparable(html):
    """The page without what differs between two requests (the CSRF token, the CSP nonce, when a list was
    drawn), without the whitespace between tags, which the two template languages lay out differently, and with
    one spelling of an escaped quote (Jinja2 writes &#39; and &#34;, Django &#x27; and &quot;: the same characters)."""
    html = html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'name="(listed_at|shown_at)" value="[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def first_difference(ours, django):
    at = next((i for i, (a, b) in enumerate(zip(ours, django, strict=False)) if a != b), min(len(ours), len(django)))
    return f"ours: ...{ours[at - 200 : at + 200]}\ndjango's: ...{django[at - 200 : at + 200]}"


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "rows"), [(Incident, "reactions"), (Person, "roles")])
def test_an_admin_page_draws_as_with_djangos_own_templates(staff_client, seeded, model, rows):
    # The record with the most inline rows: every widget the admin draws, many times over.
    record = model.objects.annotate(rows=Count(rows)).order_by("-rows").first()
    renderer, contexts, original = FormRenderer(), [], FormRenderer.render

    def noted(self, template_name, context, request=None):
        if template_name in renderer.fast_templates:
            contexts.append((template_name, context))
        return original(self, template_name, context, request)

    with patch.object(FormRenderer, "render", noted):
        ours = staff_client.get(admin_url(record))
    # Each widget and label drawn in Python is also what its template draws, byte for byte.
    assert len(contexts) > 50
    assert {name.rsplit("/", 1)[1] for name, _ in contexts} >= {"select.html", "text.html", "label.html"}
    for name, context in contexts:
        assert renderer.render(name, context) == drawn_by_template(renderer, name, context), name
    with override_settings(FORM_RENDERER=DJANGO_RENDERER):
        django = staff_client.get(admin_url(record))
    assert ours.status_code == django.status_code == 200
    ours, django = comparable(ours.content.decode()), comparable(django.content.decode())
    assert ours.count("<select") > 10 and ours.count('class="related-widget-wrapper"') > 10
    assert '<p class="date">' in ours
    assert ours == django, first_difference(ours, django)


@pytest.mark.django_db
def test_a_form_with_errors_draws_them_as_djangos_own_templates(staff_client):
    url = reverse("admin:events_incident_add")
    data = {"title": "", "kind": "not a kind", "date": "3 January"}
    ours = staff_client.post(url, data)
    with override_settings(FORM_RENDERER=DJANGO_RENDERER):
        django = staff_client.post(url, data)
    assert ours.status_code == django.status_code == 200
    ours, django = comparable(ours.content.decode()), comparable(django.content.decode())
    assert 'class="errorlist' in ours and "This field is required." in ours
    assert ours == django, first_difference(ours, django)


@pytest.mark.django_db
def test_inline_rows_with_errors_draw_as_with_djangos_own_templates(staff_client):

    from tests import factories
    from tests.test_admin import add_inline_row, page_data, preferred_killed

    incident = factories.IncidentFactory()
    factories.CasualtyFigureFactory(incident=incident, value=84, rank="preferred")
    factories.ReactionFactory(incident=incident)
    url = admin_url(incident)
    data = page_data(staff_client.get(url))
    add_inline_row(data, "casualty_figures", **{**preferred_killed(95), "value": "-3"})  # a tabular row
    add_inline_row(data, "reactions", summary="Condemned it.")  # a stacked row without who reacted
    add_inline_row(data, "links_out", kind="see_also", to_incident=str(incident.pk))  # an error of the whole row
    ours = staff_client.post(url, data)
    with override_settings(FORM_RENDERER=DJANGO_RENDERER):
        django = staff_client.post(url, data)
    assert ours.status_code == django.status_code == 200
    ours, django = comparable(ours.content.decode()), comparable(django.content.decode())
    errors = [m.start() for m in re.finditer('class="errorlist', ours)]
    assert any(at > ours.index('id="casualty_figures-group"') for at in errors)
    assert any(at > ours.index('id="reactions-group"') for at in errors)
    assert 'class="row-form-errors"' in ours and "An incident cannot be linked to itself." in ours
    assert ours == django, first_difference(ours, django)

    # Someone who may look but not change: the inline rows link to their records to view, not to change.
    staff_client.force_login(staff_with("view_incident", "view_casualtyfigure", "view_reaction"))
    ours = staff_client.get(url)
    with override_settings(FORM_RENDERER=DJANGO_RENDERER):
        django = staff_client.get(url)
    assert ours.status_code == django.status_code == 200
    ours, django = comparable(ours.content.decode()), comparable(django.content.decode())
    assert 'class="inlineviewlink"' in ours and 'class="inlinechangelink"' not in ours
    assert ours == django, first_difference(ours, django)


@pytest.mark.django_db
def test_the_admin_index_and_its_sidebar_draw_as_with_djangos_own_templates(staff_client):

    pages = [reverse("admin:index"), reverse("admin:events_incident_changelist")]
    viewer = staff_with("view_incident", "add_reaction")
    for user, link in (("editor", 'class="changelink"'), (viewer, 'class="viewlink"')):
        if user != "editor":  # every model's links; then a model to view only and one to add only
            staff_client.force_login(user)
        for url in pages:
            ours = staff_client.get(url)
            with override_settings(FORM_RENDERER=DJANGO_RENDERER):
                django = staff_client.get(url)
            assert ours.status_code == django.status_code == 200
            ours, django = comparable(ours.content.decode()), comparable(django.content.decode())
            assert ours == django, (url, first_difference(ours, django))
        index, changelist = (comparable(staff_client.get(url).content.decode()) for url in pages)
        assert link in index and 'class="addlink"' in index
        assert 'id="nav-sidebar"' in changelist and 'class="model-incident current-model"' in changelist


@pytest.mark.django_db
def test_the_admins_fieldsets_and_inlines_are_drawn_by_their_jinja2_copies(staff_client):
    drawn = []
    original = FormRenderer.render_admin_layout

    def counted(renderer, name, context):
        drawn.append(name)
        return original(renderer, name, context)

    from tests import factories

    incident = factories.IncidentFactory()
    with patch.object(FormRenderer, "render_admin_layout", counted):
        assert staff_client.get(admin_url(incident)).status_code == 200
    # The main form's fieldsets, the stacked inlines (each row's fieldsets inside them), the tabular ones and
    # the sidebar's list of records.
    assert set(drawn) == {
        "admin/includes/fieldset.html",
        "admin/edit_inline/stacked.html",
        "admin/edit_inline/tabular.html",
        "admin/app_list.html",
    }
    with (
        override_settings(FORM_RENDERER=DJANGO_RENDERER),
        patch.object(FormRenderer, "render_admin_layout") as not_used,
    ):
        page = staff_client.get(admin_url(incident)).content.decode()
    assert not not_used.called and 'data-inline-type="stacked"' in page and 'data-inline-type="tabular"' in page


def test_djangos_widget_templates_and_the_admins_busiest_come_from_jinja2_the_rest_from_djangos_language():
    renderer = FormRenderer()
    assert renderer.get_template("django/forms/widgets/select.html").backend is renderer.jinja2.engine
    # Copies in events/jinja2/admin/widgets/, held to Django's output by the page comparisons above.
    for name in ("admin/widgets/related_widget_wrapper.html", "admin/widgets/date.html"):
        assert renderer.get_template(name).backend is renderer.jinja2.engine, name
    split = renderer.get_template("admin/widgets/split_datetime.html")
    assert split.backend is renderer.django.engine
    assert renderer.get_template("admin/widgets/split_datetime.html").backend is renderer.django.engine


def test_the_copied_wrapper_draws_its_links_as_djangos_does():
    from django.contrib.admin import site
    from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
    from django.forms import Select

    from events.models import Reaction

    field = Reaction._meta.get_field("person")
    wrapper = RelatedFieldWidgetWrapper(
        Select(),
        field.remote_field,
        site,
        can_add_related=True,
        can_change_related=True,
        can_delete_related=True,
        can_view_related=True,
    )
    ours = wrapper.render("person", None, renderer=FormRenderer())
    django = wrapper.render("person", None, renderer=renderers.DjangoTemplates())
    assert comparable(ours) == comparable(django)
    for link in ("change-related", "add-related", "delete-related", "view-related"):
        assert link in ours
    assert 'title="Add another person"' in ours and "/static/admin/img/icon-addlink" in ours


def staff_with(*codenames):
    """A staff user whose only rights are the permissions `codenames`."""
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("viewer", "viewer@example.org", "correct horse battery", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def admin_url(record):
    return reverse(f"admin:events_{record._meta.model_name}_change", args=[record.pk])


def test_error_lists_draw_as_djangos_own_with_and_without_errors():
    from django.forms.utils import ErrorDict, ErrorList

    ours, django = FormRenderer(), renderers.DjangoTemplates()
    lists = [ErrorList(), ErrorList(["Too long.", "Not a date."]), ErrorList(["Refused."], field_id="id_title")]
    dicts = [ErrorDict(), ErrorDict({"title": ErrorList(["Required."])})]
    for errors in [*lists, *dicts]:
        for template in (errors.template_name, errors.template_name_ul, errors.template_name_text):
            drawn = errors.render(template, renderer=ours)
            assert drawn == errors.render(template, renderer=django), (template, list(errors))
            assert bool(drawn) == bool(errors), (template, drawn)


def drawn_by_template(renderer, template_name, context):
    """What Django's Jinja2 template draws for the context, as the renderer hands it on (stripped)."""
    return renderer.jinja2.get_template(template_name).render(context).strip()


def awkward_widgets():
    """Widgets of every template drawn in Python, with values and attributes that test its escaping and its
    `if`s: None, empty, zero, False and True, quotes and markup, safe and lazy strings, option groups."""
    from django import forms
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    attrs = {"class": 'a "quoted" <b> & co', "required": True, "disabled": False, "maxlength": 0, "data-x": None}
    for value in (None, "", 0, "0", False, 'it\'s <b>bold</b> & "quoted"', mark_safe("<i>safe</i>"), 3.5):
        for widget in (
            forms.TextInput(),
            forms.NumberInput(),
            forms.EmailInput(),
            forms.URLInput(),
            forms.PasswordInput(render_value=True),
            forms.HiddenInput(),
            forms.DateInput(),
            forms.DateTimeInput(),
            forms.TimeInput(),
            forms.Textarea(),
            type("SearchInput", (forms.widgets.Input,), {"input_type": "search"})(),  # input.html itself
        ):
            yield widget, value, attrs
        yield forms.CheckboxInput(), value, attrs
    choices = [
        ("", "---------"),
        ("Group <one>", [("a", 'Option "A"'), ("b", mark_safe("<em>B</em>"))]),
        (0, gettext_lazy("Yes")),
        ("c&d", "C & D"),
    ]
    for value in (None, "a", 0, "missing", True):
        yield forms.Select(choices=choices), value, attrs
        yield forms.SelectMultiple(choices=choices), [value, "c&d"], {}
        yield forms.NullBooleanSelect(), value, {}


def test_widgets_and_labels_drawn_in_python_equal_their_templates_byte_for_byte():
    from django import forms
    from django.utils.safestring import mark_safe

    renderer = FormRenderer()
    drawn = set()
    for widget, value, attrs in awkward_widgets():
        context = widget.get_context("field", value, attrs)
        name = widget.template_name
        assert name in renderer.fast_templates, name
        ours = renderer.render(name, context)
        assert ours == drawn_by_template(renderer, name, context), (name, value)
        drawn.add(name)
    assert len(drawn) == 13

    class Awkward(forms.Form):
        plain = forms.CharField(label="Name")
        quoted = forms.CharField(label='It\'s "<b>bold</b>" & more')
        safe = forms.CharField(label=mark_safe("<i>Safe</i>"))

    contexts = []
    noted = patch.object(FormRenderer, "render", lambda self, name, context, request=None: contexts.append(context))
    with noted:
        for form in (Awkward(), Awkward(auto_id=False), Awkward(label_suffix=" →")):
            for field in form:
                for options in ({}, {"attrs": {"class": "x <y>", "hidden": True, "off": False}}, {"tag": "legend"}):
                    field.label_tag(**options)
    assert len(contexts) == 27 and {c["use_tag"] for c in contexts} == {True, False}
    for context in contexts:
        assert renderer.render("django/forms/label.html", context) == drawn_by_template(
            renderer, "django/forms/label.html", context
        ), context


def test_a_widget_template_that_django_changed_is_drawn_by_the_template_again():
    from django import forms

    from events import form_renderer

    with patch.dict(
        form_renderer.FAST_TEMPLATES,
        {"django/forms/widgets/text.html": ("<input {{ widget.name }}>", form_renderer._input)},
    ):
        renderer = FormRenderer()
        assert "django/forms/widgets/text.html" not in renderer.fast_templates
        assert "django/forms/widgets/number.html" in renderer.fast_templates
    with patch.dict(form_renderer.FAST_PARTS, {"django/forms/widgets/attrs.html": "{{ widget.attrs }}"}):
        assert FormRenderer().fast_templates == {}
    # Django ships a new input.html, which text.html and the other input types only include: none of them may go
    # on drawing the old <input>.
    shipped = jinja2.FileSystemLoader.get_source

    def new_input(loader, environment, name):
        source, *rest = shipped(loader, environment, name)
        return (source.replace("<input ", "<input data-new ") if name.endswith("/input.html") else source, *rest)

    with patch.object(jinja2.FileSystemLoader, "get_source", new_input):
        fast = FormRenderer().fast_templates
        assert not any(name.startswith("django/forms/widgets/") for name in fast), sorted(fast)
    # An option drawn by a template of its own: the whole <select> is drawn by the templates.
    select = forms.Select(choices=[("a", "A")])
    select.option_template_name = "django/forms/widgets/radio_option.html"
    context = select.get_context("field", "a", {})
    renderer = FormRenderer()
    assert renderer.render(select.template_name, context) == drawn_by_template(renderer, select.template_name, context)
    assert '<label><input type="select"' in renderer.render(select.template_name, context)
