"""Byte-order collation for the sort keys (core.text.sort_key), as a migration operation.

The keys are built to sort correctly byte by byte ("." below every letter, " " below "."). PostgreSQL compares
text with the database's collation: a database created with a language collation (vi_VN.UTF-8, en_US.UTF-8)
ignores punctuation and spaces at first and would sort "Dung" and "Dũng" wrongly. The key columns are therefore
given the "C" collation on PostgreSQL. SQLite already compares bytes (BINARY), and does not know "C": nothing to do
there, which is why this is an operation and not `db_collation` on the fields.
"""

from django.db import migrations


def byte_order(table: str, column: str, max_length: int = 600) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({max_length}) COLLATE "C"'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({max_length}) COLLATE "default"'
            )

    return migrations.RunPython(forwards, backwards, elidable=False)
