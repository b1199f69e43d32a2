"""Changing the organisation tree: creating, moving, renaming, closing, merging and splitting units, and
answering "the tree as it stood on date D" (design.md §2)."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils import timezone

from chapters.models import Lineage, ParentLink, Unit, UnitName
from chapters.models.tree import PATH_SEPARATOR
from chapters.services.records import record_save
from chapters.signals import unit_moved
from core.bulk import bulk_update_with_history, create_with_history
from core.history import command_line, stamp
from core.text import nfc

ONE_DAY = datetime.timedelta(days=1)
BATCH = 2000


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@transaction.atomic
def unit_create(*, actor=None, reason: str = "", **fields) -> Unit:
    """Create one unit (the screens): validated like any record (ValidationError saves nothing), then written by
    `units_create`, the one writer of new units; a unit keyed in under a parent that has since merged follows it."""
    unit = unit_build(**fields)
    unit.full_clean()
    units_create([unit], user=actor, reason=reason or ("" if actor is not None else command_line()))
    _refresh_counts(unit)
    unit_follow_lineage(unit, actor=actor, reason=reason)
    return unit


def unit_build(**fields) -> Unit:
    """An unsaved unit with the derived columns `Unit.save` would compute (all but the path, which needs the id)."""
    unit = Unit(**fields)
    unit.set_derived()
    unit.version = 1
    unit.path = ""
    return unit


@transaction.atomic
def units_create(
    units: list[Unit],
    *,
    user=None,
    reason: str = "",
    history_date: datetime.datetime | None = None,
    batch_size: int = BATCH,
) -> list[Unit]:
    """The one writer of new units — the screens (through `unit_create`), the units import and the data commands
    (`load_divisions`, `generate_dataset`): each unit (built with `unit_build`) with its history record, its
    first parent link and name record (closed on its last day for a unit created already closed, as `unit_close`
    leaves them), then paths and depths filled level by level in SQL. A parent may be another unit of the same
    list (a units file defining a commune and its chapters): parents are written first. Validation, summaries
    and lineage are the caller's. Returns the units, saved."""
    if not units:
        return []
    history_user = user if getattr(user, "is_authenticated", False) else None
    parent_field = Unit._meta.get_field("parent")
    listed = {id(unit) for unit in units}
    depths: dict[int, int] = {}

    def depth_of(unit: Unit) -> int:
        if id(unit) not in depths:
            parent = parent_field.get_cached_value(unit, default=None)
            waits = parent is not None and parent.pk is None and id(parent) in listed
            depths[id(unit)] = depth_of(parent) + 1 if waits else 0
        return depths[id(unit)]

    layers: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        layers[depth_of(unit)].append(unit)
    for level in sorted(layers):
        layer = layers[level]
        if level:
            for unit in layer:
                unit.parent = unit.parent  # the parent written in the layer before now has its id
        create_with_history(
            Unit, layer, user=history_user, reason=reason[:100], batch_size=batch_size, date=history_date
        )
    paths_fill()
    ParentLink.objects.bulk_create(
        [
            ParentLink(unit_id=u.pk, parent_id=u.parent_id, valid_from=u.active_from, valid_until=u.active_until)
            for u in units
            if u.parent_id
        ],
        batch_size=batch_size,
    )
    UnitName.objects.bulk_create(
        [
            UnitName(unit_id=u.pk, name=u.name, code=u.code, valid_from=u.active_from, valid_until=u.active_until)
            for u in units
        ],
        batch_size=batch_size,
    )
    paths = dict(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("pk", "path"))
    for unit in units:
        unit.path = paths[unit.pk]
        unit.depth = unit.path.count(PATH_SEPARATOR) - 1
    return units


@transaction.atomic
def lineages_create(links: list[Lineage]) -> list[Lineage]:
    """Insert lineage rows (predecessor → successor, kind, date, primary) as `unit_merge` and `unit_split` write
    them, for predecessors created already closed: they hold no open unit to hand over."""
    return Lineage.objects.bulk_create(links, batch_size=BATCH)


