import pytest
from django.core.cache import caches
from django.urls import reverse
from events import caching
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_show(client, settings):
    settings.PAGE_CACHE = True
    settings.COUNT_CACHE = True
    caches["pages"].clear()
    a = f.IncidentFactory(title="A")
    b = f.IncidentFactory(title="B")
    r = f.ReactionFactory(incident=a)
    for url in [reverse("events:incident-list"), a.get_absolute_url(), b.get_absolute_url(), "/", r.get_absolute_url(), reverse("events:reaction-list"), "/search/?q=A", "/feed/", "/sitemap.xml"]:
        resp = client.get(url)
        key = f"page:{caching._address(resp.wsgi_request)}"
        entry = caches["pages"].get(key)
        print(url, resp.status_code, resp.get("X-Page-Cache"))
        if entry:
            print("   ", sorted(n for n, v in entry[4]))
    a.description = "new text"
    a.save()
    for url in [reverse("events:incident-list"), a.get_absolute_url(), b.get_absolute_url(), "/", r.get_absolute_url(), reverse("events:reaction-list"), "/search/?q=A", "/feed/", "/sitemap.xml"]:
        print(url, client.get(url).get("X-Page-Cache"))
