import gc
import hashlib
import inspect
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.db.models.signals import post_migrate
from django.test.utils import setup_databases, teardown_databases
from hypothesis import settings as hypothesis_settings

from events.management.commands.load_archive import fixture_files

# Importing and collecting the tests makes objects that live to the end of the run: the collector's walks over
# them, 700 allocations apart, were a quarter of each process's collection CPU (0.65 of 2.6 s). Off until the
# tests are collected (`pytest_collection_finish`).
gc.disable()

# `make test-fast`, the quick loop, runs with --hypothesis-profile=quick (see `examples`).
hypothesis_settings.register_profile("quick")


def examples(count):
    """How many examples a property test draws: `count`, as `make test`, CI and a plain pytest run draw;
    a fifth of it under the quick profile, where every property still runs but less deeply (each example
    of the slow ones is a request or an admin save, and they were a fifth of the quick loop's time)."""
    if hypothesis_settings.get_current_profile_name() == "quick":
        return max(2, count // 5)
    return count


class DeferredFieldRead(AssertionError):
    """A field a query left out (only()/defer()) was read afterwards: a query for each row that reads it."""


@pytest.fixture(scope="session", autouse=True)
def _no_deferred_field_reads():
    """Pages load the records they join with only the columns they show (`shown_joins`, events/models/base.py); a
    template or method that reads another column would quietly cost a query per row. Every test fails on such
    a read instead: Django calls DeferredAttribute.__get__ only for a value missing from the row it loaded."""
    from django.db.models.query_utils import DeferredAttribute

    original = DeferredAttribute.__get__

    def guarded(self, instance, cls=None):
        if (
            instance is not None
            and not instance._state.adding
            and self.field.attname not in instance.__dict__
            and self._check_parent_chain(instance) is None
        ):
            raise DeferredFieldRead(
                f"{type(instance).__name__}.{self.field.attname} was left out of the query that loaded the row"
            )
        return original(self, instance, cls)

    DeferredAttribute.__get__ = guarded
    yield
    DeferredAttribute.__get__ = original


# Rows made once for a whole module (see `module_rows`), by fixture name.
MODULE_ROWS = set()


def module_rows(build):
    """A module-scoped fixture: `build()`'s rows are made once, in a transaction rolled back when the module
    ends, and each test's own transaction nests inside it as a savepoint, so a test's changes still vanish
    after it. Loading the seed for every test cost 3-6 s a test. Take instances through `fresh()`: one
    test's save bumps the version an instance holds in memory, and the rollback does not."""
    name = build.__name__
    MODULE_ROWS.add(name)
    # `build` may take other module rows by name: its rows are then added on top of theirs, in a savepoint.
    needs = list(inspect.signature(build).parameters)

    def fixture(django_db_setup, django_db_blocker, **rows):
        yield from _module_transaction(django_db_blocker, lambda: build(**rows))

    # Named in the signature, so pytest knows which tests use them (see pytest_collection_modifyitems).
    fixture.__signature__ = inspect.Signature(
        inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY)
        for arg in ["django_db_setup", "django_db_blocker", *needs]
    )
    return pytest.fixture(scope="module", name=name)(fixture)


def _module_transaction(django_db_blocker, build):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            rows = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
    yield rows
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    # A test that flushed inside the transaction (the fixture round trip) made content types anew; the
    # rollback brought the old rows back, so the process-wide cache would name ids that no longer exist.
    ContentType.objects.clear_cache()


def fresh(value):
    """The same rows read anew from the database, through namespaces, dicts, lists and tuples."""
    if isinstance(value, models.Model):
        return type(value)._base_manager.get(pk=value.pk)
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{key: fresh(item) for key, item in vars(value).items()})
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fresh(item) for item in value)
    return value


@pytest.fixture(autouse=True)
def _content_types_after_a_flush():
    """A test that flushes (the fixture round trip) makes the content types anew, with new ids, and its rollback
    brings the old rows back: the process-wide cache would then name ids that no longer exist, and the next
    admin save in the module wrote a log row naming one (a foreign key error at its teardown, when the two
    tests ran in one process). Set up before the database fixtures, so this runs after their rollback."""
    flushed = []

    def note(sender, **kwargs):
        flushed.append(sender)

    post_migrate.connect(note, weak=False, dispatch_uid="tests.conftest.flushed")
    yield
    post_migrate.disconnect(dispatch_uid="tests.conftest.flushed")
    if flushed:
        ContentType.objects.clear_cache()


