"""Sort keys compare byte by byte on PostgreSQL whatever the database's collation (chapters.db.collation)."""

from django.db import migrations

from chapters.db.collation import byte_order


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0005_tree_version"),
    ]

    operations = [
        byte_order("chapters_unit", "sort_key"),
    ]
