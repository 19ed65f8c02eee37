"""Bad input never breaks a page: every public URL answers any query string with 200, a redirect, 400 or 404.

The routes come from the URL resolver, so a page added later is driven too. Hypothesis sends random and
hostile parameters: huge and negative numbers, non-dates, unicode, SQL and script fragments, repeated keys
and 10 kB values, both well formed and as raw, badly encoded query strings.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import factories
from tests.conftest import examples, module_rows
from tests.public_urls import body_of, make_archive, paths_for, public_routes

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

ALLOWED_STATUSES = {200, 301, 302, 400, 404}

# What an attacker would inject, checked for in every HTML or XML answer.
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</title><script>alert(1)</script>",
]
HOSTILE_VALUES = [
    *INJECTIONS,
    "9" * 40,
    "-9" * 20,
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "-1e309",
    "1E-400",
    "NaN",
    "Infinity",
    "1.5",
    "0x10",
    "2024-13-45",
    "2024-02-30",
    "0000-00-00",
    "99999-01-01",
    "31/12/2024",
    "yesterday",
    "' OR '1'='1",
    "1; DROP TABLE events_incident; --",
    "' UNION SELECT password FROM auth_user --",
    "%",
    "_",
    "\\",
    "\x00",
    "\u202e\u200f",
    "ایران کرمان",
    "🔥" * 50,
    "last",
    "A" * 10240,
    "",
]


def _filter_names():
    """Every parameter a public view's filterset takes, so the random keys hit real filters."""
    names = {"q", "page", "format", "ordering"}
    for pattern in public_routes().values():
        view_class = getattr(pattern.callback, "view_class", None)
        candidates = [view_class, getattr(pattern.callback, "view_initkwargs", {}).get("list_view")]
        for candidate in candidates:
            filterset = getattr(candidate, "filterset_class", None)
            if filterset is not None:
                names |= set(filterset.base_filters)
    return sorted(names)


KEYS = st.one_of(st.sampled_from(_filter_names()), st.text(max_size=20))
VALUES = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(str),
    st.text(min_size=1, max_size=8).map(lambda s: (s * 10240)[:10240]),
)
# Repeated keys come both from drawing a key twice and from several values for one key.
QUERIES = st.lists(
    st.one_of(
        st.tuples(KEYS, VALUES).map(lambda pair: [pair]),
        st.tuples(KEYS, st.lists(VALUES, min_size=2, max_size=4)).map(lambda kv: [(kv[0], v) for v in kv[1]]),
    ),
    max_size=5,
).map(lambda groups: [pair for group in groups for pair in group])
# A WSGI server hands Django the query string's raw bytes as a latin-1 str (PEP 3333), whatever they are.
RAW_QUERIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([b"%", b"%ZZ", b"a=%E0%A4%A", b"&&&==&", b"page=1&page=2&page=", b"q=%00", b"=x", b"a" * 10240]),
).map(lambda raw: raw.decode("latin-1"))

ROUTES = sorted(public_routes())
# Bounded so the file runs in well under a minute (a fifth of the examples in `make test-fast`: see
# tests/conftest.py). No shrinking: each step is a request, and a failing query string is printed as found,
# which is enough to reproduce it.
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=examples(25),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@module_rows
def archive_rows():
    make_archive()


@pytest.fixture
def paths(archive_rows):
    """Paths to the small archive's pages, built once for the module (see tests/conftest.py)."""
    return {name: paths_for(name, pattern) for name, pattern in public_routes().items()}


def assert_answered_safely(response, sent):
    assert response.status_code in ALLOWED_STATUSES, (response.status_code, response.request)
    content_type = response.get("Content-Type", "")
    if "html" in content_type or "xml" in content_type:
        body = body_of(response)
        for injection in INJECTIONS:
            if injection in sent:
                assert injection not in body, f"unescaped {injection!r} in {response.request['PATH_INFO']}"


def test_every_public_route_is_driven():
    # Lists, their exports, search, the timeline and the feed must all be here; a route the walk could not
    # give values for would raise in paths_for().
    for name in ["events:incident-list", "events:incident-export", "events:search", "events:feed"]:
        assert name in ROUTES


@pytest.mark.parametrize("route", ROUTES)
@PROPERTY_SETTINGS
@given(query=QUERIES)
def test_any_query_string_gets_an_answer_not_an_error(client, paths, route, query):
    assert paths[route], f"no record to build {route} with"
    for path in paths[route]:
        encoded = urlencode(query)
        assert_answered_safely(client.get(f"{path}?{encoded}"), sent="".join(v for _, v in query))


@pytest.mark.parametrize("route", ROUTES)
@hypothesis_settings(PROPERTY_SETTINGS, max_examples=examples(10))
@given(raw=RAW_QUERIES)
def test_any_raw_query_string_gets_an_answer_not_an_error(client, paths, route, raw):
    for path in paths[route]:
        assert_answered_safely(client.get(path, QUERY_STRING=raw), sent=raw)


# Paging past the end --------------------------------------------------------------------------------------

LIST_ROUTES = [name for name in ROUTES if name.endswith("-list")]


@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize("page", ["2", "99", "9" * 30, "0", "-1", "abc", "1.5"])
def test_a_page_number_past_the_end_is_a_404_not_an_error(client, paths, route, page):
    response = client.get(reverse(route), {"page": page})
    assert response.status_code == 404


def test_the_last_page_and_one_past_it(client, settings):
    settings.EVENTS_PAGE_SIZE = 2
    factories.IncidentFactory.create_batch(5)
    url = reverse("events:incident-list")
    assert client.get(url, {"page": "3"}).status_code == 200
    assert client.get(url, {"page": "last"}).status_code == 200
    assert client.get(url, {"page": "4"}).status_code == 404


def test_the_not_found_page_is_the_sites_own(client):
    assert "Page not found" in client.get("/no-such-page/").content.decode()
    # A list's page past the end is the site's own page too, saying what is there instead (issue 15).
    response = client.get(reverse("events:incident-list"), {"page": "99"})
    assert response.status_code == 404
    page = response.content.decode()
    assert "No such page" in page and 'class="site-header' in page
