"""The users' roles' version token (core.DataVersion "roles"), replaced by the database whenever a role changes:
each user's scope is kept between requests under it and the tree's version (chapters.scoping)."""

from django.db import migrations

from core.migration_operations import WatchTables


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0013_summary_fillfactor"),
        ("core", "0003_data_version"),
    ]

    operations = [
        WatchTables("roles", [("chapters_role", ["INSERT", "DELETE", "UPDATE"])]),
    ]
