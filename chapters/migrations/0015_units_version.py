"""The units' version token (core.DataVersion "units"), replaced by the database whenever any unit is added,
removed or changed in any column: the units a dashboard lists below a unit are kept between requests under it
(chapters.summaries.listed_units)."""

from django.db import migrations

from core.migration_operations import WatchTables


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0014_roles_version"),
        ("core", "0003_data_version"),
    ]

    operations = [
        WatchTables("units", [("chapters_unit", ["INSERT", "DELETE", "UPDATE"])]),
    ]
