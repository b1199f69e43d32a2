"""Per-unit, per-period summaries (design.md §3).

Each app that owns facts registers a provider that computes its figures for given units and years from its
facts. Write services call `summaries_refresh()` for the units and years they touched (so dashboards are
current within the request), bulk imports call it once at the end, and `rebuild_summaries` recomputes
everything; a test proves both give the same table. Readers use `rollup_levels()` (and `rollup()` /
`rollup_children()` built on it), which only read the summary table and the tree: never a fact table.

Roll-ups are cached per direct child of the unit asked about, so a province's page sums 166 cached commune totals
rather than 10,000 units' rows. A cached total is named by the child, the child's token (replaced whenever a
summary of a unit that is or was anywhere below it is written: `summaries_changed`), a fingerprint of the child's
part of the tree the figures are summed over (a move or a merge names other entries), the year and the period, all
under the database's generation token (`SummaryGeneration`). So a cached total is never read back once the
figures or the tree beneath it have changed; a secretary's entry shows on every page above her at the next request.
"""

import contextlib
import contextvars
import datetime
import hashlib
import logging
import re
import threading
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from chapters import figures as catalogue
from chapters.figures import OWN_OR_CHILDREN, SUM
from chapters.models import (
    CommuneTotal,
    CommuneTotalPending,
    Lineage,
    ParentLink,
    Summary,
    SummaryGeneration,
    TreeVersion,
    Unit,
)
from core import bulk, queueing, replicas, versions
from core.cache import KeptEntries

log = logging.getLogger(__name__)

Row = tuple[int, int, str, str, int]  # (unit id, year, period, figure, value)


@dataclass
class SummaryProvider:
    """What an app registers: its figures (key → Vietnamese label, each declared in the figures catalogue,
    chapters/figures.py) and how to compute them from facts."""

    name: str
    figures: dict[str, str]
    compute: "callable"  # (unit_ids: list[int] | None, years: list[int]) -> Iterable[Row]
    # For facts that are only ever added (a file of new vouchers), optionally: what they change, as rows of
    # (unit, year, period, figure, value) for the kept years — an amount added to the stored value, or, for the
    # figures in `replaced` (counts of distinct givers are not sums), the new value itself. `summaries_add`.
    added: "callable | None" = None  # (facts: list, years: list[int]) -> Iterable[Row]
    replaced: frozenset[str] = frozenset()

    def aggregation_of(self, figure: str) -> str:
        declared = catalogue.find(figure)
        return declared.rollup if declared else SUM


PROVIDERS: dict[str, SummaryProvider] = {}


def register(provider: SummaryProvider) -> SummaryProvider:
    PROVIDERS[provider.name] = provider
    return provider


def figure_labels() -> dict[str, str]:
    return {key: label for p in PROVIDERS.values() for key, label in p.figures.items()}


def _fallback_figures() -> set[str]:
    """Figures summed as "a unit's own entry, else its children's" (the rest are plain sums)."""
    return catalogue.own_or_children_figures()


def summary_years() -> list[int]:
    """The years summaries are kept for: from SUMMARY_FIRST_YEAR to next year."""
    first = getattr(settings, "SUMMARY_FIRST_YEAR", 2010)
    return list(range(first, timezone.localdate().year + 2))


def years_from(day: datetime.date | int | None) -> list[int]:
    """Years whose figures a fact dated `day` can change: stocks (members at year end) carry forward."""
    if day is None:
        return summary_years()
    year = day if isinstance(day, int) else day.year
    return [y for y in summary_years() if y >= year]


@transaction.atomic
def summaries_refresh(
    *, unit_ids: Iterable[int] | None, years: Iterable[int] | None = None, providers: Iterable[str] | None = None
) -> int:
    """Recompute the summaries of `unit_ids` (None: every unit) for `years` (None: every kept year).

    Returns the number of summary rows written.
    """
    unit_ids = None if unit_ids is None else sorted(set(unit_ids))
    years = summary_years() if years is None else sorted(set(years))
    written = 0
    for name in providers or list(PROVIDERS):
        provider = PROVIDERS[name]
        stale = Summary.objects.filter(year__in=years, figure__in=list(provider.figures))
        if unit_ids is not None:
            stale = stale.filter(unit_id__any=unit_ids)
        stale.delete()
        now = timezone.now()
        rows = [
            (u, y, p, f, v, now)
            for u, y, p, f, v in provider.compute(unit_ids, years)
            # Zero rows are left out, except an own entry of a fallback figure ("no clans here" is a fact).
            if (v or provider.aggregation_of(f) == OWN_OR_CHILDREN) and y in years
        ]
        _summaries_insert(rows)
        written += len(rows)
    containers = summaries_changed(unit_ids)
    if unit_ids is None:
        commune_totals_refresh(None, years=years)
    else:
        commune_totals_mark(containers)
    return written


@transaction.atomic
def summaries_add(provider: str, facts: list) -> int:
    """Write what new facts change to the stored summaries, rather than recompute every figure of the units they
    touched (`summaries_refresh`): a file of 10,000 vouchers on 10,000 chapters' funds would recompute the figures of
    10,000 units for every year from the year of the vouchers on, reading all their vouchers (a province's half a
    million) to change a few rows of each. The provider says what the facts change (`SummaryProvider.added`);
    the amounts are added to the stored rows in one statement, a row that comes to zero is removed (as
    `summaries_refresh` leaves it out), and the roll-ups above are forgotten as after a refresh. The table is the
    one `summaries_refresh` would write (the vouchers' and the awards' import tests compare them). Only for facts
    that are new: a changed or deleted fact needs `summaries_refresh`. Figures counted again from the facts (`replaced`)
    are only as current as what the transaction can see: the caller holds what its other writers lock (the funds'
    writers lock the fund with its unit). Returns the number of rows changed."""
    source = PROVIDERS[provider]
    if source.added is None:
        raise ValueError(f"summaries provider {provider!r} cannot say what new facts add")
    kept = summary_years()
    added: dict[tuple, int] = defaultdict(int)
    replaced: dict[tuple, int] = {}
    for unit_id, year, period, figure, value in source.added(facts, kept):
        if figure in source.replaced:
            replaced[(unit_id, year, period, figure)] = value
        else:
            added[(unit_id, year, period, figure)] += value
    changes = [  # (rows, whether their values replace the stored ones)
        ([(*key, value) for key, value in replaced.items()], True),
        ([(*key, value) for key, value in added.items() if value], False),
    ]
    kept_zero = {f for f in source.figures if source.aggregation_of(f) == OWN_OR_CHILDREN}
    upsert = _summaries_upsert if connection.vendor == "postgresql" else _summaries_upsert_orm
    for rows, replace in changes:
        if rows:
            upsert(rows, replace, kept_zero)
    changed = {key[0] for key in [*replaced, *added]}
    if changed:
        commune_totals_mark(summaries_changed(changed))
    return sum(len(rows) for rows, _replace in changes)


# Up to this many rows `summaries_add` sends them as arrays in its one statement; more are copied into a temporary
# table first (COPY), which costs three statements more (a secretary's saved member changes a few rows).
UPSERT_ARRAYS_MAX = 2000