@transaction.atomic
def units_set_coordinates(units: list[Unit], *, reason: str) -> None:
    """Write the latitude and longitude of `units` (set on the objects) with a history row each."""
    bulk_update_with_history(
        units, Unit, ["latitude", "longitude"], batch_size=BATCH, default_change_reason=reason[:100]
    )


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


def unit_follow_lineage(unit: Unit, *, actor=None, reason: str = "") -> None:
    """A unit created under a parent that has since merged or split (a chapter keyed in under a pre-reform
    commune) goes where the parent's open units went: to its primary successor, from the day after the parent
    closed, as `unit_merge` and `unit_split` move them."""
    for _step in range(10):
        parent = unit.parent
        if parent is None or parent.active_until is None:
            return
        if unit.active_until is not None and unit.active_until <= parent.active_until:
            return
        link = Lineage.objects.filter(predecessor=parent, primary=True).select_related("successor").first()
        on = parent.active_until + ONE_DAY
        if link is None or not link.successor.is_open_on(on) or (unit.active_from and unit.active_from > on):
            return
        if unit.level not in Unit.ALLOWED_CHILD_LEVELS.get(link.successor.level, set()):
            return
        unit_move(unit, new_parent=link.successor, on=on, actor=actor, reason=reason or f"Theo {link}")
        unit.refresh_from_db()


@transaction.atomic
def unit_backdate(
    unit: Unit,
    *,
    since: datetime.date | None,
    name: str,
    code: str,
    actor=None,
    reason="",
    refresh_summaries: bool = True,
) -> Unit:
    """Record that `unit` was already open before the day it was recorded to open (a province that carried on
    through the 2025 reform, first loaded with today's list): it opens on `since` (None: open since before any
    record), bearing `name` and `code` until the day before its recorded opening day if they differ from the
    ones it bore then. Its first parent link reaches back as well. A bulk caller that refreshes the summaries of
    many units at the end passes refresh_summaries=False."""
    unit.refresh_from_db()
    opened = unit.active_from
    if opened is None or (since is not None and since >= opened):
        return unit
    unit.active_from = since
    record_save(unit, actor=actor, reason=reason or f"Hoạt động từ trước {_fmt(opened)}")
    ParentLink.objects.filter(unit=unit, valid_from=opened).update(valid_from=since)
    first = UnitName.objects.filter(unit=unit, valid_from=opened).first()
    if first and (first.name, first.code) == (nfc(name), code):
        first.valid_from = since
        first.save()
    else:
        UnitName.objects.create(unit=unit, name=nfc(name), code=code, valid_from=since, valid_until=opened - ONE_DAY)
    if refresh_summaries:
        _refresh_counts(unit)
    return unit


@transaction.atomic
def unit_update(unit: Unit, *, actor=None, expected_version=None, on: datetime.date | None = None, reason="", **fields):
    """Edit a unit. A new name or code is recorded from `on` (default today) so reports keep the old one for
    earlier periods; a new parent moves the unit (and its subtree) from `on`."""
    on = on or timezone.localdate()
    before = Unit.objects.get(pk=unit.pk)
    new_parent = fields.pop("parent", before.parent)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.parent = before.parent
    record_save(unit, actor=actor, expected_version=expected_version, reason=reason)
    if nfc(unit.name) != before.name or unit.code != before.code:
        _record_name(unit, on)
    if (new_parent.pk if new_parent else None) != before.parent_id:
        unit_move(unit, new_parent=new_parent, on=on, actor=actor, reason=reason)
        unit.refresh_from_db()
    if (before.kind, before.host, before.level, before.active_from, before.active_until) != (
        unit.kind,
        unit.host,
        unit.level,
        unit.active_from,
        unit.active_until,
    ):
        _refresh_counts(unit)
    return unit


def _record_name(unit: Unit, on: datetime.date) -> None:
    current = unit.names.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if current and current.valid_from and current.valid_from >= on:
        current.name, current.code = unit.name, unit.code
        current.save()
        return
    if current:
        current.valid_until = on - ONE_DAY
        current.save()
    UnitName.objects.create(unit=unit, name=unit.name, code=unit.code, valid_from=on)


