"""The read side of reports and dashboards (design.md §3, §6): figures for a unit and period, read from the
summary table only, with the previous period on the same tree."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from chapters.models import Summary, Unit
from chapters.summaries import own_figures, rollup, rollup_tree, tree_snapshot

# Figures that are stocks (a value at the period's end) rather than flows (an amount during the period): a
# term's stock is its last year's, a term's flow the sum of its years.
STOCK_PREFIXES = (
    "units.",
    "baseline.",
    "members.end",
    "members.party",
    "members.female",
    "funds.balance",
    "titles.",
    "funds.opening",
)
FLOW_SUFFIXES = (".registered", ".recognised")


def is_stock(figure: str) -> bool:
    if figure.startswith("titles.") and figure.endswith(FLOW_SUFFIXES):
        return False
    return figure.startswith(STOCK_PREFIXES) and not figure.startswith("funds.opening")


@dataclass
class PeriodFigures:
    """Everything Section I needs for one unit and period, and the same for the previous period."""

    unit: Unit
    year: int
    period: str  # "Y", "H1" or "term"
    tree: str
    current: dict[str, int]
    previous: dict[str, int]
    own: dict[str, int]  # the unit's own facts only ("quỹ của chính hội")
    previous_label: str
    first_year: int
    children: list[dict] = field(default_factory=list)  # per child unit: name and its figures
    snapshot: object = None  # the tree the figures were summed over (chapters.summaries.TreeSnapshot)

    def get(self, figure: str) -> int:
        return self.current.get(figure, 0)

    def prev(self, figure: str) -> int:
        return self.previous.get(figure, 0)

    def below(self, figure: str) -> int:
        return self.get(figure) - self.own.get(figure, 0)

    def has(self, prefix: str) -> bool:
        return any(key.startswith(prefix) and value for key, value in self.current.items())

    def as_json(self) -> dict:
        return {
            "unit": self.unit.pk,
            "year": self.year,
            "period": self.period,
            "tree": self.tree,
            "current": self.current,
            "previous": self.previous,
            "own": self.own,
            "previous_label": self.previous_label,
        }


def _summary_period(period: str) -> str:
    return Summary.Period.H1 if period == "H1" else Summary.Period.YEAR


def _term_years(year: int, term_start: int | None) -> list[int]:
    return list(range(term_start or year - 4, year + 1))


def _rollup_years(unit: Unit, years: list[int], period: str, snapshot) -> dict[str, int]:
    """Flows summed over `years`, stocks taken from the last year."""
    totals: dict[str, int] = {}
    for index, year in enumerate(years):
        values = rollup(unit, year=year, period=period, snapshot=snapshot)
        last = index == len(years) - 1
        for figure, value in values.items():
            if is_stock(figure):
                if last:
                    totals[figure] = value
            else:
                totals[figure] = totals.get(figure, 0) + value
    return totals


def _own_years(unit: Unit, years: list[int], period: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for index, year in enumerate(years):
        for figure, value in own_figures(unit, year=year, period=period).items():
            if is_stock(figure):
                if index == len(years) - 1:
                    totals[figure] = value
            else:
                totals[figure] = totals.get(figure, 0) + value
    return totals


BASELINE_LOOKBACK = 3


def _with_baseline(
    unit: Unit, year: int, values: dict[str, int], snapshot, *, half_year: bool = False
) -> dict[str, int]:
    """Baseline figures (population, households...) change slowly and are often entered late: when a year has
    none, the latest of the previous few years stands in, and `baseline.year` says which year it is. Baseline
    figures are yearly only: a half-year takes its own year's first."""
    if any(key.startswith("baseline.") for key in values):
        values["baseline.year"] = year
        return values
    for earlier in range(year if half_year else year - 1, year - 1 - BASELINE_LOOKBACK, -1):
        found = {k: v for k, v in rollup(unit, year=earlier, snapshot=snapshot).items() if k.startswith("baseline.")}
        if found:
            return {**values, **found, "baseline.year": earlier}
    return values


def period_figures(
    unit: Unit,
    *,
    year: int,
    period: str = "Y",
    tree: str = "past",
    term_start: int | None = None,
    with_children: bool = True,
) -> PeriodFigures:
    """Figures of `unit`'s subtree for the period and the previous one, both summed over the same tree."""
    summary_period = _summary_period(period)
    snapshot = tree_snapshot(unit, year=year, period=summary_period, tree=tree)
    if period == "term":
        years = _term_years(year, term_start)
        previous_years = [y - len(years) for y in years]
        previous_label = f"nhiệm kỳ {previous_years[0]}–{previous_years[-1]}"
    else:
        years, previous_years = [year], [year - 1]
        previous_label = f"6 tháng đầu năm {year - 1}" if period == "H1" else f"năm {year - 1}"
    half_year = summary_period == Summary.Period.H1
    current = _with_baseline(
        unit, years[-1], _rollup_years(unit, years, summary_period, snapshot), snapshot, half_year=half_year
    )
    previous = _with_baseline(
        unit,
        previous_years[-1],
        _rollup_years(unit, previous_years, summary_period, snapshot),
        snapshot,
        half_year=half_year,
    )
    own = _own_years(unit, years, summary_period)
    result = PeriodFigures(
        snapshot=snapshot,
        unit=unit,
        year=year,
        period=period,
        tree=tree,
        current=current,
        previous=previous,
        own=own,
        previous_label=previous_label,
        first_year=years[0],
    )
    if with_children:
        totals = rollup_tree(unit, year=year, period=summary_period, snapshot=snapshot)
        child_ids = snapshot.children().get(unit.pk, [])
        lacking = [c for c in child_ids if not any(k.startswith("baseline.") for k in totals.get(c, {}))]
        for earlier in range(year if half_year else year - 1, year - 1 - BASELINE_LOOKBACK, -1):
            if not lacking:
                break
            older = rollup_tree(unit, year=earlier, period=Summary.Period.YEAR, snapshot=snapshot)
            for child in list(lacking):
                found = {k: v for k, v in older.get(child, {}).items() if k.startswith("baseline.")}
                if found:
                    totals.setdefault(child, {}).update(found)
                    lacking.remove(child)
        names = dict(Unit.objects.filter(pk__in=child_ids).values_list("pk", "name"))
        units = {u.pk: u for u in Unit.objects.filter(pk__in=child_ids)}
        result.children = sorted(
            ({"unit": units[c], "name": names[c], "figures": totals.get(c, {})} for c in child_ids if c in units),
            key=lambda row: (row["unit"].level_rank, row["unit"].sort_key),
        )
    return result


def period_end(year: int, period: str) -> datetime.date:
    return datetime.date(year, 6, 30) if period == "H1" else datetime.date(year, 12, 31)


def is_future(year: int, period: str) -> bool:
    start = datetime.date(year, 1, 1)
    return start > timezone.localdate()


def trends(f: PeriodFigures, figures: list[str], years: int = 5) -> dict[str, list[tuple[str, int]]]:
    """Five years of `figures` up to the period's year, summed over the same tree as the period's figures (one
    roll-up per year for all the figures)."""
    result: dict[str, list[tuple[str, int]]] = {figure: [] for figure in figures}
    for year in range(f.year - years + 1, f.year + 1):
        values = rollup(f.unit, year=year, figures=figures, snapshot=f.snapshot)
        for figure in figures:
            result[figure].append((str(year), values[figure]))
    return result