def _summaries_upsert(rows: list[tuple], replace: bool, kept_zero: set[str]) -> None:
    """`summaries_add` on PostgreSQL: the rows written with one INSERT … ON CONFLICT (added to the stored value, or
    replacing it) and the rows that came to zero deleted. The rows travel as arrays (a few) or through a temporary
    table filled by COPY (many)."""
    table, temp = Summary._meta.db_table, "summary_change"
    value = "EXCLUDED.value" if replace else f"{table}.value + EXCLUDED.value"
    now = timezone.now()
    with connection.cursor() as cursor:
        if len(rows) <= UPSERT_ARRAYS_MAX:
            source = "unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], %s::bigint[], %s::timestamptz[]) "
            source += "AS c(unit_id, year, period, figure, value, computed_at)"
            params = [list(column) for column in zip(*rows, strict=True)] + [[now] * len(rows)]
        else:
            # Dropped at the end of this call (DDL is transactional: a failure rolls its creation back with it).
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} (unit_id bigint, year integer, period text, "
                "figure text, value bigint, computed_at timestamptz) ON COMMIT DROP"
            )
            _summaries_copy(temp, [(*row, now) for row in rows])
            source, params = temp, []
        # In the key's order: writers of overlapping units take the rows' locks in one order. The rows that come
        # to zero are found in what the statement wrote (a join with the temporary table, which has no
        # statistics, scanned the whole summary table).
        cursor.execute(
            "WITH written AS ("
            f"INSERT INTO {table} (unit_id, year, period, figure, value, computed_at) "
            f"SELECT unit_id, year, period, figure, value, computed_at FROM {source} "
            "ORDER BY unit_id, year, period, figure "
            "ON CONFLICT (unit_id, year, period, figure) "
            f"DO UPDATE SET value = {value}, computed_at = EXCLUDED.computed_at RETURNING id, figure, value) "
            "SELECT id FROM written WHERE value = 0 AND NOT (figure = ANY(%s))",
            [*params, sorted(kept_zero)],
        )
        emptied = [pk for (pk,) in cursor.fetchall()]
        if emptied:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [emptied])
        if source == temp:
            cursor.execute(f"DROP TABLE {temp}")


def _summaries_upsert_orm(rows: list[tuple], replace: bool, kept_zero: set[str]) -> None:
    """`summaries_add` elsewhere (the embedded SQLite): the stored rows read, changed and written back."""
    now = timezone.now()
    stored = {
        (s.unit_id, s.year, s.period, s.figure): s
        for s in Summary.objects.filter(
            unit_id__in={row[0] for row in rows}, year__in={row[1] for row in rows}, figure__in={row[3] for row in rows}
        )
    }
    new, changed = [], []
    for unit_id, year, period, figure, value in rows:
        summary = stored.get((unit_id, year, period, figure))
        if summary is None:
            summary = Summary(unit_id=unit_id, year=year, period=period, figure=figure, value=0)
            new.append(summary)
        else:
            changed.append(summary)
        summary.value = value if replace else summary.value + value
        summary.computed_at = now

    def kept(summary):
        return summary.value or summary.figure in kept_zero

    Summary.objects.bulk_create([s for s in new if kept(s)], batch_size=5000)
    Summary.objects.bulk_update([s for s in changed if kept(s)], ["value", "computed_at"], batch_size=5000)
    Summary.objects.filter(pk__in=[s.pk for s in changed if not kept(s)]).delete()


_COPY_UNSAFE = re.compile(r"[\t\n\r\\]")


def _summaries_insert(rows: list[tuple]) -> None:
    """Insert summary rows (unit id, year, period, figure, value, computed at): with COPY on PostgreSQL (a
    country's pre-reform tree writes ~300,000 unit counts), else in bulk through the ORM."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _summaries_copy(Summary._meta.db_table, rows)
        return
    bulk.insert_rows(Summary, ("unit_id", "year", "period", "figure", "value", "computed_at"), rows)


def _summaries_copy(table: str, rows: list[tuple]) -> None:
    """COPY summary rows (unit id, year, period, figure, value, computed at) into `table` (PostgreSQL)."""
    columns = ("unit_id", "year", "period", "figure", "value", "computed_at")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        # COPY's text format written here, 10,000 lines at a time: psycopg's write_row adapts every value
        # on its own (~7 µs a row; an import's refresh writes 150,000–500,000 rows). Periods and figure keys
        # are plain words from the catalogue; anything needing COPY's escapes goes through write_row.
        times: dict = {}
        plain: dict[tuple[str, str], bool] = {}
        for start in range(0, len(rows), 10_000):
            lines = []
            for unit_id, year, period, figure, value, at in rows[start : start + 10_000]:
                safe = plain.get((period, figure))
                if safe is None:
                    safe = plain[(period, figure)] = not _COPY_UNSAFE.search(period + figure)
                if not safe:
                    copy.write_row((unit_id, year, period, figure, value, at))
                    continue
                when = times.get(at) or times.setdefault(at, "\\N" if at is None else at.isoformat())
                lines.append(f"{int(unit_id)}\t{int(year)}\t{period}\t{figure}\t{int(value)}\t{when}\n")
            copy.write("".join(lines))


def summaries_rebuild(*, unit: Unit | None = None, year: int | None = None) -> int:
    unit_ids = None if unit is None else list(Unit.objects.subtree(unit).values_list("pk", flat=True))
    return summaries_refresh(unit_ids=unit_ids, years=None if year is None else [year])


# Reading ----------------------------------------------------------------------------------------------------


def period_bounds(year: int, period: str) -> tuple[datetime.date, datetime.date]:
    if period == Summary.Period.H1:
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    if period == Summary.Period.H2:
        return datetime.date(year, 7, 1), datetime.date(year, 12, 31)
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@dataclass
class TreeSnapshot:
    """The units under a root at a date, with their parents: what a roll-up sums over."""

    root_id: int
    parents: dict[int, int | None]
    tree: str = "past"
    # Today's tree: units closed today. They are never rows of a table: their figures count as the own figures of
    # the unit they hang under (their primary successor, else their last parent), design.md §2.
    closed: frozenset = frozenset()
    # The period it was asked for: on today's tree, baseline remainders are taken against the past tree of the same
    # date (`_as_remainders`), the tree the past-tree roll-up of that period sums over.
    year: int = 0
    period: str = "Y"
    first_year: int | None = None

    @property
    def ids(self) -> set[int]:
        return set(self.parents)

    def listed_children(self, unit_id: int) -> list[int]:
        """The units shown as rows under `unit_id`: its children, less the closed ones of today's tree."""
        return [child for child in self.children().get(unit_id, ()) if child not in self.closed]

    def children(self) -> dict[int | None, list[int]]:
        if "_children" not in self.__dict__:
            result: dict[int | None, list[int]] = defaultdict(list)
            for unit_id, parent_id in self.parents.items():
                if unit_id != self.root_id:
                    result[parent_id].append(unit_id)
            self.__dict__["_children"] = result
        return self.__dict__["_children"]

    def branches(self) -> dict[int, list[int]]:
        """{direct child of the root: its units in breadth-first order, itself first}."""
        if "_branches" not in self.__dict__:
            children = self.children()
            branches: dict[int, list[int]] = {}
            for top in children.get(self.root_id, ()):
                order = [top]
                for unit_id in order:  # grows while it is walked
                    order.extend(children.get(unit_id, ()))
                branches[top] = order
            self.__dict__["_branches"] = branches
        return self.__dict__["_branches"]

    def fingerprints(self) -> dict[int, str]:
        """{direct child of the root: a digest of its part of the tree (every unit and its parent)}."""
        if "_fingerprints" not in self.__dict__:
            result = {}
            # On today's tree a branch's baseline remainders depend on the date the snapshot was asked for (the past
            # tree they are taken against): that date is part of the digest, so a year's totals asked for through a
            # half-year's tree and through the year's own tree are two cache entries.
            salt = f"{self.year}:{self.period}:{self.first_year}".encode() if self.tree == "today" else b""
            for top, order in self.branches().items():
                pairs = array("q", sorted(order))
                pairs.extend(self.parents[u] or 0 for u in sorted(order))
                result[top] = hashlib.blake2b(pairs.tobytes() + salt, digest_size=10).hexdigest()
            self.__dict__["_fingerprints"] = result
        return self.__dict__["_fingerprints"]


