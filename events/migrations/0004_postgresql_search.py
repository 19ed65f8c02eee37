"""PostgreSQL only: the unaccent extension and an accent-folding text search configuration.

Search on PostgreSQL uses full-text search with the `archive` configuration, so that "Erdogan" matches
"Erdoğan". On SQLite this migration does nothing (events/search.py folds accents with a registered function).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'archive') THEN
            CREATE TEXT SEARCH CONFIGURATION archive (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION archive
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END
    $$
    """,
]
DROP = ["DROP TEXT SEARCH CONFIGURATION IF EXISTS archive"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("events", "0003_editor_and_reviewer_groups")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
