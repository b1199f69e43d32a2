"""Writing many units at once for the data commands (load_divisions, generate_dataset).

The rows are the ones `chapters.services.tree.unit_create` writes (the unit with its derived columns, its
history record, its first parent link and name record), inserted in bulk so that a country's 3,355 divisions
or a province's 10,000 chapters load in seconds. Summaries are refreshed once by the caller.
"""

import datetime

from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from simple_history.utils import bulk_create_with_history

from chapters.models import Lineage, ParentLink, Unit, UnitName
from chapters.models.tree import PATH_SEPARATOR

BATCH = 2000


def unit_build(**fields) -> Unit:
    """An unsaved unit with the derived columns `Unit.save` would compute (all but the path, which needs the id)."""
    unit = Unit(**fields)
    unit.set_derived()
    unit.version = 1
    unit.path = ""
    return unit


@transaction.atomic
def units_bulk_create(units: list[Unit], *, reason: str, history_date: datetime.datetime | None = None) -> list[Unit]:
    """Insert `units` (built with `unit_build`; parents already saved or earlier in the list) with their history,
    parent links and names, then fill in paths and depths level by level in SQL. Returns the saved units."""
    if not units:
        return []
    created = bulk_create_with_history(
        units, Unit, batch_size=BATCH, default_change_reason=reason[:100], default_date=history_date
    )
    paths_fill()
    # A unit created already closed (a pre-reform division) has its link and name closed on its last day, as
    # unit_close would leave them.
    ParentLink.objects.bulk_create(
        [
            ParentLink(unit_id=u.pk, parent_id=u.parent_id, valid_from=u.active_from, valid_until=u.active_until)
            for u in created
            if u.parent_id
        ],
        batch_size=BATCH,
    )
    UnitName.objects.bulk_create(
        [
            UnitName(unit_id=u.pk, name=u.name, code=u.code, valid_from=u.active_from, valid_until=u.active_until)
            for u in created
        ],
        batch_size=BATCH,
    )
    paths = dict(Unit.objects.filter(pk__in=[u.pk for u in created]).values_list("pk", "path"))
    for unit in created:
        unit.path = paths[unit.pk]
        unit.depth = unit.path.count(PATH_SEPARATOR) - 1
    return created


@transaction.atomic
def lineages_bulk_create(links: list[Lineage]) -> list[Lineage]:
    """Insert lineage rows (predecessor → successor, kind, date, primary) as `unit_merge` and `unit_split` write
    them, for predecessors created already closed: they hold no open unit to hand over."""
    return Lineage.objects.bulk_create(links, batch_size=BATCH)


def paths_fill() -> int:
    """Compute the materialised path of every unit that has none yet, one tree level per UPDATE."""
    as_text = Cast("pk", output_field=CharField())
    updated = Unit.objects.filter(path="", parent__isnull=True).update(
        path=Concat(Value(PATH_SEPARATOR), as_text, Value(PATH_SEPARATOR), output_field=CharField()), depth=1
    )
    parent = Unit.objects.filter(pk=OuterRef("parent_id"))
    while True:
        count = (
            Unit.objects.filter(path="", parent__isnull=False)
            .exclude(parent__path="")
            .update(
                path=Concat(
                    Subquery(parent.values("path")[:1]), as_text, Value(PATH_SEPARATOR), output_field=CharField()
                ),
                depth=Subquery(parent.values("depth")[:1]) + 1,
            )
        )
        updated += count
        if not count:
            return updated
