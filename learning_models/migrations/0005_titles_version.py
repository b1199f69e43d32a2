"""The title catalogue's version token (core.DataVersion "titles"), replaced by the database whenever a title
type or a target changes, or a unit is renamed (a target's basis names the province that set it): the titles and
targets a dashboard shows are kept between requests under it (reports.documents.title_types)."""

from django.db import migrations

from core.migration_operations import WatchTables


class Migration(migrations.Migration):
    dependencies = [
        ("learning_models", "0004_target_years_and_recognition_only_sets"),
        ("chapters", "0014_roles_version"),
        ("core", "0003_data_version"),
    ]

    operations = [
        WatchTables(
            "titles",
            [
                ("learning_models_titletype", ["INSERT", "DELETE", "UPDATE"]),
                ("learning_models_target", ["INSERT", "DELETE", "UPDATE"]),
                ("chapters_unit", ["UPDATE OF name, kind, division_type"]),
            ],
        ),
    ]