def tree_snapshot(
    unit: Unit,
    *,
    year: int,
    period: str = Summary.Period.YEAR,
    tree: str = "past",
    cached: bool = True,
    first_year: int | None = None,
) -> TreeSnapshot:
    """The subtree a period's figures are summed over (see `_tree_snapshot`), cached under the tree's version
    token, which the database replaces whenever a unit, a parent link or a lineage changes. `first_year`: a period
    of several years (a term) from that year to `year`: units closed during any of them still count."""
    if not cached:
        return _tree_snapshot(unit, year=year, period=period, tree=tree, first_year=first_year)
    # Named by the tree's version alone, not by the summaries' generation: a rebuild of the summaries leaves the
    # tree as it was (the country's snapshot of 300,000 units takes ~1.6 s to make again).
    _prefix, version, _units = _tokens_of_database()
    key = f"kh:snapshot:{ROLLUP_FORMAT}:{unit.pk}:{tree}:{year}:{period}:{first_year}:{timezone.localdate()}:{version}"
    if version and (found := _kept.get(key)) is not None:
        return found
    if version and (found := cache.get(key)) is not None:
        _kept.put(key, found, len(found.parents))
        return found
    snapshot = _tree_snapshot(unit, year=year, period=period, tree=tree, first_year=first_year)
    snapshot.fingerprints()  # computed once, kept with it
    if version:
        cache.set(key, snapshot, timeout=ROLLUP_TIMEOUT)
        _kept.put(key, snapshot, len(snapshot.parents))
    return snapshot


def listed_units(unit_ids: list[int]) -> dict[int, Unit]:
    """{id: unit} of `unit_ids` (the units a page lists below one: a province's 166 communes), each call its own
    instances, made from the columns this process keeps under the units' version (core.DataVersion "units",
    replaced by the database when any unit changes in any column), rather than read and built from the database on
    every dashboard. Ids of no unit are left out."""
    _prefix, _tree, version = _tokens_of_database()  # read before the data it names (core.versions)
    using = router.db_for_read(Unit)
    ids = tuple(unit_ids)
    key = f"kh:units:{version}:{hashlib.blake2b(array('q', ids).tobytes(), digest_size=16).hexdigest()}"
    found = _kept.get(key) if version else None
    if found is None:
        names = tuple(f.attname for f in Unit._meta.concrete_fields)
        rows = tuple(Unit.objects.using(using).filter(pk__in=ids).values_list(*names))
        found = (names, rows)
        if version:
            _kept.put(key, found, len(rows) + 1)
    names, rows = found
    return {unit.pk: unit for unit in (Unit.from_db(using, names, row) for row in rows)}


