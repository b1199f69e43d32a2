"""Sort keys compare byte by byte on PostgreSQL whatever the database's collation (core.collation)."""

from django.db import migrations

from core.collation import byte_order


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0005_tree_version"),
    ]

    operations = [
        byte_order("chapters_unit", "sort_key"),
    ]
