"""Sort keys compare byte by byte on PostgreSQL whatever the database's collation (core.collation)."""

from django.db import migrations

from core.collation import byte_order


class Migration(migrations.Migration):
    dependencies = [
        ("learning_models", "0002_shipped_catalogue"),
        ("chapters", "0005_tree_version"),
    ]

    operations = [
        byte_order("learning_models_titlerecord", "sort_key"),
        byte_order("learning_models_classparticipant", "sort_key"),
    ]
