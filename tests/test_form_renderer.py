"""Forms draw Django's widget templates with Jinja2 (events/form_renderer.py), and draw exactly what Django's
own template language would."""

import re

import pytest
from django.db.models import Count
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


def test_djangos_widget_templates_come_from_jinja2_and_the_admins_own_from_djangos_language():
    renderer = FormRenderer()
    assert renderer.get_template("django/forms/widgets/select.html").backend is renderer.jinja2.engine
    wrapper = renderer.get_template("admin/widgets/related_widget_wrapper.html")
    assert wrapper.backend is renderer.django.engine
    assert renderer.get_template("admin/widgets/related_widget_wrapper.html").backend is renderer.django.engine


def admin_url(record):
    return reverse(f"admin:events_{record._meta.model_name}_change", args=[record.pk])