def _tree_snapshot(unit: Unit, *, year: int, period: str, tree: str, first_year: int | None = None) -> TreeSnapshot:
    """The subtree a period's figures are summed over.

    tree="past": the tree as it stood at the period's end, plus units that closed during the period under it
    (their facts of that period still count). tree="today": today's tree, with closed units counted under the
    successor their lineage names as primary.
    """
    from chapters.services import tree as tree_services

    if tree == "today":
        ids = tree_services.representative_ids_today(unit)
        rows = Unit.objects.filter(pk__any=ids).values_list("pk", "parent_id", "active_until")
        successors = tree_services.successor_map()
        parents, closed = {}, set()
        for pk, parent_id, active_until in rows:
            # A closed unit hangs under its primary successor (or its last parent) in today's tree.
            parents[pk] = successors.get(pk, parent_id) if active_until else parent_id
            if active_until and pk != unit.pk:
                closed.add(pk)
        parents[unit.pk] = None
        return TreeSnapshot(
            unit.pk,
            {k: (v if v in ids else None) if k != unit.pk else None for k, v in parents.items()},
            tree="today",
            closed=frozenset(closed),
            year=year,
            period=period,
            first_year=first_year,
        )

    start, end = period_bounds(year, period)
    if first_year is not None:
        start = datetime.date(first_year, 1, 1)
    day = min(end, timezone.localdate()) if end > timezone.localdate() and start <= timezone.localdate() else end
    parents = tree_services.subtree_parents_on(unit, day)
    # Units closed during the period: attach them where they stood on their last day, repeatedly (a chapter
    # closed in March under a commune closed in June).
    closed = list(
        ParentLink.objects.filter(unit__active_until__gte=start, unit__active_until__lt=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .order_by("unit_id", "valid_until")
        .values_list("unit_id", "parent_id")
    )
    last_parent = dict(closed)
    changed = True
    while changed:
        changed = False
        for unit_id, parent_id in last_parent.items():
            if unit_id not in parents and parent_id in parents:
                parents[unit_id] = parent_id
                changed = True
    parents[unit.pk] = None
    return TreeSnapshot(unit.pk, parents, year=year, period=period, first_year=first_year)


def _combine(
    snapshot: TreeSnapshot,
    own: dict[int, dict[str, int]],
    order: list[int] | None = None,
    fallback: set[str] | None = None,
    leaves: Iterable[int] = (),
) -> dict[int, dict[str, int]]:
    """Totals for every unit of `order` (breadth-first, a unit before its children; default the whole snapshot):
    sums, or own-or-children for fallback figures. Zeros are left out. `leaves`: units whose own figures are
    already their subtree's totals (stored commune totals): their children are not added."""
    if order is None:
        order = [snapshot.root_id]
        for branch in snapshot.branches().values():
            order.extend(branch)
    fallback = _fallback_figures() if fallback is None else fallback
    children = snapshot.children()
    leaves = set(leaves)
    totals: dict[int, dict[str, int]] = {}
    for unit_id in reversed(order):
        mine = own.get(unit_id, {})
        result = dict(mine)
        for child in () if unit_id in leaves else children.get(unit_id, ()):
            for figure, value in totals[child].items():
                if figure in fallback and figure in mine:
                    continue
                result[figure] = result.get(figure, 0) + value
        totals[unit_id] = {figure: value for figure, value in result.items() if value}
    return totals


def _fallback_rule(snapshot: TreeSnapshot) -> set[str]:
    """The figures `_combine` sums as own-or-children on this snapshot: on today's tree none, because their own
    values are turned into remainders first (`_as_remainders`) and then simply added."""
    return set() if snapshot.tree == "today" else _fallback_figures()


def _summary_rows(unit_ids: list[int], year: int, figures: list[str]) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Summary.objects.filter(
        unit_id__any=unit_ids, year=year, period=Summary.Period.YEAR, figure__in=figures
    ).values_list("unit_id", "figure", "value")
    for unit_id, figure, value in rows:
        result[unit_id][figure] = value
    return result


def _as_remainders(
    snapshot: TreeSnapshot, year: int, own: dict[int, dict[str, int]], read=_summary_rows
) -> dict[int, dict[str, int]]:
    """Today's tree regroups the units of a past year: a district's population entered for its whole area and its
    communes' entries now sit in different branches, and "own entry, else the children's" would count both.
    So on today's tree a baseline entry counts as its *remainder*: the unit's entry less the totals of its children
    in the tree of that year (what the entry covers beyond them). Added up over any grouping of the same units, the
    remainders give the totals of that year's tree; the root's total is the same on both trees when its extent
    did not change. "The tree of that year" is the tree the past-tree roll-up of the same request sums over (the
    snapshot's own period: a report compares every year on one tree). `own` ({unit: {figure: value}}) is changed
    in place and returned. `read(unit ids, year, figures)` gives the year's own values of other units (the summary
    table; `check_figures` reads the facts)."""
    fallback = _fallback_figures()
    holders = {unit_id for unit_id, figures in own.items() if fallback & set(figures)}
    if snapshot.tree != "today" or not holders:
        return own
    # The tree of that year: under the root as it stood then, and, for units that were elsewhere then (today's
    # root did not exist, or its extent changed), under each of them. A remainder reads only summary rows, so any
    # snapshot holding the unit (and therefore its subtree of that year) gives the same answer.
    pending, top = set(holders), snapshot.root_id
    while top is not None:
        past = tree_snapshot(
            Unit(pk=top),
            year=snapshot.year or year,
            period=snapshot.period if snapshot.year else Summary.Period.YEAR,
            first_year=snapshot.first_year,
            tree="past",
        )
        past_children = past.children()
        # Only the parts of that tree below the holders are summed (a commune's remainder reads its own part, not
        # its whole province): the subtrees of the holders that no other holder is above.
        inside = pending & past.ids
        order: list[int] = []
        for unit_id in sorted(inside):
            above, top_most = past.parents.get(unit_id), True
            while above is not None:
                if above in inside:
                    top_most = False
                    break
                above = past.parents.get(above)
            if top_most:
                order.extend(_subtree_order(past_children, unit_id))
        past_own = read(order, year, sorted(fallback))
        past_totals = _combine(past, past_own, order, fallback=fallback)
        for unit_id in pending & past.ids:
            for figure in fallback & set(own[unit_id]):
                below = sum(past_totals.get(child, {}).get(figure, 0) for child in past_children.get(unit_id, ()))
                own[unit_id][figure] -= below
        pending -= past.ids | {top}
        top = min(pending) if pending else None
    return own


def totals_from_own(
    snapshot: TreeSnapshot, year: int, own: dict[int, dict[str, int]], *, period: str = "Y", read=_summary_rows
) -> dict[int, dict[str, int]]:
    """Totals of every unit of `snapshot` from the units' own figures of one period, whatever their source (the
    summary table, or the facts for `check_figures`), by the same rules as every roll-up."""
    if period == Summary.Period.YEAR:
        own = _as_remainders(snapshot, year, own, read=read)
    return _combine(snapshot, own, fallback=_fallback_rule(snapshot))


def rollup_tree(
    unit: Unit,
    *,
    year: int,
    period: str = "Y",
    figures: list[str] | None = None,
    tree: str = "past",
    snapshot: TreeSnapshot | None = None,
) -> dict[int, dict[str, int]]:
    """Totals for `unit` and every unit below it: {unit id: {figure: value}} (not cached: for pages that show
    more than one level; `rollup_levels` serves the unit and its children)."""
    snapshot = snapshot or tree_snapshot(unit, year=year, period=period, tree=tree)
    own: dict[int, dict[str, int]] = defaultdict(dict)
    qs = Summary.objects.filter(unit_id__any=list(snapshot.ids), year=year, period=period)
    if figures is not None:
        qs = qs.filter(figure__in=figures)
    for unit_id, figure, value in qs.values_list("unit_id", "figure", "value"):
        own[unit_id][figure] = value
    return _combine(snapshot, _as_remainders(snapshot, year, own), fallback=_fallback_rule(snapshot))


# Cached roll-ups of a unit and its direct children ----------------------------------------------------------

ROLLUP_FORMAT = 3  # raise when the meaning of a cached total changes (old entries are then never read)
# Entries are made unreachable, not expired, when the figures beneath change: the timeouts only free memory. A
# token outlives the entries named by it; one that expires is replaced, and its entries are computed again.
ROLLUP_TIMEOUT = 7 * 24 * 3600
WHOLE_SHARED_ABOVE = 4  # a whole answer is shared when more than 1/4 of its branches were summed (`_levels_computed`)
TOKEN_TIMEOUT = 30 * 24 * 3600


@dataclass
class Level:
    """One period's figures of a unit's subtree, of the unit's own facts, and of each direct child's subtree."""

    total: dict[str, int]
    own: dict[str, int]
    children: dict[int, dict[str, int]]
    as_of: datetime.datetime | None  # when the newest of these figures was computed
    # What readers work out from these figures, kept with them for as long as the process keeps them
    # (`reports.queries._children_figures`); never pickled, never compared.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    def frozen(self) -> "Level":
        """The same figures as read-only mappings: what a process keeps (`_kept`) is shared by its requests."""
        return Level(
            total=MappingProxyType(self.total),
            own=MappingProxyType(self.own),
            children=MappingProxyType({unit: MappingProxyType(values) for unit, values in self.children.items()}),
            as_of=self.as_of,
        )

    def __reduce__(self):
        # Plain dictionaries in the cache: a computed Level holds the kept (frozen) figures of its branches, and
        # mapping proxies cannot be pickled.
        return (
            Level,
            (dict(self.total), dict(self.own), {u: dict(v) for u, v in self.children.items()}, self.as_of),
        )


# A province's tree weighs ~10,000, its five-year answer ~1,000 (166 communes × 6 years); the country's tree ~300,000
# (settings.ROLLUP_KEPT_IN_PROCESS).
_kept = KeptEntries(settings.ROLLUP_KEPT_IN_PROCESS)


# The generation and the tree's version, read once per request that only reads (GET, HEAD, OPTIONS: the methods
# the replica routing also treats as reads): a commune's dashboard asked for them four times (its figures and tree,
# then the province's for the map), one query each. A request that writes reads them every time: its own writes may
# replace them. Nothing is kept between requests. So a GET must not change the tree: the database replaces the tree's
# version by trigger, which this memo cannot see (a new generation made in the request is seen: summaries_changed).
_request_tokens: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kh_summary_tokens", default=None)


def _request_began(sender, environ=None, **kwargs) -> None:
    _request_tokens.set({} if (environ or {}).get("REQUEST_METHOD") in replicas.SAFE_METHODS else None)


def _request_ended(sender, **kwargs) -> None:
    _request_tokens.set(None)


request_started.connect(_request_began, dispatch_uid="chapters.summaries.tokens")
request_finished.connect(_request_ended, dispatch_uid="chapters.summaries.tokens")


def _tokens_of_database() -> tuple[str, str | None, str | None]:
    """The generation's cache prefix, the tree's version and the units' version, in one query (once per request that
    only reads)."""
    memo = _request_tokens.get()
    if memo is not None and (found := memo.get("tokens")) is not None:
        return found
    found = _read_tokens()
    if memo is not None:
        memo["tokens"] = found
    return found


def _read_tokens() -> tuple[str, str | None, str | None]:
    # Plain SQL: read on every dashboard and home page, and the ORM would build the same fixed query anew each time.
    units_column, units_params = versions.tokens_sql(["units"])
    with connections[router.db_for_read(SummaryGeneration)].cursor() as cursor:
        cursor.execute(
            f'SELECT (SELECT token FROM "{SummaryGeneration._meta.db_table}" WHERE id = 1), {TreeVersion.token_sql()}, '
            f"{units_column[0]}",
            units_params,
        )
        generation, tree, units = cursor.fetchone()
    if generation is None:
        with replicas.reading_primary():  # a replica may not have the row the primary just made
            generation = SummaryGeneration.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4()})[0].token
    prefix = f"kh:rollup:{ROLLUP_FORMAT}:{generation.hex if hasattr(generation, 'hex') else generation}"
    return prefix, tree, units


def _generation() -> str:
    return _tokens_of_database()[0]