@transaction.atomic
def unit_move(unit: Unit, *, new_parent: Unit, on: datetime.date, actor=None, reason: str = "") -> Unit:
    """Put `unit` under `new_parent` from `on`; its subtree follows, and the old place stays in its history."""
    if new_parent is None:
        raise ValidationError({"parent": "Hãy chọn đơn vị cấp trên."})
    unit.refresh_from_db()
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "Không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị con của nó."})
    if not new_parent.is_open_on(on):
        raise ValidationError({"parent": f"{new_parent.display_name} không hoạt động vào ngày {_fmt(on)}."})
    unit.parent = new_parent
    unit.clean()
    ParentLink.objects.filter(unit=unit, valid_until__isnull=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lt=on)
    ).update(valid_until=on - ONE_DAY)
    # A link that would start on or after the move date is superseded by the move.
    ParentLink.objects.filter(unit=unit, valid_from__gte=on).delete()
    ParentLink.objects.create(unit=unit, parent=new_parent, valid_from=on)
    old_path = unit.path
    new_path = new_parent.path + f"{unit.pk}{PATH_SEPARATOR}"
    depth_change = new_path.count(PATH_SEPARATOR) - old_path.count(PATH_SEPARATOR)
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    stamp(unit, actor=actor, reason=reason or f"Chuyển về {new_parent.display_name} từ {_fmt(on)}")
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent, version=F("version") + 1)
    unit.refresh_from_db()
    if old_path != new_path:
        unit_moved.send(sender=Unit, unit=unit, old_path=old_path, new_path=new_path)
    _save_history_snapshot(unit, actor, reason or f"Chuyển về {new_parent.display_name} từ {_fmt(on)}")
    _tree_changed([unit.pk])
    return unit


