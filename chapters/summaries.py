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

import datetime
import hashlib
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, router, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from chapters import figures as catalogue
from chapters.figures import OWN_OR_CHILDREN, SUM
from chapters.models import Lineage, ParentLink, Summary, SummaryGeneration, TreeVersion, Unit
from core import replicas

Row = tuple[int, int, str, str, int]  # (unit id, year, period, figure, value)


@dataclass
class SummaryProvider:
    """What an app registers: its figures (key → Vietnamese label, each declared in the figures catalogue,
    chapters/figures.py) and how to compute them from facts."""

    name: str
    figures: dict[str, str]
    compute: "callable"  # (unit_ids: list[int] | None, years: list[int]) -> Iterable[Row]

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
            stale = stale.filter(unit_id__in=unit_ids)
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
    summaries_changed(unit_ids)
    return written


def _summaries_insert(rows: list[tuple]) -> None:
    """Insert summary rows (unit id, year, period, figure, value, computed at): with COPY on PostgreSQL (a
    country's pre-reform tree writes ~300,000 unit counts), else in bulk through the ORM."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = ("unit_id", "year", "period", "figure", "value", "computed_at")
        sql = f"COPY {Summary._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    Summary.objects.bulk_create(
        [Summary(unit_id=u, year=y, period=p, figure=f, value=v, computed_at=at) for u, y, p, f, v, at in rows],
        batch_size=5000,
    )


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
    prefix, version = _tokens_of_database()
    key = f"{prefix}:s:{unit.pk}:{tree}:{year}:{period}:{first_year}:{timezone.localdate()}:{version}"
    if version and (found := cache.get(key)) is not None:
        return found
    snapshot = _tree_snapshot(unit, year=year, period=period, tree=tree, first_year=first_year)
    snapshot.fingerprints()  # computed once, kept with it
    if version:
        cache.set(key, snapshot, timeout=ROLLUP_TIMEOUT)
    return snapshot


def _tree_snapshot(unit: Unit, *, year: int, period: str, tree: str, first_year: int | None = None) -> TreeSnapshot:
    """The subtree a period's figures are summed over.

    tree="past": the tree as it stood at the period's end, plus units that closed during the period under it
    (their facts of that period still count). tree="today": today's tree, with closed units counted under the
    successor their lineage names as primary.
    """
    from chapters.services import tree as tree_services

    if tree == "today":
        ids = tree_services.representative_ids_today(unit)
        rows = Unit.objects.filter(pk__in=ids).values_list("pk", "parent_id", "active_until")
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
) -> dict[int, dict[str, int]]:
    """Totals for every unit of `order` (breadth-first, a unit before its children; default the whole snapshot):
    sums, or own-or-children for fallback figures. Zeros are left out."""
    if order is None:
        order = [snapshot.root_id]
        for branch in snapshot.branches().values():
            order.extend(branch)
    fallback = _fallback_figures() if fallback is None else fallback
    children = snapshot.children()
    totals: dict[int, dict[str, int]] = {}
    for unit_id in reversed(order):
        mine = own.get(unit_id, {})
        result = dict(mine)
        for child in children.get(unit_id, ()):
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
        unit_id__in=unit_ids, year=year, period=Summary.Period.YEAR, figure__in=figures
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
        past_own = read(list(past.ids), year, sorted(fallback))
        past_totals = _combine(past, past_own, fallback=fallback)
        past_children = past.children()
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
    qs = Summary.objects.filter(unit_id__in=list(snapshot.ids), year=year, period=period)
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
TOKEN_TIMEOUT = 30 * 24 * 3600


@dataclass
class Level:
    """One period's figures of a unit's subtree, of the unit's own facts, and of each direct child's subtree."""

    total: dict[str, int]
    own: dict[str, int]
    children: dict[int, dict[str, int]]
    as_of: datetime.datetime | None  # when the newest of these figures was computed


def _tokens_of_database() -> tuple[str, str | None]:
    """The generation's cache prefix and the tree's version, in one query."""
    generation, tree = (
        SummaryGeneration.objects.filter(pk=1)
        .values_list("token", Subquery(TreeVersion.objects.filter(pk=1).values("token")[:1]))
        .first()
    ) or (None, TreeVersion.objects.filter(pk=1).values_list("token", flat=True).first())
    if generation is None:
        with replicas.reading_primary():  # a replica may not have the row the primary just made
            generation = SummaryGeneration.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4()})[0].token
    return f"kh:rollup:{ROLLUP_FORMAT}:{generation.hex if hasattr(generation, 'hex') else generation}", tree


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
    seen = set(unit_ids)
    frontier = set(seen)
    while frontier:
        above = set(ParentLink.objects.filter(unit_id__in=frontier).values_list("parent_id", flat=True))
        above |= set(Unit.objects.filter(pk__in=frontier, parent__isnull=False).values_list("parent_id", flat=True))
        above |= set(Lineage.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True))
        frontier = above - seen
        seen |= frontier
    return seen


def summaries_changed(unit_ids: Iterable[int] | None) -> None:
    """Forget the cached roll-ups that include summaries of `unit_ids` (None: every cached roll-up).

    Tokens are replaced now (this transaction's own later reads) and again after the commit (a reader that
    cached the old figures in between named them with a token that is then gone).
    """
    if unit_ids is None:
        SummaryGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4()})
        return
    containers = _containers(unit_ids)
    if not containers:
        return

    def replace(position=None):
        # After the commit, a token also names the primary's WAL position: a reader on a replica computes under
        # it only once the replica has replayed that far (core.replicas.reads_at_least).
        token = uuid.uuid4().hex + (f"@{position}" if position else "")
        with replicas.reading_primary():
            prefix = _generation()
        cache.set_many({f"{prefix}:t:{unit_id}": token for unit_id in containers}, timeout=TOKEN_TIMEOUT)

    replace()
    transaction.on_commit(lambda: replace(replicas.position_after_commit()))


def _positions(tokens: Iterable[str]) -> list[str]:
    """The WAL positions named by tokens (see `summaries_changed`)."""
    return [token.partition("@")[2] for token in tokens if "@" in token]


def _latest(times) -> datetime.datetime | None:
    times = [t for t in times if t is not None]
    return max(times) if times else None


def _branch_totals_sql(snapshot: TreeSnapshot, tops: list[int], years: list[int], period: str) -> dict:
    """{(top, year): {"f": totals, "at": newest computed_at}} for the branches `tops`, summed by PostgreSQL
    (plain sums grouped by branch; fallback figures, which need the tree, combined here from their few rows)."""
    branches = snapshot.branches()
    unit_ids = [u for top in tops for u in branches[top]]
    top_ids = [top for top in tops for _u in branches[top]]
    fallback = sorted(_fallback_figures())
    table = Summary._meta.db_table
    result: dict[tuple[int, int], dict] = {(top, year): {"f": {}, "at": None} for top in tops for year in years}
    own: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    stamps: dict[tuple[int, int], list] = defaultdict(list)
    # Raw SQL asks the router itself where a read of summaries goes (a replica, on a read-only screen).
    with connections[router.db_for_read(Summary)].cursor() as cursor:
        # One query: plain sums per branch (kind 0), and the rows of fallback figures per unit (kind 1).
        cursor.execute(
            f"SELECT 0, m.top, s.year, s.figure, SUM(s.value), MAX(s.computed_at) FROM {table} s "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(unit_id, top) ON m.unit_id = s.unit_id "
            "WHERE s.year = ANY(%s) AND s.period = %s AND NOT (s.figure = ANY(%s)) "
            "GROUP BY m.top, s.year, s.figure "
            f"UNION ALL SELECT 1, s.unit_id, s.year, s.figure, s.value, s.computed_at FROM {table} s "
            "WHERE s.unit_id = ANY(%s) AND s.year = ANY(%s) AND s.period = %s AND s.figure = ANY(%s)",
            [unit_ids, top_ids, years, period, fallback, unit_ids, years, period, fallback],
        )
        for kind, unit_id, year, figure, value, at in cursor.fetchall():
            if kind == 0:
                entry = result[(unit_id, year)]
                if value:
                    entry["f"][figure] = int(value)
                entry["at"] = _latest([entry["at"], at])
            else:
                own[year][unit_id][figure] = int(value)
                stamps[(unit_id, year)].append(at)
    rule = _fallback_rule(snapshot)
    for year in years:
        if not own[year]:
            continue
        _as_remainders(snapshot, year, own[year])
        for top in tops:
            entry = result[(top, year)]
            entry["f"].update(_combine(snapshot, own[year], branches[top], fallback=rule).get(top, {}))
            entry["at"] = _latest([entry["at"], *(t for u in branches[top] for t in stamps.get((u, year), ()))])
    return result


def _branch_totals_python(snapshot: TreeSnapshot, tops: list[int], years: list[int], period: str) -> dict:
    """The same as `_branch_totals_sql`, from the rows of every unit (SQLite, the embedded default)."""
    branches = snapshot.branches()
    unit_ids = [u for top in tops for u in branches[top]]
    own: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    stamps: dict[tuple[int, int], list] = defaultdict(list)
    for chunk in range(0, len(unit_ids), 500):
        rows = Summary.objects.filter(
            unit_id__in=unit_ids[chunk : chunk + 500], year__in=years, period=period
        ).values_list("unit_id", "year", "figure", "value", "computed_at")
        for unit_id, year, figure, value, at in rows:
            own[year][unit_id][figure] = value
            stamps[(unit_id, year)].append(at)
    result = {}
    rule = _fallback_rule(snapshot)
    for year in years:
        _as_remainders(snapshot, year, own[year])
        for top in tops:
            order = branches[top]
            result[(top, year)] = {
                "f": _combine(snapshot, own[year], order, fallback=rule).get(top, {}),
                "at": _latest(t for u in order for t in stamps.get((u, year), ())),
            }
    return result


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
    if (found := cache.get(whole_key)) is not None:
        return found
    tokens = _tokens(prefix, tops)
    keys = {
        (top, year): f"{prefix}:r:{top}:{tokens[top]}:{fingerprints[top]}:{year}:{period}"
        for top in tops
        for year in years
    }
    cached = cache.get_many(list(keys.values()))
    entries = {pair: cached[key] for pair, key in keys.items() if key in cached}
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
        entries.update({pair: computed[pair] for pair in missing})
        cache.set_many(fresh, timeout=ROLLUP_TIMEOUT)

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
    cache.set(whole_key, result, timeout=ROLLUP_TIMEOUT)
    return result


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
