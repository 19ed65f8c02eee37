"""Forms draw Django's widget templates with Jinja2 (events/form_renderer.py), and draw exactly what Django's
own template language would."""

import re

import pytest
from django.db.models import Count
from django.forms import renderers
from django.test import override_settings
from django.urls import reverse

from events.form_renderer import FormRenderer
from events.models import Incident, Person

DJANGO_RENDERER = "django.forms.renderers.DjangoTemplates"


def comparable(html):
    """The page without what differs between two requests (the CSRF token, the CSP nonce), without the
    whitespace between tags, which the two template languages lay out differently, and with one spelling of
    an escaped quote (Jinja2 writes &#39; and &#34;, Django &#x27; and &quot;: the same characters)."""
    html = html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def first_difference(ours, django):
    at = next((i for i, (a, b) in enumerate(zip(ours, django, strict=False)) if a != b), min(len(ours), len(django)))
    return f"ours: ...{ours[at - 200 : at + 200]}\ndjango's: ...{django[at - 200 : at + 200]}"


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "rows"), [(Incident, "reactions"), (Person, "roles")])
def test_an_admin_page_draws_as_with_djangos_own_templates(staff_client, seeded, model, rows):
    # The record with the most inline rows: every widget the admin draws, many times over.
    record = model.objects.annotate(rows=Count(rows)).order_by("-rows").first()
    ours = staff_client.get(admin_url(record))
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