def _save_history_snapshot(unit: Unit, actor, reason: str) -> None:
    """Record a history row for changes written with update() (moves), so they show on the unit's page."""
    record = unit.history.model(
        **{f.attname: getattr(unit, f.attname) for f in unit.history.model.tracked_fields},
        history_date=timezone.now(),
        history_type="~",
        history_change_reason=reason[:100],
        history_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.save()


@transaction.atomic
def unit_close(unit: Unit, *, on: datetime.date, actor=None, reason: str = "") -> Unit:
    """Close `unit`: `on` is the last day it was open. Units still open under it must be moved or closed first."""
    unit.refresh_from_db()
    if unit.active_until and unit.active_until < on:
        raise ValidationError(f"{unit.display_name} đã ngừng hoạt động từ {_fmt(unit.active_until)}.")
    if unit.active_from and on < unit.active_from:
        raise ValidationError(
            {
                "active_until": "Ngày ngừng hoạt động không được trước ngày bắt đầu hoạt động "
                f"({_fmt(unit.active_from)})."
            }
        )
    open_children = unit.children.filter(Q(active_until__isnull=True) | Q(active_until__gt=on))
    count = open_children.count()
    if count:
        raise ValidationError(
            f"{unit.display_name} còn {count} đơn vị trực thuộc đang hoạt động sau ngày {_fmt(on)}: "
            "hãy chuyển hoặc cho các đơn vị này ngừng hoạt động trước."
        )
    unit.active_until = on
    record_save(unit, actor=actor, reason=reason or f"Ngừng hoạt động từ sau {_fmt(on)}")
    ParentLink.objects.filter(unit=unit, valid_until__isnull=True).update(valid_until=on)
    UnitName.objects.filter(unit=unit, valid_until__isnull=True).update(valid_until=on)
    _refresh_counts(unit)
    _tree_changed([unit.pk])
    return unit


def _hand_over_children(predecessor: Unit, successor: Unit, on: datetime.date, actor, reason: str) -> int:
    moved = 0
    for child in predecessor.children.filter(Q(active_until__isnull=True) | Q(active_until__gte=on)):
        unit_move(child, new_parent=successor, on=on, actor=actor, reason=reason)
        moved += 1
    return moved


@transaction.atomic
def unit_merge(*, predecessors: list[Unit], successor: Unit, on: datetime.date, actor=None, decision: str = "") -> Unit:
    """Merge `predecessors` into `successor` from `on` (the first day of the merged unit).

    Each predecessor closes the day before, its open units move to the successor, and the lineage names the
    successor as primary so the predecessor's own facts follow it in today's tree.
    """
    if not predecessors:
        raise ValidationError("Hãy chọn ít nhất một đơn vị được sáp nhập.")
    if not successor.is_open_on(on):
        raise ValidationError(
            {
                "successor": f"Không thể sáp nhập vào {successor.display_name}: "
                f"đơn vị này không hoạt động vào ngày {_fmt(on)}."
            }
        )
    reason = f"Sáp nhập vào {successor.display_name} từ {_fmt(on)}" + (f" theo {decision}" if decision else "")
    for predecessor in predecessors:
        if predecessor.pk == successor.pk:
            raise ValidationError("Không thể sáp nhập một đơn vị vào chính nó.")
        if successor.path.startswith(predecessor.path):
            raise ValidationError(f"{successor.display_name} đang trực thuộc {predecessor.display_name}.")
        if not predecessor.is_open_on(on - ONE_DAY):
            raise ValidationError(f"{predecessor.display_name} không hoạt động vào ngày {_fmt(on - ONE_DAY)}.")
        _hand_over_children(predecessor, successor, on, actor, reason)
        unit_close(predecessor, on=on - ONE_DAY, actor=actor, reason=reason)
        Lineage.objects.update_or_create(
            predecessor=predecessor,
            successor=successor,
            defaults={
                "kind": Lineage.Kind.MERGE,
                "on": on,
                "primary": True,
                "decision": decision,
                "created_by": _user(actor),
            },
        )
    _tree_changed([*(p.pk for p in predecessors), successor.pk])
    return successor


@transaction.atomic
def unit_split(
    *,
    predecessor: Unit,
    successors: list[Unit],
    primary: Unit,
    on: datetime.date,
    assignments: dict[int, Unit] | None = None,
    actor=None,
    decision: str = "",
) -> list[Unit]:
    """Split `predecessor` between `successors` from `on`. `assignments` maps a child unit's id to the
    successor it goes to; children not named go to `primary`, which also receives the predecessor's own facts."""
    if len(successors) < 2:
        raise ValidationError("Chia tách cần ít nhất hai đơn vị kế thừa.")
    if primary not in successors:
        raise ValidationError("Đơn vị kế thừa chính phải là một trong các đơn vị kế thừa.")
    for successor in successors:
        if successor.pk == predecessor.pk or successor.path.startswith(predecessor.path):
            raise ValidationError(f"{successor.display_name} không thể kế thừa chính đơn vị bị chia tách.")
        if not successor.is_open_on(on):
            raise ValidationError(f"{successor.display_name} không hoạt động vào ngày {_fmt(on)}.")
    reason = f"Chia tách {predecessor.display_name} từ {_fmt(on)}" + (f" theo {decision}" if decision else "")
    assignments = assignments or {}
    for child in predecessor.children.filter(Q(active_until__isnull=True) | Q(active_until__gte=on)):
        unit_move(child, new_parent=assignments.get(child.pk, primary), on=on, actor=actor, reason=reason)
    unit_close(predecessor, on=on - ONE_DAY, actor=actor, reason=reason)
    for successor in successors:
        Lineage.objects.update_or_create(
            predecessor=predecessor,
            successor=successor,
            defaults={
                "kind": Lineage.Kind.SPLIT,
                "on": on,
                "primary": successor.pk == primary.pk,
                "decision": decision,
                "created_by": _user(actor),
            },
        )
    _tree_changed([predecessor.pk, *(s.pk for s in successors)])
    return successors


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _tree_changed(unit_ids: list[int]) -> None:
    from chapters.summaries import summaries_tree_changed

    summaries_tree_changed(unit_ids)


def _refresh_counts(unit: Unit) -> None:
    from chapters.summaries import summaries_refresh

    summaries_refresh(unit_ids=[unit.pk], providers=["units"])


# Reading the tree at a date -------------------------------------------------------------------------------


def children_map(parents: dict[int, int | None]) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in parents.items():
        children[parent_id].append(unit_id)
    return children


def subtree_parents_on(unit: Unit, day: datetime.date) -> dict[int, int | None]:
    """{unit id: parent id} for `unit` and everything under it in the tree as it stood on `day`.

    One recursive query down the parent history (indexed by parent), so the cost follows the size of the
    subtree, not of the whole database.
    """
    # The root itself is not checked: a report may ask for a unit's subtree on a day its own record does not
    # cover (a province loaded with today's list, asked about 2024).
    on_day = (
        "(l.valid_from IS NULL OR l.valid_from <= %s) AND (l.valid_until IS NULL OR l.valid_until >= %s) "
        "AND (u.active_from IS NULL OR u.active_from <= %s) AND (u.active_until IS NULL OR u.active_until >= %s)"
    )
    links, units = ParentLink._meta.db_table, Unit._meta.db_table
    sql = (
        f"WITH RECURSIVE sub(unit_id, parent_id) AS ("
        f"SELECT l.unit_id, l.parent_id FROM {links} l JOIN {units} u ON u.id = l.unit_id "
        f"WHERE l.parent_id = %s AND {on_day} "
        # UNION (not UNION ALL) drops rows already found: a cycle in bad history data cannot loop.
        f"UNION SELECT l.unit_id, l.parent_id FROM sub JOIN {links} l ON l.parent_id = sub.unit_id "
        f"JOIN {units} u ON u.id = l.unit_id WHERE {on_day}) "
        f"SELECT unit_id, parent_id FROM sub"
    )
    parents: dict[int, int | None] = {unit.pk: None}
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit.pk, *[day] * 4, *[day] * 4])
        for unit_id, parent_id in cursor.fetchall():
            parents.setdefault(unit_id, parent_id)
    return parents