def _tokens(prefix: str, unit_ids: Iterable[int]) -> dict[int, str]:
    keys = {unit_id: f"{prefix}:t:{unit_id}" for unit_id in unit_ids}
    found = cache.get_many(list(keys.values()))
    missing = [unit_id for unit_id, key in keys.items() if key not in found]
    for unit_id in missing:
        cache.add(keys[unit_id], uuid.uuid4().hex, timeout=TOKEN_TIMEOUT)
    if missing:
        found.update(cache.get_many([keys[unit_id] for unit_id in missing]))
    # A token the cache could not keep: a fresh one each time (nothing cached under it is ever read back).
    return {unit_id: found.get(key) or uuid.uuid4().hex for unit_id, key in keys.items()}


def _containers(unit_ids: Iterable[int]) -> set[int]:
    """The units and every unit that has or ever had one of them below it, in any tree: parents through the whole
    parent history, and the successors a closed unit's facts follow in today's tree."""
    if connection.vendor == "postgresql":
        return _containers_sql(unit_ids)
    return _containers_walk(unit_ids)


def _containers_walk(unit_ids: Iterable[int]) -> set[int]:
    """`_containers` a level at a time: three queries per level (a chapter's save walked nine)."""
    seen = set(unit_ids)
    frontier = set(seen)
    while frontier:
        above = set(ParentLink.objects.filter(unit_id__any=frontier).values_list("parent_id", flat=True))
        above |= set(Unit.objects.filter(pk__any=frontier, parent__isnull=False).values_list("parent_id", flat=True))
        above |= set(Lineage.objects.filter(predecessor_id__any=frontier).values_list("successor_id", flat=True))
        frontier = above - seen
        seen |= frontier
    return seen


def _containers_sql(unit_ids: Iterable[int]) -> set[int]:
    """`_containers` in one recursive query on PostgreSQL (every save of a member, a voucher or a title walks it;
    issue 19's mixed load)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return set()
    links, units, lineages = ParentLink._meta.db_table, Unit._meta.db_table, Lineage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE up(id) AS ("
            "SELECT unnest(%s::bigint[]) "
            "UNION "
            "SELECT above.id FROM up CROSS JOIN LATERAL ("
            f"SELECT parent_id AS id FROM {links} WHERE unit_id = up.id "
            f"UNION ALL SELECT parent_id FROM {units} WHERE id = up.id AND parent_id IS NOT NULL "
            f"UNION ALL SELECT successor_id FROM {lineages} WHERE predecessor_id = up.id"
            ") above WHERE above.id IS NOT NULL"
            ") SELECT id FROM up",
            [ids],
        )
        return {row[0] for row in cursor.fetchall()}


def summaries_changed(unit_ids: Iterable[int] | None) -> set[int]:
    """Forget the cached roll-ups that include summaries of `unit_ids` (None: every cached roll-up). Returns the
    units whose roll-ups they were (`_containers`).

    Tokens are replaced now (this transaction's own later reads) and again after the commit (a reader that
    cached the old figures in between named them with a token that is then gone).
    """
    if unit_ids is None:
        SummaryGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4()})
        if _request_tokens.get() is not None:
            _request_tokens.set({})  # the generation read earlier in this request is gone
        return set()
    containers = _containers(unit_ids)
    if not containers:
        return containers

    def replace(position=None):
        # After the commit, a token also names the primary's WAL position: a reader on a replica computes under
        # it only once the replica has replayed that far (core.replicas.reads_at_least).
        token = uuid.uuid4().hex + (f"@{position}" if position else "")
        with replicas.reading_primary():
            prefix = _generation()
        cache.set_many({f"{prefix}:t:{unit_id}": token for unit_id in containers}, timeout=TOKEN_TIMEOUT)

    replace()
    transaction.on_commit(lambda: replace(replicas.position_after_commit()))
    return containers


def summaries_tree_changed(unit_ids: Iterable[int]) -> None:
    """After a move, a closing, a merge or a split of `unit_ids`: the stored totals of the communes whose part of
    the tree changed are summed again (the cached roll-ups are named by the tree already)."""
    commune_totals_mark(_containers(unit_ids))


def _positions(tokens: Iterable[str]) -> list[str]:
    """The WAL positions named by tokens (see `summaries_changed`)."""
    return [token.partition("@")[2] for token in tokens if "@" in token]


def _latest(times) -> datetime.datetime | None:
    times = [t for t in times if t is not None]
    return max(times) if times else None


def _branch_totals_sql(snapshot: TreeSnapshot, tops: list[int], years: list[int], period: str) -> dict:
    """{(top, year): {"f": totals, "at": newest computed_at}} for the branches `tops`, summed by PostgreSQL
    (plain sums grouped by branch; fallback figures, which need the tree, combined here from their few rows).
    A commune of a branch whose totals are stored (`commune_totals_refresh`) for this tree adds its stored rows
    instead of its units' rows."""
    branches = snapshot.branches()
    return _totals_sql(snapshot, {top: branches[top] for top in tops}, years, period, stored=True)


def _branch_totals_python(snapshot: TreeSnapshot, tops: list[int], years: list[int], period: str) -> dict:
    """The same as `_branch_totals_sql`, from the rows of every unit (SQLite, the embedded default)."""
    branches = snapshot.branches()
    return _totals_python(snapshot, {top: branches[top] for top in tops}, years, period, stored=True)


def _subtree_order(children: dict, top: int) -> list[int]:
    order = [top]
    for unit_id in order:  # grows while it is walked
        order.extend(children.get(unit_id, ()))
    return order


def _subtree_digest(snapshot: TreeSnapshot, order: list[int]) -> str:
    """A digest of a part of the tree (every unit and its parent, the top's parent left out), with the date the
    snapshot was asked for on today's tree (its baseline remainders depend on it, see `fingerprints`)."""
    top, ids = order[0], sorted(order)
    pairs = array("q", ids)
    pairs.extend(0 if u == top else (snapshot.parents[u] or 0) for u in ids)
    salt = f"{snapshot.tree}:{snapshot.year}:{snapshot.period}:{snapshot.first_year}".encode()
    return hashlib.blake2b(pairs.tobytes() + salt, digest_size=10).hexdigest()


def stored_years(as_of_year: int) -> list[int]:
    """The years whose commune totals are kept for a tree asked for `as_of_year`: the years a dashboard of that
    year reads (its five years of trends and the baseline figures' look-back)."""
    return [y for y in range(as_of_year - COMMUNE_TOTAL_YEARS + 1, as_of_year + 1) if y >= summary_years()[0]]


def stored_trees() -> list[tuple[str, int]]:
    """The trees commune totals are kept for: (past or today, asked for the whole year of) last year and this
    year — what the dashboards and reports open by default."""
    this = timezone.localdate().year
    return [(tree, year) for tree in ("past", "today") for year in (this - 1, this)]


COMMUNE_TOTAL_YEARS = 7


def _stored_key(snapshot: TreeSnapshot, years: list[int], period: str) -> str | None:
    """The `as_of` of the commune totals a roll-up on `snapshot` may read, or None (not kept for it)."""
    if period != Summary.Period.YEAR or snapshot.period != Summary.Period.YEAR or snapshot.first_year is not None:
        return None
    if (snapshot.tree, snapshot.year) not in stored_trees() or not set(years) <= set(stored_years(snapshot.year)):
        return None
    return f"{snapshot.year}:{Summary.Period.YEAR}"


