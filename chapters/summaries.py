"""Per-unit, per-period summaries (design.md §3).

Each app that owns facts registers a provider that computes its figures for given units and years from its
facts. Write services call `summaries_refresh()` for the units and years they touched (so dashboards are
current within the request), bulk imports call it once at the end, and `rebuild_summaries` recomputes
everything; a test proves both give the same table. Readers use `rollup()` / `rollup_children()`, which only
read the summary table and the (small) tree: never a fact table.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chapters.models import ParentLink, Summary, Unit

Row = tuple[int, int, str, str, int]  # (unit id, year, period, figure, value)

SUM = "sum"
OWN_OR_CHILDREN = "own_or_children"  # a unit's own entry, else the sum of its children's (baseline figures)


@dataclass
class SummaryProvider:
    """What an app registers: its figures (key → Vietnamese label) and how to compute them from facts."""

    name: str
    figures: dict[str, str]
    compute: "callable"  # (unit_ids: list[int] | None, years: list[int]) -> Iterable[Row]
    aggregation: dict[str, str] = field(default_factory=dict)  # figure → SUM (default) or OWN_OR_CHILDREN

    def aggregation_of(self, figure: str) -> str:
        return self.aggregation.get(figure, SUM)


PROVIDERS: dict[str, SummaryProvider] = {}


def register(provider: SummaryProvider) -> SummaryProvider:
    PROVIDERS[provider.name] = provider
    return provider


def figure_labels() -> dict[str, str]:
    return {key: label for p in PROVIDERS.values() for key, label in p.figures.items()}


def _aggregation(figure: str) -> str:
    for provider in PROVIDERS.values():
        if figure in provider.figures:
            return provider.aggregation_of(figure)
    return SUM


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
            Summary(unit_id=u, year=y, period=p, figure=f, value=v, computed_at=now)
            for u, y, p, f, v in provider.compute(unit_ids, years)
            # Zero rows are left out, except an own entry of a fallback figure ("no clans here" is a fact).
            if (v or provider.aggregation_of(f) == OWN_OR_CHILDREN) and y in years
        ]
        Summary.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
    return written


def summaries_rebuild(*, unit: Unit | None = None, year: int | None = None) -> int:
    unit_ids = None if unit is None else list(Unit.objects.subtree(unit).values_list("pk", flat=True))
    return summaries_refresh(unit_ids=unit_ids, years=None if year is None else [year])


# Reading ---------------------------------------------------------------------------------------------------


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

    @property
    def ids(self) -> set[int]:
        return set(self.parents)

    def children(self) -> dict[int | None, list[int]]:
        result: dict[int | None, list[int]] = defaultdict(list)
        for unit_id, parent_id in self.parents.items():
            if unit_id != self.root_id:
                result[parent_id].append(unit_id)
        return result


def tree_snapshot(unit: Unit, *, year: int, period: str = Summary.Period.YEAR, tree: str = "past") -> TreeSnapshot:
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
        parents = {}
        for pk, parent_id, active_until in rows:
            # A closed unit hangs under its primary successor (or its last parent) in today's tree.
            parents[pk] = successors.get(pk, parent_id) if active_until else parent_id
        parents[unit.pk] = None
        return TreeSnapshot(
            unit.pk, {k: (v if v in ids else None) if k != unit.pk else None for k, v in parents.items()}
        )

    start, end = period_bounds(year, period)
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
    return TreeSnapshot(unit.pk, parents)


def _values(ids: Iterable[int], years: list[int], period: str, figures: list[str] | None):
    qs = Summary.objects.filter(unit_id__in=list(ids), year__in=years, period=period)
    if figures is not None:
        qs = qs.filter(figure__in=figures)
    return qs.values_list("unit_id", "year", "figure", "value")


def _combine(snapshot: TreeSnapshot, own: dict[int, dict[str, int]], figures: set[str]) -> dict[int, dict[str, int]]:
    """Totals for every unit of the snapshot: sums, or own-or-children for fallback figures."""
    children = snapshot.children()
    totals: dict[int, dict[str, int]] = {}

    def visit(unit_id: int) -> dict[str, int]:
        result: dict[str, int] = {}
        kids = [visit(child) for child in children.get(unit_id, ())]
        mine = own.get(unit_id, {})
        for figure in figures:
            below = sum(k.get(figure, 0) for k in kids)
            if _aggregation(figure) == OWN_OR_CHILDREN:
                value = mine[figure] if figure in mine else below
            else:
                value = mine.get(figure, 0) + below
            if value:
                result[figure] = value
        totals[unit_id] = result
        return result

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    visit(snapshot.root_id)
    return totals


def rollup_tree(
    unit: Unit,
    *,
    year: int,
    period: str = "Y",
    figures: list[str] | None = None,
    tree: str = "past",
    snapshot: TreeSnapshot | None = None,
) -> dict[int, dict[str, int]]:
    """Totals for `unit` and every unit below it: {unit id: {figure: value}}."""
    snapshot = snapshot or tree_snapshot(unit, year=year, period=period, tree=tree)
    own: dict[int, dict[str, int]] = defaultdict(dict)
    seen_figures = set(figures or [])
    for unit_id, _year, figure, value in _values(snapshot.ids, [year], period, figures):
        own[unit_id][figure] = value
        seen_figures.add(figure)
    return _combine(snapshot, own, seen_figures)


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
    totals = rollup_tree(unit, year=year, period=period, figures=figures, tree=tree, snapshot=snapshot)
    result = totals.get(unit.pk, {})
    return {f: result.get(f, 0) for f in figures} if figures is not None else result


def computed_at(unit: Unit, *, year: int) -> datetime.datetime | None:
    """When the newest summary of `unit`'s current subtree for `year` was computed: the dashboards' "data as of"."""
    from django.db.models import Max

    return Summary.objects.filter(unit__path__startswith=unit.path, year=year).aggregate(latest=Max("computed_at"))[
        "latest"
    ]


def own_figures(unit: Unit, *, year: int, period: str = "Y", figures: list[str] | None = None) -> dict[str, int]:
    """The figures of the unit's own facts alone (the "fund of this association itself")."""
    return {figure: value for _u, _y, figure, value in _values([unit.pk], [year], period, figures)}


def rollup_children(
    unit: Unit, *, year: int, period: str = "Y", figures: list[str] | None = None, tree: str = "past"
) -> dict[int, dict[str, int]]:
    """Totals for each direct child of `unit` in the chosen tree: {child id: {figure: value}}."""
    snapshot = tree_snapshot(unit, year=year, period=period, tree=tree)
    totals = rollup_tree(unit, year=year, period=period, figures=figures, tree=tree, snapshot=snapshot)
    return {child: totals.get(child, {}) for child in snapshot.children().get(unit.pk, [])}
