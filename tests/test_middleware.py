"""kerman_site/middleware.py: every middleware of the project is in it, and what it refuses up front."""

import importlib
import inspect
import time

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_middleware_of_the_project_lives_in_kerman_site_middleware():
    ours = [path for path in settings.MIDDLEWARE if path.startswith(("kerman_site.", "events."))]
    assert ours and all(path.startswith("kerman_site.middleware.") for path in ours)
    # ... and no other module of the project defines one.
    for module_name in ["events.caching", "kerman_site.db_routers", "kerman_site.views", "kerman_site.security"]:
        module = importlib.import_module(module_name)
        classes = [name for name, value in vars(module).items() if inspect.isclass(value) and "Middleware" in name]
        assert classes == [], module_name


@pytest.mark.parametrize("url", ["/incidents/", "/", "/no-such-page/"])
def test_an_address_with_too_many_parameters_gets_the_400_page_at_once(client, url):
    query = "&".join(f"x{i}=1" for i in range(1500))
    started = time.monotonic()
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert time.monotonic() - started < 1
    assert "Bad request" in response.content.decode()


def test_the_admin_changelist_refuses_a_flood_of_filters_with_400_not_503(staff_client):
    # Each repeated parameter becomes one more filter; SQLite refuses the query past ~900 as too deep.
    query = "&".join(f"title={i}" for i in range(1200))
    response = staff_client.get(f"{reverse('admin:events_incident_changelist')}?{query}")
    assert response.status_code == 400


def test_an_ordinary_filtered_list_is_not_refused(client):
    response = client.get("/incidents/", {"q": "kerman", "kind": "bombing", "page": "1", "sort": "date"})
    assert response.status_code == 200
