"""An index on (unit, folded head name) of households, for the import's namesake check
(members/imports/households.py `_namesakes`). The folded head name is the first part of the search key; the index
is on that expression, which Django's own indexes cannot name on every database: PostgreSQL only (elsewhere the
check reads the units' households)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS household_unit_head ON members_household (unit_id, split_part(search_key, ' | ', 1))"
)
DROP = "DROP INDEX IF EXISTS household_unit_head"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("members", "0008_access_log_households_and_clans")]

    operations = [migrations.RunPython(forward, backward)]