def _stored_cover(snapshot: TreeSnapshot, orders: dict[int, list[int]], years: list[int], period: str):
    """(as_of, {commune: its units in this snapshot}) for the communes of `orders` whose stored totals were summed
    over the same part of the tree as this snapshot's."""
    key = _stored_key(snapshot, years, period)
    if key is None:
        return None, {}
    ids = {u for order in orders.values() for u in order}
    # Every stored commune of that tree (a few thousand for the country) rather than the ids of every unit asked
    # about (up to the country's ~300,000).
    # A pending commune's stored totals are older than its units' summaries: summed from the units instead.
    markers = (
        CommuneTotal.objects.using(router.db_for_read(CommuneTotal))
        .filter(tree=snapshot.tree, as_of=key, figure="")
        .exclude(unit_id__in=CommuneTotalPending.objects.values("unit_id"))
    )
    found = {u: digest for u, digest in markers.values_list("unit_id", "digest") if u in ids}
    children = snapshot.children()
    cover = {}
    for unit_id in sorted(found, key=lambda u: -len(orders.get(u, ()))):
        order = _subtree_order(children, unit_id)
        if _subtree_digest(snapshot, order) == found[unit_id]:
            cover[unit_id] = order
    # Communes do not nest; should two stored units, keep the outer one.
    inner = {u for top, order in cover.items() for u in order[1:]}
    return key, {top: order for top, order in cover.items() if top not in inner}


def _totals_sql(snapshot: TreeSnapshot, orders: dict[int, list[int]], years: list[int], period: str, *, stored):
    """{(top, year): {"f": totals, "at": newest computed_at}} for the parts of the tree `orders` ({top: its units,
    breadth-first}), summed by PostgreSQL."""
    key, cover = _stored_cover(snapshot, orders, years, period) if stored else (None, {})
    hidden = {u for order in cover.values() for u in order}
    unit_ids, top_ids, covered, covered_tops = [], [], [], []
    for top, order in orders.items():
        for u in order:
            if u in cover:
                covered.append(u)
                covered_tops.append(top)
            elif u not in hidden:
                unit_ids.append(u)
                top_ids.append(top)
    fallback = sorted(_fallback_figures())
    table, stored_table = Summary._meta.db_table, CommuneTotal._meta.db_table
    result: dict[tuple[int, int], dict] = {(top, year): {"f": {}, "at": None} for top in orders for year in years}
    own: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    leaf: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    stamps: dict[tuple[int, int], list] = defaultdict(list)
    # Raw SQL asks the router itself where a read of summaries goes (a replica, on a read-only screen).
    with connections[router.db_for_read(Summary)].cursor() as cursor:
        # One query: plain sums per part (kind 0), the rows of fallback figures per unit (kind 1) and per stored
        # commune (kind 2).
        cursor.execute(
            "SELECT 0, m.top, s.year, s.figure, SUM(s.value), MAX(s.computed_at) FROM ("
            f"SELECT unit_id, year, figure, value, computed_at FROM {table} WHERE unit_id = ANY(%s) "
            "AND year = ANY(%s) AND period = %s AND NOT (figure = ANY(%s)) "
            f"UNION ALL SELECT unit_id, year, figure, value, computed_at FROM {stored_table} WHERE tree = %s "
            "AND as_of = %s AND unit_id = ANY(%s) AND year = ANY(%s) AND period = %s AND figure <> '' "
            "AND NOT (figure = ANY(%s))) s "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(unit_id, top) ON m.unit_id = s.unit_id "
            "GROUP BY m.top, s.year, s.figure "
            f"UNION ALL SELECT 1, s.unit_id, s.year, s.figure, s.value, s.computed_at FROM {table} s "
            "WHERE s.unit_id = ANY(%s) AND s.year = ANY(%s) AND s.period = %s AND s.figure = ANY(%s) "
            # The stored communes' fallback rows (thousands for the nation) without their times: the newest time of
            # each part comes once per part and year (kind 3), not parsed on every row.
            f"UNION ALL SELECT 2, s.unit_id, s.year, s.figure, s.value, NULL FROM {stored_table} s "
            "WHERE s.tree = %s AND s.as_of = %s AND s.unit_id = ANY(%s) AND s.year = ANY(%s) AND s.period = %s "
            "AND s.figure = ANY(%s) "
            f"UNION ALL SELECT 3, m.top, s.year, '', 0, MAX(s.computed_at) FROM {stored_table} s "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(unit_id, top) ON m.unit_id = s.unit_id "
            "WHERE s.tree = %s AND s.as_of = %s AND s.year = ANY(%s) AND s.period = %s AND s.figure = ANY(%s) "
            "GROUP BY m.top, s.year",
            [
                unit_ids,
                years,
                period,
                fallback,
                snapshot.tree,
                key or "",
                covered,
                years,
                period,
                fallback,
                unit_ids + covered,
                top_ids + covered_tops,
                unit_ids,
                years,
                period,
                fallback,
                snapshot.tree,
                key or "",
                covered,
                years,
                period,
                fallback,
                covered,
                covered_tops,
                snapshot.tree,
                key or "",
                years,
                period,
                fallback,
            ],  # fmt: skip
        )
        for kind, unit_id, year, figure, value, at in cursor.fetchall():
            if kind == 3:
                entry = result[(unit_id, year)]
                entry["at"] = _latest([entry["at"], at])
            elif kind == 0:
                entry = result[(unit_id, year)]
                if value:
                    entry["f"][figure] = int(value)
                entry["at"] = _latest([entry["at"], at])
            else:
                (own if kind == 1 else leaf)[year][unit_id][figure] = int(value)
                if at is not None:
                    stamps[(unit_id, year)].append(at)
    _fallbacks_combined(snapshot, orders, years, own, leaf, stamps, cover, result)
    return result


def _fallbacks_combined(snapshot, orders, years, own, leaf, stamps, cover, result) -> None:
    """Add the fallback figures of each part (own-or-children needs the tree): the units' own rows (as remainders
    on today's tree), and the stored communes' totals as leaves."""
    rule = _fallback_rule(snapshot)
    hidden = {u for order in cover.values() for u in order[1:]}
    for year in years:
        if not own[year] and not leaf[year]:
            continue
        _as_remainders(snapshot, year, own[year])
        own[year].update(leaf[year])
        for top, order in orders.items():
            shown = [u for u in order if u not in hidden] if hidden else order
            entry = result[(top, year)]
            entry["f"].update(_combine(snapshot, own[year], shown, fallback=rule, leaves=cover).get(top, {}))
            entry["at"] = _latest([entry["at"], *(t for u in shown for t in stamps.get((u, year), ()))])


def _totals_python(snapshot: TreeSnapshot, orders: dict[int, list[int]], years: list[int], period: str, *, stored):
    """The same as `_totals_sql`, from the rows of every unit (SQLite, the embedded default)."""
    key, cover = _stored_cover(snapshot, orders, years, period) if stored else (None, {})
    hidden = {u for order in cover.values() for u in order}
    unit_ids = [u for order in orders.values() for u in order if u not in hidden]
    own: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    leaf: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    stamps: dict[tuple[int, int], list] = defaultdict(list)
    for chunk in range(0, len(unit_ids), 500):
        rows = Summary.objects.filter(
            unit_id__in=unit_ids[chunk : chunk + 500], year__in=years, period=period
        ).values_list("unit_id", "year", "figure", "value", "computed_at")
        for unit_id, year, figure, value, at in rows:
            own[year][unit_id][figure] = value
            stamps[(unit_id, year)].append(at)
    covered = list(cover)
    for chunk in range(0, len(covered), 500):
        rows = CommuneTotal.objects.filter(
            tree=snapshot.tree, as_of=key, unit_id__in=covered[chunk : chunk + 500], year__in=years, period=period
        ).exclude(figure="")
        for unit_id, year, figure, value, at in rows.values_list("unit_id", "year", "figure", "value", "computed_at"):
            leaf[year][unit_id][figure] = value
            stamps[(unit_id, year)].append(at)
    result = {(top, year): {"f": {}, "at": None} for top in orders for year in years}
    rule = _fallback_rule(snapshot)
    inner = {u for order in cover.values() for u in order[1:]}
    for year in years:
        _as_remainders(snapshot, year, own[year])
        own[year].update(leaf[year])
        for top, order in orders.items():
            shown = [u for u in order if u not in inner] if inner else order
            result[(top, year)] = {
                "f": _combine(snapshot, own[year], shown, fallback=rule, leaves=cover).get(top, {}),
                "at": _latest(t for u in shown for t in stamps.get((u, year), ())),
            }
    return result


