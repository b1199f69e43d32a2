"""Migration operations Django has no word for."""

from django.db.migrations.operations.base import Operation


class SetFillFactor(Operation):
    """PostgreSQL's fill factor of a table: how full an insert leaves each page (elsewhere: nothing to do).

    Room on a page lets the next version of a row stay on it, a heap-only (HOT) update that writes no index entry,
    when no indexed column changes: for tables whose rows are rewritten in place again and again (summary values,
    balances, counters). Rows already stored keep their pages until the table is rewritten (VACUUM FULL)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, fillfactor: int):
        if not 10 <= fillfactor <= 100:
            raise ValueError("fillfactor is between 10 and 100")
        self.table, self.fillfactor = table, fillfactor

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"table": self.table, "fillfactor": self.fillfactor}

    def state_forwards(self, app_label, state):
        pass

    def _alter(self, schema_editor, clause: str) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(self.table)} {clause}")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._alter(schema_editor, f"SET (fillfactor = {int(self.fillfactor)})")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._alter(schema_editor, "RESET (fillfactor)")

    def describe(self):
        return f"Set the fill factor of {self.table} to {self.fillfactor}"