@pytest.fixture(scope="module", autouse=True)
def _factory_history(request):
    """A module that sets FACTORIES_RECORD_HISTORY = False makes its factory rows without history versions
    (tests/factories.py), its module rows included: autouse fixtures are set up first."""
    from tests import factories

    factories.RECORD_HISTORY = getattr(request.module, "FACTORIES_RECORD_HISTORY", True)
    yield
    factories.RECORD_HISTORY = True


def _with_room_on_the_stack(function, *args):
    return function(*args)


# CPython 3.11 keeps frames in 16 KB chunks of memory, mapped when a call finds no room left in the current one
# and unmapped when that call returns: a test's calls crossing a chunk's end, in a loop, had the kernel map and
# unmap one hundreds of thousands of times (115,000 times in tests/test_workflow.py; the kernel was 13% of the
# test process's CPU). This function's code says its value stack needs 65,536 slots: its frame gets a chunk of
# 1 MiB, of which it touches a page, and every call a test makes fits in the half its frame does not use.
_with_room_on_the_stack.__code__ = _with_room_on_the_stack.__code__.replace(co_stacksize=65_536)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """pytest's own protocol (set-up, call, teardown, reports), run under a frame with room below it."""
    from _pytest.runner import pytest_runtest_protocol as protocol

    return _with_room_on_the_stack(protocol, item, nextitem)


BROWSER_PACKAGE = "tests/browser"


# Seconds each test took (set-up and teardown included) in the last run that ran it, kept in pytest's cache for
# the next run's order; a test it has no time for is taken to cost about the suite's mean.
TEST_SECONDS = "kerman/test-seconds"
SECONDS_A_TEST = 0.1


def pytest_xdist_make_scheduler(config, log):
    """Under `--dist loadfile` (the Makefile's), the browser tests go to one process as one unit, first.
    Dealt out a file at a time, the biggest files first, they came last, a module here and there between small
    files: each return to the package started its live server and loaded its seed again (4-5 s on PostgreSQL),
    and what the other process could do while a browser drew a page was already done.

    Then the files go out longest first, by the seconds their tests took last time (TEST_SECONDS), so that the last
    ones dealt are short and the processes end together: by their number of tests (xdist's own order), a file
    of four tests and twelve seconds could come near the end, the other process idle while it ran."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    cache = getattr(config, "cache", None)
    seconds = cache.get(TEST_SECONDS, {}) if cache is not None else {}

    def cost(unit):
        scope, tests = unit
        return (scope != BROWSER_PACKAGE, -sum(seconds.get(nodeid, SECONDS_A_TEST) for nodeid in tests))

    class BrowserPackageFirst(LoadFileScheduling):
        ordered = False

        def _split_scope(self, nodeid):
            scope = super()._split_scope(nodeid)
            return BROWSER_PACKAGE if scope.startswith(f"{BROWSER_PACKAGE}/") else scope

        def _assign_work_unit(self, node):
            if not self.ordered:
                self.ordered = True
                units = sorted(self.workqueue.items(), key=cost)
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return BrowserPackageFirst(config, log)


_TEST_SECONDS = {}


def pytest_runtest_logreport(report):
    """In the process that schedules (an xdist controller, or a run without xdist), each test's seconds."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _TEST_SECONDS[report.nodeid] = round(_TEST_SECONDS.get(report.nodeid, 0.0) + report.duration, 3)


# What `make test-postgres` leaves to `make test` (its -m "not same_on_every_database"): tests that run on a SQLite
# file of their own (they take `migrated_sqlite`: the SQLite concurrency and fault tests, the production stack's
# subprocesses), whatever DATABASE_URL says, and the browser tests, which check what chromium does with pages and
# scripts whose content, queries and writes the other tests check on both databases. On PostgreSQL they ran the
# same code twice: ~210 s of a 610 s run. Also the form renderer's comparisons, which draw one admin page with
# two renderers on one database: the Kerman incident's change page is drawn and saved whole on PostgreSQL by
# test_fixtures.py, every model's by test_admin.py. (test_own_words.py stays: its walk of every seeded record's
# pages is the only one on PostgreSQL.)
SAME_ON_EVERY_DATABASE = "same_on_every_database"
SAME_ON_EVERY_DATABASE_MODULES = {"tests/test_form_renderer.py"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{SAME_ON_EVERY_DATABASE}: its outcome does not depend on DATABASE_URL (set in tests/conftest.py)"
    )