# Stored commune totals ----------------------------------------------------------------------------------------
#
# A write marks its communes pending in its own transaction (`commune_totals_mark`); readers skip pending communes'
# stored rows and sum their units' summaries instead, so the figures are exact at once. After the commit one
# background task (`chapters.tasks.drain_commune_totals`, a few seconds later, gathering every write of those
# seconds) sums the pending communes again in one pass per province (`commune_totals_drain`); Celery beat runs it
# every minute as well, should a task be lost. A save or an import no longer pays ~70 ms per commune and tree.

_deferred = threading.local()

# Every refresh of stored totals holds this transaction-level advisory lock, so two refreshes of one commune never
# both delete the old rows and insert new ones (the second would not see the first's rows: the totals twice).
_REFRESH_LOCK = 7_190_019
DRAIN_SCHEDULED = "commune-totals:drain-scheduled"


@contextlib.contextmanager
def commune_totals_deferred(*, unless_untouched: bool = False):
    """Within it, writes leave the commune totals alone; every commune is summed again once at the end, with fresh
    planner statistics (a dataset load refreshes the summaries of every unit several times, one app after another).
    With `unless_untouched`, nothing is done when no write touched a commune (a catalogue load that changed
    nothing)."""
    if getattr(_deferred, "active", False):
        yield
        return
    _deferred.active, _deferred.touched, _deferred.everything = True, set(), not unless_untouched
    try:
        yield
    finally:
        _deferred.active = False
    if _deferred.everything or _deferred.touched:
        commune_totals_refresh(None)


def _deferring(unit_ids: Iterable[int] | None) -> bool:
    """Inside `commune_totals_deferred`: note what the write touched (None: everything) and say so."""
    if not getattr(_deferred, "active", False):
        return False
    if unit_ids is None:
        _deferred.everything = True
    else:
        _deferred.touched.update(unit_ids)
    return True


def commune_totals_mark(unit_ids: Iterable[int]) -> int:
    """Mark the communes among `unit_ids` pending (their stored totals are stale from now on, in this
    transaction) and have them refreshed in the background after the commit. Returns the number marked."""
    if not unit_ids or _deferring(unit_ids):
        return 0
    communes = list(Unit.objects.filter(pk__any=list(unit_ids), level=Unit.Level.COMMUNE).values_list("pk", flat=True))
    if not communes:
        return 0
    CommuneTotalPending.objects.bulk_create([CommuneTotalPending(unit_id=pk) for pk in communes])
    # Once per transaction, however many writes it holds (Django keeps the callbacks of the open transaction,
    # without those of a rolled-back savepoint, in `run_on_commit`).
    if not any(entry[1] is commune_totals_schedule for entry in connection.run_on_commit):
        transaction.on_commit(commune_totals_schedule, robust=True)
    return len(communes)


def commune_totals_schedule() -> None:
    """Queue one drain for the next few seconds, unless one is queued already; when the queue is down, drain now
    (the write has committed: its figures are exact either way, only the province's reading is slower)."""
    from chapters.tasks import drain_commune_totals

    delay = settings.COMMUNE_TOTALS_DRAIN_DELAY
    # A cache that cannot answer says neither "added" nor "present": queue then (a drain too many costs a query).
    if not cache.add(DRAIN_SCHEDULED, 1, timeout=delay + 60) and cache.get(DRAIN_SCHEDULED) is not None:
        return
    try:
        drain_commune_totals.apply_async(countdown=delay)
    except queueing.QUEUE_ERRORS as error:
        log.warning("could not queue the commune totals' refresh, refreshing now: %s", error)
        cache.delete(DRAIN_SCHEDULED)
        commune_totals_drain()


def commune_totals_drain() -> int:
    """Refresh the stored totals of every pending commune (one pass per province). Returns the rows written."""
    with replicas.reading_primary():
        pending = set(CommuneTotalPending.objects.values_list("unit_id", flat=True).distinct())
    if not pending:
        return 0
    return commune_totals_refresh(pending)


def commune_totals_refresh(unit_ids: Iterable[int] | None, years: Iterable[int] | None = None) -> int:
    """Recompute the stored totals of the communes among `unit_ids` (None: of every commune) on each kept tree
    (`stored_trees`), and clear their pending marks. A commune's totals are summed on the tree of the province it
    is in on that tree (the first by id), so a province's roll-up finds the same part of the tree. Returns the
    number of rows written."""
    if _deferring(unit_ids):
        return 0
    years = None if years is None else set(years)
    if unit_ids is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh planner statistics: a full refresh follows a rebuild or a bulk load of the summaries.
            cursor.execute(f"ANALYZE {Summary._meta.db_table}, {Unit._meta.db_table}, {ParentLink._meta.db_table}")
    with replicas.reading_primary(), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])
        provinces = Unit.objects.filter(level=Unit.Level.PROVINCE)
        if unit_ids is None:
            communes = None
            if years is None:
                # Cleared before the summaries are read: a mark committed later belongs to a later refresh.
                CommuneTotalPending.objects.all().delete()
        else:
            communes = set(
                Unit.objects.filter(pk__any=list(unit_ids), level=Unit.Level.COMMUNE).values_list("pk", flat=True)
            )
            if not communes:
                return 0
            if years is None:
                CommuneTotalPending.objects.filter(unit_id__any=list(communes)).delete()
            provinces = provinces.filter(pk__any=_containers(communes))
        provinces = list(provinces.order_by("pk"))
        written = 0
        for tree, as_of_year in stored_trees():
            if years is not None and not years & set(stored_years(as_of_year)):
                continue
            written += _commune_totals_write(tree, as_of_year, communes, provinces)
        if unit_ids is None:
            keep = [f"{year}:{Summary.Period.YEAR}" for _tree, year in stored_trees()]
            CommuneTotal.objects.exclude(as_of__in=keep).delete()
        return written


def _commune_totals_write(tree: str, as_of_year: int, communes: set[int] | None, provinces: list) -> int:
    as_of = f"{as_of_year}:{Summary.Period.YEAR}"
    years = stored_years(as_of_year)
    stale = CommuneTotal.objects.filter(tree=tree, as_of=as_of)
    (stale if communes is None else stale.filter(unit_id__any=list(communes))).delete()
    done: set[int] = set()
    written = 0
    now = timezone.now()
    compute = _totals_sql if connection.vendor == "postgresql" else _totals_python
    inside = Unit.objects.filter(level=Unit.Level.COMMUNE).values_list("pk", flat=True)
    for province in provinces:
        if tree == "today" and province.active_until is not None:
            continue  # its units hang under its successors today
        snapshot = tree_snapshot(province, year=as_of_year, tree=tree, cached=communes is not None)
        # Closed units of today's tree count inside the open unit they hang under: only open communes are stored.
        wanted = set(snapshot.ids) - done - {province.pk} - snapshot.closed
        if communes is not None:
            wanted &= communes
        if not wanted:
            continue
        chosen = set()
        for start in range(0, len(wanted), 20_000):
            chosen.update(inside.filter(pk__any=sorted(wanted)[start : start + 20_000]))
        children = snapshot.children()
        orders = {c: _subtree_order(children, c) for c in sorted(chosen)}
        totals = compute(snapshot, orders, years, Summary.Period.YEAR, stored=False)
        rows = []
        for commune, order in orders.items():
            rows.append(
                (commune, tree, as_of, as_of_year, Summary.Period.YEAR, "", 0, _subtree_digest(snapshot, order), now)
            )
            for year in years:
                entry = totals[(commune, year)]
                rows.extend(
                    (commune, tree, as_of, year, Summary.Period.YEAR, figure, value, "", entry["at"])
                    for figure, value in entry["f"].items()
                )
        _commune_totals_insert(rows)
        written += len(rows)
        done |= chosen
    return written


