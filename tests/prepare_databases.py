"""The migrated, empty test database and the seeded one, made as a test process makes them and saved to the files
named on the command line. An xdist run starts this once, while its workers start (tests/conftest.py,
`_start_preparing`): each worker made both itself before, at the same time as the other, when they were not yet
kept from an earlier run (a clean clone, a changed migration): two migrations of ~5 s of CPU, two loads of the seed.

    python -m tests.prepare_databases MIGRATED SEEDED
"""

import os
import sqlite3
import sys
from io import StringIO
from pathlib import Path


def save(connection, path):
    """Every page of the connection's database, written beside `path` and renamed onto it when whole."""
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    partial.replace(path)


def main(migrated, seeded):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kerman_site.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    setup_databases(verbosity=0, interactive=False, aliases={"default"})
    save(connection, migrated)
    call_command("load_archive", stdout=StringIO())
    save(connection, seeded)


if __name__ == "__main__":
    main(*(Path(argument) for argument in sys.argv[1:3]))