def pytest_itemcollected(item):
    in_browser = item.nodeid.startswith(f"{BROWSER_PACKAGE}/")
    comparing = item.nodeid.split("::", 1)[0] in SAME_ON_EVERY_DATABASE_MODULES
    if in_browser or comparing or "migrated_sqlite" in getattr(item, "fixturenames", ()):
        item.add_marker(SAME_ON_EVERY_DATABASE)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After pytest-django's order (rollback tests, transactional ones, then the rest), a module's tests that
    use its `module_rows` run after its other tests: those rows stay from the first test that asks for them
    to the end of the module, and the other tests expect an empty database. Rows built on top of other module
    rows come later still: tests that use fewer module rows first."""

    def module_rows_used(item):
        return len(MODULE_ROWS.intersection(getattr(item, "fixturenames", ())))

    ordered = []
    for _, run in itertools.groupby(items, key=lambda item: item.path):
        ordered += sorted(run, key=module_rows_used)
    items[:] = ordered


def pytest_sessionstart(session):
    """An xdist controller collects no tests (its workers do), so its collector comes back on here; it starts
    making the test databases its workers would each make (`_start_preparing`)."""
    config = session.config
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        gc.enable()
        _start_preparing(config)


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)
    if _TEST_SECONDS and cache is not None and not os.environ.get("PYTEST_XDIST_WORKER"):
        cache.set(TEST_SECONDS, {**cache.get(TEST_SECONDS, {}), **_TEST_SECONDS})
    process = _PREPARING.get("process")
    if process is not None and process.poll() is None:  # a run too short to need them
        process.terminate()
        process.wait(timeout=60)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """The workers wait for the databases the controller is making rather than make them too."""
    if "process" in _PREPARING:
        node.workerinput["kerman_preparing_pid"] = _PREPARING["process"].pid


def pytest_collection_finish(session):
    """Python's collector walked every object the process holds (Django, the test modules, hypothesis) at each
    full collection: 120 ms, 32 times in the admin and revision tests, 8% of their time. What exists once the
    tests are collected lives to the end, so it is frozen out of the collector's walks, and collections come
    after 50,000 allocations rather than 700 (2.3 s less garbage collection in those modules)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    gc.enable()


_MIGRATED_SQLITE = {}
# Fixtures that use the test database without a django_db mark: the browser tests' shared archive, which
# they read through a live server (tests/browser/conftest.py), and the migrated copy below.
USE_THE_DATABASE = {"_archive_server", "migrated_sqlite"}


