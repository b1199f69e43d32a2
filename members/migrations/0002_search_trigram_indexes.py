"""Trigram indexes for the accent-free search (LIKE '%...%') on PostgreSQL: the member list answers a search on a
province's 3,000,000 members from the index instead of a scan. A PostgreSQL-only speed-up with a correct
fallback: on other databases, or where the pg_trgm extension cannot be created, nothing is done and the same
query simply scans."""

from django.db import DatabaseError, migrations, transaction

INDEXES = [
    ("member_search_trgm", "members_member"),
    ("household_search_trgm", "members_household"),
]


def _has_trigrams(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return False  # not allowed to create extensions here: search works without the index
    return True


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not _has_trigrams(connection):
        return
    with connection.cursor() as cursor:
        for name, table in INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_key gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
