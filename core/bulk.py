"""Many rows written at once, with a history row each — the one bulk writer every import kind, service and dataset
generator uses.

New rows: PostgreSQL COPY (ids reserved from the table's sequence first), with the same "+" history rows
`simple_history.utils.bulk_create_with_history` writes; the speed comes from COPY instead of multi-row INSERT
statements, not from skipping anything (each field's `pre_save` and database preparation run as in `bulk_create`;
the preparation is only skipped for values it would return unchanged: `preparer`).

Changed rows: one UPDATE … FROM unnest(…) per batch on PostgreSQL. Django's `bulk_update` writes one
`CASE WHEN id = … THEN …` per row and field; building that expression in Python is most of its time (10.8 s of
13.9 s for 1,000 title records' scores, the UPDATE itself 0.5 s). The batch travels as one array per column, typed
by the column (text for character columns, so that a value too long for its column is refused, not cut short by a
cast). Rows may be given as objects (`values_update`) or as values (`values_update_rows`). Other databases keep
`bulk_update`.

Values that only ever rise (voucher counters): `raise_to`, one INSERT … ON CONFLICT … DO UPDATE … WHERE per batch,
from arrays on PostgreSQL and from a VALUES list on SQLite.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, connections, router, transaction
from django.db import models as m
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

BATCH = 2000


def postgres() -> bool:
    return connection.vendor == "postgresql"


# Field classes (exact) that take a value of these exact types as it is: their database preparation returns it
# unchanged, so the bulk writer writes it as it is (a province-wide file prepares ~1 million values; the rest still go
# through the field), and so does their `to_python`, so an import's field check takes it as it is when it is within
# the field's limits (`core.spreadsheets.validation.fields_clean`).
AS_GIVEN: dict[type, tuple[type, ...]] = {
    m.CharField: (str,),
    m.TextField: (str,),
    m.IntegerField: (int,),
    m.BigIntegerField: (int,),
    m.SmallIntegerField: (int,),
    m.PositiveIntegerField: (int,),
    m.PositiveBigIntegerField: (int,),
    m.PositiveSmallIntegerField: (int,),
    m.BooleanField: (bool,),
    m.DateField: (datetime.date,),
    m.AutoField: (int,),
    m.BigAutoField: (int,),
}


def preparer(field, connection=connection) -> Callable:
    """`value -> database value` for `field`: `field.get_db_prep_save`, skipped on PostgreSQL for values it would
    return as they are (exact types only: a datetime in a DateField, a bool in an IntegerField still go through it)."""
    target = field.target_field if isinstance(field, m.ForeignKey) else field
    kinds = AS_GIVEN.get(type(target))
    prepare = field.get_db_prep_save
    if connection.vendor != "postgresql":  # SQLite's adapters turn dates and times into text
        return lambda value: prepare(value, connection)
    if type(target) is m.DateTimeField:
        # An aware datetime is returned as it is (a naive one is made aware first, with a warning): `recorded_at`
        # of each membership, `erased_at` of each member and history row (150,000 values for 50,000 members).
        return lambda value: (
            value
            if value is None or (type(value) is datetime.datetime and value.tzinfo is not None)
            else prepare(value, connection)
        )
    if kinds is None:
        return lambda value: prepare(value, connection)
    return lambda value: value if value is None or type(value) in kinds else prepare(value, connection)


def copy_rows(model: type[Model], columns: list[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` (tuples in `columns` order, database-ready values) into `model`'s table (PostgreSQL only).
    Returns the count."""
    count = 0
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (tuples in `columns` order: attribute names such as `unit_id`, or columns) into `model`'s table
    without building a model instance per row: COPY on PostgreSQL (database-ready values, as for `copy_rows`), one
    `executemany` elsewhere, each value prepared by its field. Returns the count."""
    if postgres():
        return copy_rows(model, list(columns), rows)
    by_name = {}
    for field in model._meta.concrete_fields:
        by_name[field.attname] = by_name[field.column] = field
    fields = [by_name[column] for column in columns]
    prepared = [_prepared_for_insert(field) for field in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    count = 0

    def ready():
        nonlocal count
        for row in rows:
            count += 1
            yield [prepare(value) for prepare, value in zip(prepared, row, strict=True)]

    with connection.cursor() as cursor:
        cursor.executemany(sql, ready())
    return count


def _prepared_for_insert(field) -> Callable:
    """`value -> database value` for `insert_rows` off PostgreSQL: strings, integers and booleans as they are,
    anything else through the field once per distinct value (a timestamp repeated down a column of 500,000 rows)."""
    target = field.target_field if isinstance(field, m.ForeignKey) else field
    kinds = tuple(k for k in AS_GIVEN.get(type(target), ()) if k in (str, int, bool))
    prepare = field.get_db_prep_save
    if kinds:
        return lambda value: value if value is None or type(value) in kinds else prepare(value, connection)
    done: dict = {}

    def once(value):
        key = (type(value), value)  # 1, 1.0 and True are equal keys, and a JSON field writes each its own way
        try:
            return done[key]
        except KeyError:
            done[key] = prepare(value, connection)
            return done[key]
        except TypeError:  # not hashable
            return prepare(value, connection)

    return once


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` new ids from the table's sequence (safe alongside other writers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def history_copy(
    model: type[Model], objects: Sequence[Model], *, history_type: str, user=None, reason: str = "", date=None
):
    """The history rows of `objects` ("+" created, "~" changed) with COPY: the rows simple-history's bulk helpers
    would write (PostgreSQL only). `date`: when the change happened (default now)."""
    historical = get_history_manager_for_model(model).model
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    extras = {"history_date": date or timezone.now(), "history_change_reason": (reason or "")[:100] or None,
              "history_type": history_type, "history_user_id": user_id}  # fmt: skip
    tracked = [f for f in historical._meta.concrete_fields if f.attname != "history_id"]
    prepared = [(f.attname, preparer(f)) for f in tracked if f.attname not in extras]
    columns = [f.column for f in tracked if f.attname not in extras] + [
        f.column for f in tracked if f.attname in extras
    ]
    tail = [extras[f.attname] for f in tracked if f.attname in extras]
    copy_rows(
        historical,
        columns,
        ([prepare(getattr(obj, attname)) for attname, prepare in prepared] + tail for obj in objects),
    )


def create(model: type[Model], objects: list[Model], *, batch_size: int = 5000) -> list[Model]:
    """Insert rows without history (memberships): COPY on PostgreSQL, bulk_create elsewhere."""
    if not objects:
        return objects
    if not postgres():
        return model._default_manager.bulk_create(objects, batch_size=batch_size)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    prepared = [(f, preparer(f)) for f in fields]
    copy_rows(
        model,
        [f.column for f in fields],
        ([prepare(f.pre_save(obj, True)) for f, prepare in prepared] for obj in objects),
    )
    return objects


def create_with_history(
    model: type[Model], objects: list[Model], *, user=None, reason: str = "", batch_size: int = 1000, date=None
) -> list[Model]:
    """Insert `objects` and one "+" history row each (dated `date`, default now); on PostgreSQL with COPY. The
    objects get their ids."""
    if not objects:
        return objects
    if not postgres():
        return bulk_create_with_history(
            objects, model, batch_size=batch_size, default_user=user, default_change_reason=reason, default_date=date
        )
    for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    prepared = [(f, preparer(f)) for f in fields]
    with transaction.atomic(savepoint=False):
        copy_rows(
            model,
            [f.column for f in fields],
            ([prepare(f.pre_save(obj, True)) for f, prepare in prepared] for obj in objects),
        )
        history_copy(model, objects, history_type="+", user=user, reason=reason, date=date)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


def keys_joined_in_database(connection) -> bool:
    """Whether `rows_matching` joins the keys in the database (PostgreSQL) or filters a superset here."""
    return connection.vendor == "postgresql"


def _array_type(field, connection) -> str:
    """The type a key's values travel as: the column's, but text for character columns (a cast to varchar(n)
    would cut a longer value short, and then find the row it was cut to)."""
    cast = field.cast_db_type(connection)
    return "text" if cast.startswith("varchar") or cast.startswith("char") else cast


def pks_matching(model: type[Model], fields: Sequence[str], keys: Iterable[tuple]) -> list[int]:
    """Ids of the rows of `model` whose `fields` (plain columns, in that order) equal one of `keys`
    (`rows_matching`)."""
    return [row[0] for row in rows_matching(model, fields, keys)]


def rows_matching(model: type[Model], fields: Sequence[str], keys: Iterable[tuple]) -> list[tuple]:
    """(id, *key) of the rows of `model` whose `fields` (plain columns, in that order) equal one of `keys`.

    On PostgreSQL the keys travel as one array per field and are joined with the table (`unnest`), so only the
    matches are read, through whatever index covers the fields. Elsewhere (the embedded SQLite) a superset — each
    field IN the values the keys hold for it, 1,000 keys at a time — is read as bare tuples and filtered here. The
    superset is what made the join worth it: the vouchers numbered like a file's, in the 10,000 funds it touches,
    are ~500,000 rows for 10,000 new ones (and members' namesakes in the chapters of a file, 4.8 s for 50,000)."""
    keys = sorted(set(keys))
    if not keys:
        return []
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    alias = router.db_for_read(model)
    connection = connections[alias]
    if keys_joined_in_database(connection):
        quote = connection.ops.quote_name
        names = [f"k{index}" for index in range(len(columns))]
        arrays = ", ".join(f"%s::{_array_type(field, connection)}[]" for field in columns)
        on = " AND ".join(f"t.{quote(field.column)} = k.{name}" for field, name in zip(columns, names, strict=True))
        selected = ", ".join(f"t.{quote(field.column)}" for field in [meta.pk, *columns])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {selected} FROM unnest({arrays}) AS k({', '.join(names)}) "
                f"JOIN {quote(meta.db_table)} t ON {on}",
                [list(values) for values in zip(*keys, strict=True)],
            )
            return [tuple(row) for row in cursor.fetchall()]
    matches = []
    attnames = [field.attname for field in columns]
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        wanted = set(chunk)
        lookups = {f"{name}__in": {key[index] for key in chunk} for index, name in enumerate(attnames)}
        rows = model._default_manager.using(alias).filter(**lookups).order_by().values_list("pk", *attnames)
        matches += [row for row in rows if tuple(row[1:]) in wanted]
    return matches


