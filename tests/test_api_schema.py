"""The API's OpenAPI document is valid, describes every collection, and the API keeps to it: schemathesis calls
every operation with parameters made from the document and checks each answer. Its reference page is served
from the site's own files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from events.api.types import API_TYPES
from events.api.views import openapi_document
from tests.conftest import examples

pytestmark = pytest.mark.django_db
SWAGGER_UI_VERSION = "5.35.0"


@pytest.fixture
def generous_rate_limit(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    cache.clear()


def test_the_openapi_document_validates_and_describes_every_collection(client, generous_rate_limit):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    # Imported here: the validator brings pydantic with it, a third of a second of CPU in every test process.
    from openapi_spec_validator import validate

    validate(document)
    for api_type in API_TYPES:
        assert f"/api/v1/{api_type.prefix}/" in document["paths"]
        assert f"/api/v1/{api_type.prefix}/{{{api_type.lookup}}}/" in document["paths"]
    incidents = document["paths"]["/api/v1/incidents/"]["get"]
    parameters = {parameter["name"] for parameter in incidents["parameters"]}
    assert {"place", "perpetrator", "kind", "date_after", "min_killed", "q", "ordering", "cursor"} <= parameters
    assert {"200", "304", "400", "429"} <= set(incidents["responses"])


def test_the_reference_page_runs_swagger_ui_from_the_sites_own_files(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    # What the browser loads: scripts, images and stylesheets (links to pages are not loads).
    addresses = re.findall(r'src="([^"]+)"', html) + re.findall(r'rel="stylesheet" href="([^"]+)"', html)
    assert "/static/events/vendor/swagger-ui/swagger-ui-bundle.js" in addresses
    assert not [address for address in addresses if address.startswith(("http:", "https:", "//"))]
    bundle = finders.find("events/vendor/swagger-ui/swagger-ui-bundle.js")
    with open(bundle, encoding="utf-8") as file:
        assert SWAGGER_UI_VERSION in file.read()


@pytest.fixture
def api_schema(seeded, generous_rate_limit):
    """The document, with the site as a WSGI app in this thread: it sees the test's database rows (the seed,
    see tests/conftest.py). The handler would close the connection after each request, as a server does; the
    test client's handler does not. schemathesis is imported here, not by every test process at collection
    (about half a second of CPU each; its pytest plugin is off too, pyproject.toml)."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations():
    for api_type in API_TYPES:
        yield f"/api/v1/{api_type.prefix}/"
        yield f"/api/v1/{api_type.prefix}/{{{api_type.lookup}}}/"


@pytest.mark.parametrize("path", list(operations()))
def test_every_operation_answers_as_documented_and_never_with_a_server_error(api_schema, path):
    # schemathesis's own pytest loader (from_fixture) does not run under pytest 9; Hypothesis is driven here.
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operation = api_schema[path]["GET"]

    @hypothesis_settings(
        max_examples=examples(6), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def call(case):
        case.call_and_validate(checks=checks)

    call()
