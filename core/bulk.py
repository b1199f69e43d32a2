"""Many rows updated at once, with a history row each: one UPDATE … FROM (VALUES …) per batch on PostgreSQL.

Django's `bulk_update` writes one `CASE WHEN id = … THEN …` per row and field; building that expression in Python
is most of its time (10.8 s of 13.9 s for 1,000 title records' scores, the UPDATE itself 0.5 s). A VALUES list
carries the same rows as parameters, typed by each field's own cast type. Other databases keep `bulk_update`.
"""

from collections.abc import Sequence

from django.db import connections, router, transaction
from django.db.models import Model
from simple_history.utils import get_history_manager_for_model

BATCH = 2000


def values_update(model: type[Model], objs: Sequence[Model], fields: Sequence[str], *, batch_size: int | None = None):
    """Write `fields` of `objs` (already set on the objects) to their rows; returns the number of rows updated."""
    if not objs or not fields:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_update(objs, fields, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    names = ["pk", *(f"f{index}" for index in range(len(columns)))]
    casts = [pk.cast_db_type(connection), *(field.cast_db_type(connection) for field in columns)]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.f{index}" for index, field in enumerate(columns))
    table = quote(meta.db_table)
    size = batch_size or BATCH
    updated = 0
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns)
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))}) "
                f"AS v({', '.join(names)}) WHERE t.{quote(pk.column)} = v.pk",
                params,
            )
            updated += cursor.rowcount
    return updated


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