def subtree_ids_on(unit: Unit, day: datetime.date) -> set[int]:
    """Ids of `unit` and everything under it in the tree as it stood on `day`."""
    return set(subtree_parents_on(unit, day))


def successor_map() -> dict[int, int]:
    """{closed unit id: primary successor id} from the lineage table."""
    return dict(Lineage.objects.filter(primary=True).values_list("predecessor_id", "successor_id"))


def representative_ids_today(unit: Unit) -> set[int]:
    """Units whose facts count under `unit` in today's tree: its current subtree, plus every closed unit whose
    primary successor chain leads into it (a merged commune's own fund follows the new commune)."""
    in_subtree = set(Unit.objects.subtree(unit).values_list("pk", flat=True))
    successors = successor_map()
    result = set(in_subtree)
    leading_in = []
    for predecessor in successors:
        current, steps = predecessor, 0
        while current in successors and steps < 50:
            current, steps = successors[current], steps + 1
        if current in in_subtree and predecessor not in in_subtree:
            leading_in.append(predecessor)
    # The predecessors' own closed subtrees (units that closed with them) follow them as well: a few queries
    # for all of them (a merged province brings hundreds of communes).
    paths = sorted(Unit.objects.filter(pk__in=leading_in).values_list("path", flat=True))
    tops: list[str] = []
    for path in paths:  # sorted: a path's descendants follow it
        if not tops or not path.startswith(tops[-1]):
            tops.append(path)
    for start in range(0, len(tops), 200):
        condition = Q()
        for path in tops[start : start + 200]:
            condition |= Q(path__startswith=path)
        result.update(Unit.objects.filter(condition).values_list("pk", flat=True))
    result.update(leading_in)
    return result


def tree_on(unit: Unit, day: datetime.date) -> list[tuple[Unit, int]]:
    """The subtree of `unit` as it stood on `day`: (unit, depth below `unit`) in display order, with each
    unit's name as it was on that day."""
    parents = subtree_parents_on(unit, day)
    ids = set(parents)
    children = children_map(parents)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    names = UnitName.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        unit_id__in=ids,
    ).values_list("unit_id", "name", "code")
    for unit_id, name, code in names:
        units[unit_id].name, units[unit_id].code = name, code
    result: list[tuple[Unit, int]] = []

    def walk(unit_id: int, depth: int) -> None:
        result.append((units[unit_id], depth))
        for child in sorted(children.get(unit_id, ()), key=lambda i: (units[i].level_rank, units[i].sort_key)):
            walk(child, depth + 1)

    if unit.pk in units:
        walk(unit.pk, 0)
    return result
