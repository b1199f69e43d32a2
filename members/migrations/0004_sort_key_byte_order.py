"""Sort keys compare byte by byte on PostgreSQL whatever the database's collation (core.collation)."""

from django.db import migrations

from core.collation import byte_order


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_card_prefix_index"),
        ("chapters", "0005_tree_version"),
    ]

    operations = [
        byte_order("members_member", "sort_key"),
        byte_order("members_household", "sort_key"),
        byte_order("members_clan", "sort_key"),
    ]