def values_update(model: type[Model], objs: Sequence[Model], fields: Sequence[str], *, batch_size: int | None = None):
    """Write `fields` of `objs` (already set on the objects) to their rows; returns the number of rows updated."""
    if not objs or not fields:
        return 0
    alias = router.db_for_write(model)
    if connections[alias].vendor != "postgresql":
        return model._default_manager.using(alias).bulk_update(objs, fields, batch_size=batch_size)
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = [(obj.pk, *(getattr(obj, name) for name in attnames)) for obj in objs]
    return values_update_rows(model, fields, rows, batch_size=batch_size)


def values_update_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence], *, batch_size=None) -> int:
    """`values_update` for rows given as values, (pk, value of each field…): no model instance is built for them (a
    voucher file writes the balances of 10,000 funds). Returns the number of rows updated."""
    if not rows or not fields:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objs = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for field, value in zip(columns, values, strict=True):
                setattr(obj, field.attname, value)
            objs.append(obj)
        return model._default_manager.using(alias).bulk_update(objs, fields, batch_size=batch_size)
    pk = meta.pk
    prepare = [preparer(pk, connection), *(preparer(field, connection) for field in columns)]
    quote = connection.ops.quote_name
    names = ["pk", *(f"f{index}" for index in range(len(columns)))]
    arrays = ", ".join(f"%s::{_array_type(field, connection)}[]" for field in [pk, *columns])
    assignments = ", ".join(f"{quote(field.column)} = v.f{index}" for index, field in enumerate(columns))
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "
        f"WHERE t.{quote(pk.column)} = v.pk"
    )
    size = batch_size or BATCH
    updated = 0
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(sql, _columns(prepare, chunk))
            updated += cursor.rowcount
    return updated


