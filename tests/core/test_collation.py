"""Sort keys sort byte by byte in the database too, whatever collation the PostgreSQL database was created with."""

import pytest
from django.db import connection

from core.text import sort_key
from tests.factories import UnitFactory

KEY_COLUMNS = [
    "chapters_unit",
    "members_member",
    "members_household",
    "members_clan",
    "learning_models_titlerecord",
    "learning_models_classparticipant",
    "awards_scholarship",
    "awards_recipient",
]


@pytest.mark.django_db
def test_sort_key_columns_use_byte_order_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares bytes already (BINARY collation)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'sort_key' AND table_name = ANY(%s)",
            [KEY_COLUMNS],
        )
        collations = dict(cursor.fetchall())
    assert collations == dict.fromkeys(KEY_COLUMNS, "C")


@pytest.mark.django_db
def test_the_database_orders_names_as_the_keys_say(tree):
    names = ["Chi hội Dũng", "Chi hội Dung", "Chi hội Dung Hà", "Chi hội Đức", "Chi hội Hà", "Chi hội An"]
    units = [UnitFactory(parent=tree.other_commune, name=name) for name in names]
    in_python = [u.pk for u in sorted(units, key=lambda u: u.sort_key)]
    in_database = list(
        type(units[0]).objects.filter(pk__in=[u.pk for u in units]).order_by("sort_key").values_list("pk", flat=True)
    )
    assert in_database == in_python
    assert sort_key("Dung") < sort_key("Dũng") < sort_key("Đức")
