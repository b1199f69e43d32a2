"""Sort keys compare byte by byte on PostgreSQL whatever the database's collation (core.collation)."""

from django.db import migrations

from core.collation import byte_order


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0001_initial"),
        ("chapters", "0005_tree_version"),
    ]

    operations = [
        byte_order("awards_scholarship", "sort_key"),
        byte_order("awards_recipient", "sort_key"),
    ]