def _columns(prepare: Sequence[Callable], rows: Sequence[Sequence]) -> list[list]:
    """The database values of `rows`, one list per column (`unnest`'s arrays)."""
    return [[ready(value) for value in column] for ready, column in zip(prepare, zip(*rows, strict=True), strict=True)]


def raise_to(model: type[Model], keys: Sequence[str], field: str, rows: Iterable[Sequence]) -> int:
    """Make `field` at least the given value in the rows named by `keys` (attribute names making a unique constraint
    of `model`): a missing row is inserted with it, a lower stored value is raised, a higher one is kept. `rows`:
    (key values…, value), each key once. One INSERT … ON CONFLICT … DO UPDATE per batch, in the keys' order (writers
    lock rows in one order), on PostgreSQL and SQLite alike: a voucher import moves 10,000 funds' counters past the
    numbers it wrote in as many statements as batches, instead of an insert, a locking read and an update of them
    all. Returns the number of rows inserted or raised."""
    rows = sorted(tuple(row) for row in rows)
    if not rows:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [meta.get_field(name) for name in [*keys, field]]
    quote = connection.ops.quote_name
    table, column = quote(meta.db_table), quote(fields[-1].column)
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = ", ".join(quote(f.column) for f in fields[:-1])
    prepare = [preparer(f, connection) for f in fields]
    if connection.vendor == "postgresql":  # one array per column (`values_update_rows`), in the keys' order
        names = [f"v{index}" for index in range(len(fields))]
        arrays = ", ".join(f"%s::{_array_type(f, connection)}[]" for f in fields)
        select = f"SELECT * FROM unnest({arrays}) AS v({', '.join(names)}) ORDER BY {', '.join(names[:-1])}"
        size = BATCH

        def source(chunk):
            return select, _columns(prepare, chunk)

    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = min(BATCH, connection.ops.bulk_batch_size(fields, rows))

        def source(chunk):
            params = [ready(value) for values in chunk for ready, value in zip(prepare, values, strict=True)]
            return f"VALUES {', '.join([row] * len(chunk))}", params

    written = 0
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            values, params = source(rows[start : start + size])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) {values} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {column} = EXCLUDED.{column} "
                f"WHERE {table}.{column} < EXCLUDED.{column}",
                params,
            )
            written += cursor.rowcount
    return written


def bulk_update_with_history(
    objs: Sequence[Model],
    model: type[Model],
    fields: Sequence[str],
    *,
    batch_size: int | None = None,
    default_user=None,
    default_change_reason: str | None = None,
    default_date=None,
) -> int:
    """simple_history's `bulk_update_with_history`, writing through `values_update`: the rows and one history
    row each, in one transaction."""
    with transaction.atomic(using=router.db_for_write(model), savepoint=False):
        updated = values_update(model, objs, fields, batch_size=batch_size)
        get_history_manager_for_model(model).bulk_history_create(
            objs,
            batch_size=batch_size,
            update=True,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
        )
    return updated
