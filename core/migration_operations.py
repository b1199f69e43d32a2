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


class WatchTables(Operation):
    """Triggers that replace the token of `core.DataVersion` named `version` after every statement that changes
    one of `watched` ([(table, [event, …])], an event as SQL has it: "INSERT", "DELETE", "UPDATE",
    "UPDATE OF name, kind"), on PostgreSQL (also after TRUNCATE) and SQLite. The row is written with a fresh token
    if it is missing, so a row lost to a flush comes back at the next change, under a token never used before."""

    reversible = True

    def __init__(self, version: str, watched: list[tuple[str, list[str]]]):
        if not version.isidentifier():  # it names a row, a function and triggers
            raise ValueError(f"a version's name is a plain identifier: {version!r}")
        self.version, self.watched = version, [(table, list(events)) for table, events in watched]

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"version": self.version, "watched": self.watched}

    def state_forwards(self, app_label, state):
        pass

    def _function(self) -> str:
        return f"core_version_{self.version}_changed"

    def _trigger(self, table: str, event: str) -> str:
        return f"{table}_v_{self.version}_{event.split()[0].lower()}"

    def _events(self, vendor: str):
        for table, events in self.watched:
            for event in events:
                yield table, event
            if vendor == "postgresql":
                yield table, "TRUNCATE"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        name = self.version
        if vendor == "postgresql":
            fresh = "gen_random_uuid()::text"
            upsert = (
                f"INSERT INTO core_dataversion (name, token) VALUES ('{name}', {fresh}) "
                f"ON CONFLICT (name) DO UPDATE SET token = {fresh}"
            )
            schema_editor.execute(upsert)
            schema_editor.execute(
                f"CREATE FUNCTION {self._function()}() RETURNS trigger AS $$ BEGIN {upsert}; RETURN NULL; "
                "END $$ LANGUAGE plpgsql"
            )
            for table, event in self._events(vendor):
                schema_editor.execute(
                    f"CREATE TRIGGER {self._trigger(table, event)} AFTER {event} ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {self._function()}()"
                )
        elif vendor == "sqlite":
            fresh = "lower(hex(randomblob(16)))"
            upsert = f"INSERT OR REPLACE INTO core_dataversion (name, token) VALUES ('{name}', {fresh})"
            schema_editor.execute(upsert)
            for table, event in self._events(vendor):
                schema_editor.execute(
                    f"CREATE TRIGGER {self._trigger(table, event)} AFTER {event} ON {table} BEGIN {upsert}; END"
                )
        else:
            raise NotImplementedError(f"Cơ sở dữ liệu {vendor} chưa được hỗ trợ.")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        for table, event in self._events(vendor):
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._trigger(table, event)}{on}")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {self._function()}()")
        schema_editor.execute("DELETE FROM core_dataversion WHERE name = %s", [self.version])

    def describe(self):
        return f"Replace the data version {self.version!r} when {', '.join(t for t, _e in self.watched)} change"


class OnPostgreSQL(Operation):
    """`operation`'s change to the database on PostgreSQL only; its change to the models' state everywhere.

    For schema changes SQLite can only make by rebuilding the table (a new table, the rows copied, the old one
    dropped), which also drops the table's triggers (`WatchTables`, the tree's version): dropping an index that a
    composite index makes redundant is worth a moment's lock on PostgreSQL, not the embedded database's triggers.
    On SQLite the index stays; a later rebuild of the table (from the state) leaves it out."""

    def __init__(self, operation: Operation):
        self.operation = operation

    @property
    def reversible(self):
        return self.operation.reversible

    @property
    def reduces_to_sql(self):  # `sqlmigrate` shows the SQL it runs on PostgreSQL
        return self.operation.reduces_to_sql

    def deconstruct(self):
        return self.__class__.__qualname__, [self.operation], {}

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (on PostgreSQL)"
