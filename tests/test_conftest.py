"""The suite's own machinery (tests/conftest.py): which tests the PostgreSQL run leaves to the SQLite one, how
the browser tests are dealt to a test process, and the check that no test reads a column its query left out."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from events.models import Person
from tests import conftest, factories

ROOT = Path(__file__).resolve().parent.parent
MARK = "same_on_every_database"


def marks_of(nodeid, *fixtures):
    item = SimpleNamespace(nodeid=nodeid, fixturenames=list(fixtures), marks=[])
    item.add_marker = item.marks.append
    conftest.pytest_itemcollected(item)
    return item.marks


def test_tests_on_a_sqlite_file_of_their_own_or_in_a_browser_are_marked_and_no_other():
    assert marks_of("tests/browser/test_maps.py::test_maps_fit_a_phone", "phone_page", "archive") == [MARK]
    assert marks_of("tests/test_db_faults.py::test_a_missing_file", "faults", "migrated_sqlite") == [MARK]
    assert marks_of("tests/test_own_words.py::test_no_public_page_calls_the_article_the_seed", "seeded") == []
    assert marks_of("tests/test_form_renderer.py::test_an_admin_page_draws_as_with_djangos_own_templates[x]") == [MARK]
    assert marks_of("tests/test_views.py::test_the_kerman_page", "client", "seeded") == []
    assert marks_of("tests/test_browser_words.py::test_x", "db") == []


def test_make_test_postgres_leaves_the_marked_tests_out_and_ci_runs_it():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest-postgres:", 1)[1].split("\n\n", 1)[0]
    assert f'-m "not {MARK}"' in recipe
    # PYTEST_ARGS comes after, so `-m ""` can bring them back.
    assert recipe.index(f'-m "not {MARK}"') < recipe.index("$(PYTEST_ARGS)")
    assert "make test-postgres DATABASE_URL=postgres://" in (ROOT / ".ci" / "run").read_text()


class Cache(dict):
    def get(self, key, default):
        return super().get(key, default)


def scheduler(seconds=None):
    config = SimpleNamespace(getvalue={"dist": "loadfile", "tx": ["2*popen"]}.get)
    if seconds is not None:
        config.cache = Cache({conftest.TEST_SECONDS: seconds})
    return conftest.pytest_xdist_make_scheduler(config, log=None)


def test_the_browser_package_is_one_unit_of_work_and_every_other_file_its_own():
    split = scheduler()._split_scope
    assert split("tests/browser/test_maps.py::test_maps_fit_a_phone") == "tests/browser"
    assert split("tests/browser/test_csp.py::test_public_pages_run_under_the_csp") == "tests/browser"
    assert split("tests/test_views.py::test_the_kerman_page") == "tests/test_views.py"


class Worker:
    def __init__(self):
        self.sent = []

    def send_runtest_some(self, indexes):
        self.sent.append(indexes)


def test_the_browser_package_is_handed_out_first():
    chosen = scheduler()
    # xdist orders its queue by test count, the biggest file first; the browser package had the fewest.
    chosen.workqueue.update(
        {
            "tests/test_admin.py": {"tests/test_admin.py::a": False, "tests/test_admin.py::b": False},
            "tests/test_views.py": {"tests/test_views.py::a": False},
            "tests/browser": {"tests/browser/test_maps.py::a": False},
        }
    )
    worker = Worker()
    chosen.registered_collections[worker] = [*chosen.workqueue["tests/test_admin.py"], "tests/test_views.py::a"]
    chosen.registered_collections[worker].append("tests/browser/test_maps.py::a")
    chosen._assign_work_unit(worker)
    assert list(chosen.assigned_work[worker]) == ["tests/browser"]
    assert worker.sent == [[3]]
    assert list(chosen.workqueue) == ["tests/test_admin.py", "tests/test_views.py"]


def test_files_are_handed_out_longest_first_by_the_seconds_their_tests_took_last_time():
    # Fewer tests but longer ones: the views file goes first; a test with no time is taken as the mean (0.1 s).
    chosen = scheduler(seconds={"tests/test_views.py::a": 12.0, "tests/test_admin.py::a": 0.5})
    units = {
        "tests/test_admin.py": {"tests/test_admin.py::a": False, "tests/test_admin.py::b": False},
        "tests/test_views.py": {"tests/test_views.py::a": False},
        "tests/test_models.py": {f"tests/test_models.py::{n}": False for n in range(8)},
    }
    chosen.workqueue.update(units)
    worker = Worker()
    chosen.registered_collections[worker] = [nodeid for unit in units.values() for nodeid in unit]
    chosen._assign_work_unit(worker)
    assert list(chosen.assigned_work[worker]) == ["tests/test_views.py"]
    assert list(chosen.workqueue) == ["tests/test_models.py", "tests/test_admin.py"]  # 0.8 s, then 0.6 s


@pytest.mark.django_db
def test_reading_a_column_the_query_left_out_fails_the_test():
    person = factories.PersonFactory(description="A person.")
    narrow = Person.objects.only("name").get(pk=person.pk)
    assert narrow.name == person.name
    with pytest.raises(conftest.DeferredFieldRead, match=r"Person\.description was left out"):
        narrow.description  # noqa: B018 (the read is the point)
    assert Person.objects.get(pk=person.pk).description == "A person."
    assert Person(name="Unsaved").description == ""