def _commune_totals_insert(rows: list[tuple]) -> None:
    if not rows:
        return
    columns = ("unit_id", "tree", "as_of", "year", "period", "figure", "value", "digest", "computed_at")
    bulk.insert_rows(CommuneTotal, columns, rows)


def rollup_levels(
    unit: Unit,
    *,
    years: Iterable[int],
    period: str = "Y",
    tree: str = "past",
    snapshot: TreeSnapshot | None = None,
) -> dict[int, Level]:
    """For each of `years`: the totals of `unit`'s subtree, its own figures and each direct child's totals, on
    one tree (`snapshot`, default the tree of the last year's period). Children's totals come from the cache
    when nothing beneath them changed, else from the summary table (and are cached)."""
    years = sorted(set(years))
    snapshot = snapshot or tree_snapshot(unit, year=years[-1], period=period, tree=tree)
    tops = snapshot.children().get(unit.pk, [])
    prefix = _generation()
    fingerprints = snapshot.fingerprints()
    # The whole answer is cached too, under the unit's own token (replaced by any write beneath it as well).
    whole = hashlib.blake2b(repr(sorted(fingerprints.items())).encode(), digest_size=10).hexdigest()
    own_token = _tokens(prefix, [unit.pk])[unit.pk]
    whole_key = f"{prefix}:l:{unit.pk}:{own_token}:{whole}:{period}:{','.join(map(str, years))}"
    if (found := _kept.get(whole_key)) is not None:
        return found
    if (found := cache.get(whole_key)) is not None:
        return _keep_levels(whole_key, found)
    tokens = _tokens(prefix, tops)
    keys = {
        (top, year): f"{prefix}:r:{top}:{tokens[top]}:{fingerprints[top]}:{year}:{period}"
        for top in tops
        for year in years
    }
    # Each branch's entry from the process first (a save in one commune names only that branch anew: the province's
    # other 165 branches of five years stay kept), then from the shared cache.
    entries = {pair: found for pair, key in keys.items() if (found := _kept.get(key)) is not None}
    cached = cache.get_many([key for pair, key in keys.items() if pair not in entries])
    for pair, key in keys.items():
        if key in cached:
            entries[pair] = _keep_entry(key, cached[key])
    missing = [pair for pair in keys if pair not in entries]
    # Computed from a replica only when it has replayed the writes that replaced these tokens.
    with replicas.reads_at_least(_positions([own_token, *tokens.values()])):
        return _levels_computed(unit, years, period, snapshot, tops, keys, entries, missing, whole_key)


def _levels_computed(unit, years, period, snapshot, tops, keys, entries, missing, whole_key) -> dict[int, Level]:

    if missing:
        missing_tops = sorted({top for top, _year in missing})
        read_years = sorted({year for _top, year in missing})
        compute = _branch_totals_sql if connection.vendor == "postgresql" else _branch_totals_python
        computed = compute(snapshot, missing_tops, read_years, period)
        fresh = {keys[pair]: computed[pair] for pair in missing}
        cache.set_many(fresh, timeout=ROLLUP_TIMEOUT)
        entries.update({pair: _keep_entry(keys[pair], computed[pair]) for pair in missing})

    own: dict[int, dict[str, int]] = defaultdict(dict)
    stamps: dict[int, list] = defaultdict(list)
    for year, figure, value, at in Summary.objects.filter(unit=unit, year__in=years, period=period).values_list(
        "year", "figure", "value", "computed_at"
    ):
        own[year][figure] = value
        stamps[year].append(at)

    fallback = _fallback_rule(snapshot)
    listed = set(snapshot.listed_children(unit.pk))
    result = {}
    for year in years:
        mine = _as_remainders(snapshot, year, {unit.pk: dict(own[year])})[unit.pk]
        total = dict(mine)
        times = list(stamps[year])
        children = {}
        for top in tops:
            entry = entries[(top, year)]
            if top in listed:
                children[top] = entry["f"]
            else:
                # A closed unit of today's tree (and what hangs under it): the unit's own figures.
                for figure, value in entry["f"].items():
                    mine[figure] = mine.get(figure, 0) + value
            if entry["at"]:
                times.append(entry["at"])
            for figure, value in entry["f"].items():
                if figure in fallback and figure in own[year]:
                    continue
                total[figure] = total.get(figure, 0) + value
        result[year] = Level(
            total={figure: value for figure, value in total.items() if value},
            own={figure: value for figure, value in mine.items() if value},
            children=children,
            as_of=_latest(times),
        )
    if not keys or len(missing) * WHOLE_SHARED_ABOVE > len(keys):
        # Shared when the other processes could not add it up from branches of their own: a unit with no branches
        # (a chapter: its own rows, read from the table), or more than a quarter of the branches summed from the
        # table (a cold cache, a new generation). After a save beneath, one branch is new and the rest are kept:
        # each process adds them up (~2 ms) rather than one pickling the whole answer (300 KB for a province) for
        # the others to unpickle (issue 19's mixed load).
        cache.set(whole_key, result, timeout=ROLLUP_TIMEOUT)
    return _keep_levels(whole_key, result)


def _keep_entry(key: str, entry: dict) -> dict:
    """A branch's cached totals ({"f": figures, "at": when}), frozen and kept in the process."""
    frozen = MappingProxyType({"f": MappingProxyType(entry["f"]), "at": entry["at"]})
    _kept.put(key, frozen, 1)
    return frozen


def _keep_levels(key: str, levels: dict[int, Level]) -> dict[int, Level]:
    frozen = MappingProxyType({year: level.frozen() for year, level in levels.items()})
    _kept.put(key, frozen, sum(len(level.children) + 1 for level in levels.values()))
    return frozen


def rollup(
    unit: Unit,
    *,
    year: int,
    period: str = "Y",
    figures: list[str] | None = None,
    tree: str = "past",
    snapshot: TreeSnapshot | None = None,
) -> dict[str, int]:
    """The figures of `unit`'s whole subtree for one period."""
    result = rollup_levels(unit, years=[year], period=period, tree=tree, snapshot=snapshot)[year].total
    return {f: result.get(f, 0) for f in figures} if figures is not None else result


def own_figures(unit: Unit, *, year: int, period: str = "Y", figures: list[str] | None = None) -> dict[str, int]:
    """The figures of the unit's own facts alone (the "fund of this association itself")."""
    qs = Summary.objects.filter(unit=unit, year=year, period=period)
    if figures is not None:
        qs = qs.filter(figure__in=figures)
    return dict(qs.values_list("figure", "value"))


def rollup_children(
    unit: Unit, *, year: int, period: str = "Y", figures: list[str] | None = None, tree: str = "past"
) -> dict[int, dict[str, int]]:
    """Totals for each direct child of `unit` in the chosen tree: {child id: {figure: value}}."""
    children = rollup_levels(unit, years=[year], period=period, tree=tree)[year].children
    if figures is None:
        return children
    return {child: {f: v for f, v in values.items() if f in figures} for child, values in children.items()}