def _migrations_key():
    """What the migrated schema depends on: Django, every app's migration files, and the archive's own code
    (its migrations import it, e.g. the search index's SQLite functions)."""
    import django
    from django.db.migrations.loader import MigrationLoader

    files = {
        Path(sys.modules[migration.__module__].__file__) for migration in MigrationLoader(None).disk_migrations.values()
    }
    files |= set((Path(settings.BASE_DIR) / "events").rglob("*.py"))
    digest = hashlib.sha256(django.__version__.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(path.anchor)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _migrated_cache(config):
    """Where a migrated, empty SQLite test database is kept between runs (pytest's cache directory, so
    `-p no:cacheprovider` turns it off); None where it cannot be used. Migrating takes ~5 s of CPU in each
    process (events/migrations/0001_squashed_0019_geo_region_gazetteer_id.py)."""
    in_memory_sqlite = connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME")
    if not in_memory_sqlite or getattr(config, "cache", None) is None:
        return None
    return config.cache.mkdir("migrated-db") / f"{_migrations_key()}.sqlite3"


def _seed_cache(config):
    """Where the seeded SQLite test database is kept between runs, beside the migrated one; None without a
    cache directory."""
    cache = getattr(config, "cache", None)
    return cache.mkdir("seeded-db") / f"{_seed_key()}.sqlite3" if cache is not None else None


# The process making the databases for this run's workers, in an xdist controller.
_PREPARING = {}


def _start_preparing(config):
    """With no migrated database kept from an earlier run (a clean clone, a changed migration), the workers each
    migrated one and loaded the seed into one, at the same time: an xdist controller has one process make both
    (tests/prepare_databases.py) while the workers start, and they wait for it (`_prepared`)."""
    migrated = _migrated_cache(config)
    if migrated is None or migrated.exists():
        return
    log = migrated.with_name("prepare.log").open("w")
    _PREPARING["process"] = subprocess.Popen(
        [sys.executable, "-m", "tests.prepare_databases", str(migrated), str(_seed_cache(config))],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kerman_site.settings.test"},
        stdout=log,
        stderr=log,
    )
    log.close()
    # Waited for here, so that once it ends its id names no process (a worker's `_prepared` stops waiting).
    threading.Thread(target=_PREPARING["process"].wait, daemon=True).start()


def _prepared(config, path):
    """Whether `path` exists, once the controller's process making it (`_start_preparing`) has made it or ended."""
    pid = getattr(config, "workerinput", {}).get("kerman_preparing_pid")
    deadline = time.monotonic() + 600
    while pid and not path.exists() and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    return path.exists()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """When a migrated database is cached (see `_migrated_cache`), the test database is made without running
    the migrations (Django's TEST MIGRATE=False: tables straight from the models) and then replaced by the
    cached one in `django_db_setup`."""
    cached = _migrated_cache(request.config)
    _MIGRATED_SQLITE["cache"] = cached
    if cached is not None and _prepared(request.config, cached):
        connection.settings_dict["TEST"]["MIGRATE"] = False


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """pytest-django's test database, also when only USE_THE_DATABASE fixtures need it (pytest-django sets
    up the databases that marked tests ask for, and the settings would otherwise still name the developer's
    own database); on SQLite, a copy of it straight after the migrations for `migrated_sqlite`."""
    from pytest_django.fixtures import _get_databases_for_setup

    items = request.session.items
    ours = None
    if DEFAULT_DB_ALIAS not in _get_databases_for_setup(items)[0] and any(
        USE_THE_DATABASE.intersection(item.fixturenames) for item in items
    ):
        with django_db_blocker.unblock():
            ours = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with django_db_blocker.unblock():
            connection.ensure_connection()
            cached = _MIGRATED_SQLITE.get("cache")
            if connection.settings_dict["TEST"].get("MIGRATE") is False:
                restore_sqlite(cached)
            path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
            copy = sqlite3.connect(path)
            _copy_sqlite(connection.connection, copy)
            copy.close()
            _MIGRATED_SQLITE["path"] = path
            if cached is not None and not cached.exists():
                # Another process (xdist) may be writing it too: each writes its own file, then renames.
                partial = cached.with_name(f"{cached.name}.{os.getpid()}")
                shutil.copyfile(path, partial)
                partial.replace(cached)
    yield
    if ours:
        with django_db_blocker.unblock():
            teardown_databases(ours, verbosity=0)


def _copy_sqlite(source, target):
    """Every page of one SQLite database onto another, replacing what it held (microseconds, in memory)."""
    source.backup(target)


def _sqlite_snapshots():
    return connection.vendor == "sqlite" and "path" in _MIGRATED_SQLITE


def _seed_key():
    """What the seeded database depends on besides the schema: the fixtures and the settings."""
    digest = hashlib.sha256(_migrations_key().encode())
    base = Path(settings.BASE_DIR)
    files = [Path(path) for path in fixture_files()] + sorted((base / "kerman_site" / "settings").glob("*.py"))
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def _seed_snapshot(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """On SQLite, a copy of the test database just after `load_archive` (a load is 4-5 s of CPU: the
    dry run that names broken records, loaddata, the first versions and revisions), copied in whole by
    `seeded`. Kept between runs beside the migrated database (see `_migrated_cache`), else made once per
    process. None on other databases."""
    if not _sqlite_snapshots():
        return None
    cached = _seed_cache(request.config)
    if cached is not None and _prepared(request.config, cached):
        return cached
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "the seed snapshot is taken outside any test's transaction"
        call_command("load_archive", stdout=StringIO())
        path = tmp_path_factory.mktemp("seeded") / "db.sqlite3"
        copy = sqlite3.connect(path)
        _copy_sqlite(connection.connection, copy)
        copy.close()
        restore_sqlite(_MIGRATED_SQLITE["path"])
    if cached is not None:
        # As for the migrated database: each process writes its own file, then renames it.
        partial = cached.with_name(f"{cached.name}.{os.getpid()}")
        shutil.copyfile(path, partial)
        partial.replace(cached)
    return path


def restore_sqlite(path):
    # A test before may have closed the connection (the database-fault tests do); the copy replaces every page
    # of whatever database the new connection opens.
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        _copy_sqlite(source, connection.connection)
    finally:
        source.close()
    ContentType.objects.clear_cache()


@pytest.fixture(scope="module")
def seeded(_seed_snapshot, django_db_setup, django_db_blocker):
    """The archive's seed, as `load_archive` leaves it, for a module's tests; each test's changes are rolled
    back. On SQLite it is a copy of one load made for the whole process, put in place for the module and
    swapped back for the migrated, empty database after it; elsewhere the module loads the seed itself."""
    if _seed_snapshot is None:
        yield from _module_transaction(django_db_blocker, _POSTGRES_SEED.load)
        return
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "`seeded` cannot share a module with other `module_rows`"
        restore_sqlite(_seed_snapshot)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            restore_sqlite(_MIGRATED_SQLITE["path"])


MODULE_ROWS.add("seeded")


class _PostgresSeed:
    """On PostgreSQL, every table's rows as the first `load_archive` of the process left them, kept in memory
    in COPY's binary format. The first module to ask loads the seed (3-6 s each time, a dozen times a run);
    later ones empty every table and copy the rows back (80 ms; DELETE, as TRUNCATE took half a second),
    inside the module's transaction like the load, so the rollback still brings back what was there.
    Sequences only move forward, so a row made after the copy never takes an id the copy holds."""

    def __init__(self):
        self.rows = None

    def load(self):
        if self.rows is None:
            call_command("load_archive", stdout=StringIO())
            self.rows = self._take()
        else:
            self._put_back()
            ContentType.objects.clear_cache()

    @staticmethod
    def _tables(cursor):
        return [name for name in connection.introspection.table_names(cursor) if name != "django_migrations"]

    def _take(self):
        rows = {}
        with connection.cursor() as cursor:
            for table in self._tables(cursor):
                quoted = connection.ops.quote_name(table)
                with cursor.cursor.copy(f"COPY {quoted} TO STDOUT (FORMAT binary)") as copy:
                    rows[table] = b"".join(bytes(block) for block in copy)
        return rows

    def _put_back(self):
        with connection.cursor() as cursor:
            tables = self._tables(cursor)
            assert set(tables) == set(self.rows), "the schema changed after the seed was taken"
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            for table, data in self.rows.items():
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data)
            # Each sequence that fills a column of these tables, in one query, then all moved in one statement.
            cursor.execute(
                "SELECT s.relname, t.relname, a.attname FROM pg_class s"
                " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass"
                " AND d.refclassid = 'pg_class'::regclass"
                " JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
                " JOIN pg_class t ON t.oid = d.refobjid AND pg_catalog.pg_table_is_visible(t.oid)"
                " WHERE s.relkind = 'S'"
            )
            quote = connection.ops.quote_name
            moves = [
                f"setval('{quote(sequence)}', GREATEST((SELECT MAX({quote(column)}) FROM {quote(table)}),"
                f" (SELECT last_value FROM {quote(sequence)}), 1))"
                for sequence, table, column in cursor.fetchall()
                if table in self.rows
            ]
            if moves:
                cursor.execute(f"SELECT {', '.join(moves)}")


_POSTGRES_SEED = _PostgresSeed()


@pytest.fixture(scope="session")
def migrated_sqlite(django_db_setup, tmp_path_factory):
    """A migrated SQLite database file, for tests that run the site in a subprocess: copy it, never write
    to it. Migrating a new database takes ~5 s of CPU, so each copy saves that."""
    if "path" not in _MIGRATED_SQLITE:
        # The test database is not SQLite (PostgreSQL in CI): migrate one file, once, in a subprocess.
        path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "kerman_site.settings.test",
                "DATABASE_URL": f"sqlite:///{path}",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        _MIGRATED_SQLITE["path"] = path
    return _MIGRATED_SQLITE["path"]


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a superuser with staff access, as an editor-in-chief would be."""
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "correct horse battery")
    client.force_login(user)
    return client


def member_of(group_name, username):
    """A staff user whose only rights come from one of the groups the migrations create."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return member_of("Editor", "ed")


@pytest.fixture
def reviewer(db):
    return member_of("Reviewer", "rev")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client
