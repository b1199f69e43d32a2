"""core.migration_operations.SetFillFactor: the tables rewritten in place leave room on their pages (a PostgreSQL
storage parameter; elsewhere the operation writes nothing)."""

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState

from core.migration_operations import SetFillFactor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage parameter"),
]


def fillfactor(table: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        options = cursor.fetchone()[0] or []
    return next((int(o.split("=")[1]) for o in options if o.startswith("fillfactor=")), None)


@pytest.mark.parametrize("table", ["chapters_summary", "funds_fund", "funds_vouchercounter"])
def test_the_migrations_leave_room_on_the_pages_of_tables_rewritten_in_place(table):
    assert fillfactor(table) == 75


def test_the_operation_sets_and_resets_the_fill_factor_and_refuses_nonsense():
    operation = SetFillFactor("chapters_unit", 90)
    state = ProjectState()
    with connection.schema_editor(atomic=True) as editor:
        operation.database_forwards("chapters", editor, state, state)
    assert fillfactor("chapters_unit") == 90
    with connection.schema_editor(atomic=True) as editor:
        operation.database_backwards("chapters", editor, state, state)
    assert fillfactor("chapters_unit") is None
    assert operation.deconstruct() == ("SetFillFactor", [], {"table": "chapters_unit", "fillfactor": 90})
    with pytest.raises(ValueError):
        SetFillFactor("chapters_unit", 5)
