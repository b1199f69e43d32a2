"""The read side of reports and dashboards (design.md §3, §6): figures for a unit and period, read from the
summary table only, with the previous period on the same tree."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from chapters import figures as catalogue
from chapters.models import Summary, Unit
from chapters.summaries import listed_units, rollup_levels, tree_snapshot


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
    yearly: dict[int, dict[str, int]] = field(default_factory=dict)  # whole-year totals of the years read
    as_of: datetime.datetime | None = None  # when the newest figure read was computed

    def get(self, figure: str) -> int:
        return self.current.get(figure, 0)

    def prev(self, figure: str) -> int:
        return self.previous.get(figure, 0)

    def below(self, figure: str) -> int:
        return self.get(figure) - self.own.get(figure, 0)

    def own_row(self, keys: list[str]) -> list[int]:
        """The unit's own row of a table of its children: the total less the children's rows, so the rows always
        add up. For summed figures it is the unit's own facts (and, in today's tree, those of closed units that
        follow it); for a baseline figure entered for the whole area it is the part not entered for a child."""
        return [self.get(key) - sum(child["figures"].get(key, 0) for child in self.children) for key in keys]

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


def summary_period_of(period: str) -> str:
    return Summary.Period.H1 if period == "H1" else Summary.Period.YEAR


def term_years(year: int, term_start: int | None) -> list[int]:
    return list(range(term_start or year - 4, year + 1))


def _over_years(levels: dict[int, dict[str, int]], years: list[int]) -> dict[str, int]:
    """A period of several years: each figure as the catalogue declares it (flows summed, stocks at the end)."""
    return catalogue.over_years(levels, years)


BASELINE_LOOKBACK = 3
TREND_YEARS = 5


def baseline_part(values: dict[str, int]) -> dict[str, int]:
    return {key: value for key, value in values.items() if catalogue.in_area(key, "baseline")}


def with_baseline(
    year: int, values: dict[str, int], yearly: dict[int, dict[str, int]], *, half_year: bool = False
) -> dict[str, int]:
    """Baseline figures (population, households...) change slowly and are often entered late: when a year has
    none, the latest of the previous few years stands in, and `baseline.year` says which year it is. Baseline
    figures are yearly only: a half-year takes its own year's first. `yearly`: whole-year figures by year."""
    if baseline_part(values):
        return {**values, "baseline.year": year}
    for earlier in range(year if half_year else year - 1, year - 1 - BASELINE_LOOKBACK, -1):
        found = baseline_part(yearly.get(earlier, {}))
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
    """Figures of `unit`'s subtree for the period and the previous one, both summed over the same tree.

    Every year the page needs (the period's, the previous period's, the years baseline figures fall back to and
    the five years of the trends) is read in one cached roll-up (chapters.summaries.rollup_levels)."""
    summary_period = summary_period_of(period)
    half_year = summary_period == Summary.Period.H1
    first_year = term_years(year, term_start)[0] if period == "term" else None
    snapshot = tree_snapshot(unit, year=year, period=summary_period, tree=tree, first_year=first_year)
    if period == "term":
        years = term_years(year, term_start)
        previous_years = [y - len(years) for y in years]
        previous_label = f"nhiệm kỳ {previous_years[0]}–{previous_years[-1]}"
    else:
        years, previous_years = [year], [year - 1]
        previous_label = f"6 tháng đầu năm {year - 1}" if period == "H1" else f"năm {year - 1}"
    first = min(previous_years[0], previous_years[-1] - BASELINE_LOOKBACK, year - TREND_YEARS + 1)
    span = list(range(first, year + 1))
    levels = rollup_levels(unit, years=span, period=summary_period, snapshot=snapshot)
    yearly = levels if not half_year else rollup_levels(unit, years=span, snapshot=snapshot)
    totals = {y: level.total for y, level in levels.items()}
    yearly_totals = {y: level.total for y, level in yearly.items()}
    current = with_baseline(years[-1], _over_years(totals, years), yearly_totals, half_year=half_year)
    previous = with_baseline(
        previous_years[-1], _over_years(totals, previous_years), yearly_totals, half_year=half_year
    )
    own = _over_years({y: level.own for y, level in levels.items()}, years)
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
        yearly=yearly_totals,
        as_of=max((level.as_of for level in levels.values() if level.as_of), default=None),
    )
    if with_children:
        child_ids = snapshot.listed_children(unit.pk)
        units = listed_units(child_ids)
        rows = []
        by_child = _children_figures(levels, yearly, years, year, half_year, [c for c in child_ids if c in units])
        for child in child_ids:
            if child not in units:
                continue
            figures = dict(by_child[child])
            if tree == "today" and units[child].active_until and not _counts_anything(figures):
                # A dissolved unit (a pre-reform district, a merged province) hangs under its successor in
                # today's tree; with nothing to count but itself it is not a row of today's organisation.
                continue
            rows.append({"unit": units[child], "name": units[child].name, "figures": figures})
        result.children = sorted(rows, key=lambda row: (row["unit"].level_rank, row["unit"].sort_key))
    return result


def _children_figures(levels, yearly, years: list[int], year: int, half_year: bool, children: list[int]):
    """{child: its figures over the period}: a term's flows summed, its stocks at the end, like the total's, and
    its latest baseline of the few years before when the period has none.

    Worked out once per roll-up and kept on its last year's Level, which the roll-up's cache shares (read-only)
    between the requests of a process until a write beneath the unit replaces it (a province's 166 communes: most of
    the dashboard's own work). Kept only while the Levels it was worked out from are the very same objects; the
    figures are shared, so a caller copies before changing them."""
    lookback = list(range(year if half_year else year - 1, year - 1 - BASELINE_LOOKBACK, -1))
    sources = (*(levels[y] for y in years), *(yearly.get(y) for y in lookback))
    kept = levels[years[-1]].derived.setdefault("children_figures", {})
    key = (tuple(years), half_year)
    found = kept.get(key)
    same = found is not None and len(found[0]) == len(sources)
    if not same or any(a is not b for a, b in zip(found[0], sources, strict=True)):
        found = kept[key] = (sources, {})
    figures_of = found[1]
    for child in children:
        if child in figures_of:
            continue
        figures = _over_years({y: levels[y].children.get(child, {}) for y in years}, years)
        if not baseline_part(figures):
            for earlier in lookback:
                found_baseline = baseline_part(yearly[earlier].children.get(child, {}))
                if found_baseline:
                    figures.update(found_baseline)
                    break
        figures_of[child] = figures
    return figures_of


def _counts_anything(figures: dict[str, int]) -> bool:
    return any(value for key, value in figures.items() if not key.startswith("units.association."))


def period_end(year: int, period: str) -> datetime.date:
    return datetime.date(year, 6, 30) if period == "H1" else datetime.date(year, 12, 31)


def is_future(year: int, period: str) -> bool:
    start = datetime.date(year, 1, 1)
    return start > timezone.localdate()


def trends(f: PeriodFigures, figures: list[str], years: int = TREND_YEARS) -> dict[str, list[tuple[str, int]]]:
    """Five years of `figures` up to the period's year, summed over the same tree as the period's figures."""
    span = list(range(f.year - years + 1, f.year + 1))
    missing = [year for year in span if year not in f.yearly]
    if missing:
        f.yearly.update(
            {y: level.total for y, level in rollup_levels(f.unit, years=missing, snapshot=f.snapshot).items()}
        )
    return {figure: [(str(year), f.yearly[year].get(figure, 0)) for year in span] for figure in figures}
