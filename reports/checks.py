"""check_figures: every figure a report prints, recomputed from the facts (design.md §14).

The report reads the summary table through the cached roll-ups (reports.queries.period_figures). This check
reads neither: it asks each app's summary provider to compute its figures from the facts for the units of the
report's tree, sums them over the same tree with the catalogue's rules (flows summed over the period, stocks at its
end, baseline entries as their own-or-children values, or remainders on today's tree), and compares figure by
figure: the total, the previous period, the unit's own row and each child's row. It also checks that the rows of
the statistical return add up to its total.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from chapters import figures as catalogue
from chapters.models import Summary, Unit
from chapters.summaries import PROVIDERS, figure_labels, period_bounds, totals_from_own, tree_snapshot
from core.formatting import number
from reports.queries import (
    BASELINE_LOOKBACK,
    baseline_part,
    period_figures,
    summary_period_of,
    term_years,
    with_baseline,
)

PERIOD_WORDS = {"Y": "năm", "H1": "6 tháng đầu năm", "term": "nhiệm kỳ"}


@dataclass
class FiguresCheck:
    compared: int = 0
    problems: list[str] = field(default_factory=list)


def _facts(unit_ids: list[int], years: list[int]) -> dict[tuple[int, str], dict[int, dict[str, int]]]:
    """{(year, period): {unit: {figure: value}}} computed by the providers from the facts (no summary read)."""
    result: dict[tuple[int, str], dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for provider in PROVIDERS.values():
        for unit_id, year, period, figure, value in provider.compute(unit_ids, years):
            if year in years and (value or provider.aggregation_of(figure) == catalogue.OWN_OR_CHILDREN):
                result[(year, period)][unit_id][figure] = value
    return result


def _label(key: str) -> str:
    """The figure's label as the providers list it (title types by name), else the catalogue's."""
    found = figure_labels().get(key) or (catalogue.find(key).label if catalogue.find(key) else "")
    return found or key


def figures_check(
    *, unit: Unit, year: int, period: str = "Y", tree: str = "past", term_start: int | None = None
) -> FiguresCheck:
    """Compare what the report of `unit` for the period prints with the same figures recomputed from the facts."""
    printed = period_figures(unit, year=year, period=period, tree=tree, term_start=term_start)
    summary_period = summary_period_of(period)
    half_year = summary_period == Summary.Period.H1
    first_year = term_years(year, term_start)[0] if period == "term" else None
    snapshot = tree_snapshot(unit, year=year, period=summary_period, tree=tree, cached=False, first_year=first_year)
    if period == "term":
        years = term_years(year, term_start)
        previous_years = [y - len(years) for y in years]
    else:
        years, previous_years = [year], [year - 1]
    span = sorted(set(previous_years) | set(years) | set(range(previous_years[-1] - BASELINE_LOOKBACK, year + 1)))
    ids = sorted(snapshot.ids)
    facts = _facts(ids, span)
    past_ids: set[int] = set()

    def read(unit_ids, y, figures):
        """Own values of other units, from the facts too (the tree of that year may hold units beyond `ids`)."""
        missing = sorted(set(unit_ids) - set(ids) - past_ids)
        if missing:
            past_ids.update(missing)
            for key, rows in _facts(missing, span).items():
                for unit_id, values in rows.items():
                    facts[key][unit_id].update(values)
        rows = facts[(y, Summary.Period.YEAR)]
        return {u: {f: v for f, v in rows.get(u, {}).items() if f in figures} for u in unit_ids}

    listed = snapshot.listed_children(unit.pk)

    def level(y: int, p: str) -> tuple[dict[str, int], dict[str, int], dict[int, dict[str, int]]]:
        own = {u: dict(values) for u, values in facts[(y, p)].items() if u in snapshot.ids}
        totals = totals_from_own(snapshot, y, own, period=p, read=read)
        total = totals.get(unit.pk, {})
        children = {child: totals.get(child, {}) for child in listed}
        mine = {f: v - sum(children[c].get(f, 0) for c in listed) for f, v in total.items()}
        return total, {f: v for f, v in mine.items() if v}, children

    levels = {y: level(y, summary_period) for y in span}
    yearly = levels if not half_year else {y: level(y, Summary.Period.YEAR) for y in span}
    totals = {y: entry[0] for y, entry in levels.items()}
    yearly_totals = {y: entry[0] for y, entry in yearly.items()}
    current = with_baseline(years[-1], catalogue.over_years(totals, years), yearly_totals, half_year=half_year)
    previous = with_baseline(
        previous_years[-1], catalogue.over_years(totals, previous_years), yearly_totals, half_year=half_year
    )
    own = catalogue.over_years({y: entry[1] for y, entry in levels.items()}, years)

    result = FiguresCheck()
    name = unit.display_name
    when = f"{PERIOD_WORDS[period]} {year}" if period != "term" else f"nhiệm kỳ {years[0]}–{years[-1]}"

    def compare(where: str, shown: dict[str, int], recomputed: dict[str, int]) -> None:
        for key in sorted(set(shown) | set(recomputed)):
            if key == "baseline.year":
                continue
            result.compared += 1
            a, b = shown.get(key, 0), recomputed.get(key, 0)
            if a != b:
                result.problems.append(
                    f"{where}, {when} – “{_label(key)}”: báo cáo in {number(a)}, "
                    f"tính lại từ dữ liệu gốc được {number(b)} (lệch {number(a - b)})."
                )

    compare(f"{name} (tổng)", printed.current, current)
    compare(f"{name} (kỳ trước)", printed.previous, previous)
    # The unit's own figures as the fund paragraph prints them (a baseline figure's own row is checked below, with
    # the statistical return: on the tree of the period its own entry stands for the whole area).
    fallback = catalogue.own_or_children_figures() if tree == "past" else set()
    compare(
        f"{name} (số liệu riêng)",
        {k: v for k, v in printed.own.items() if v and k not in fallback},
        {k: v for k, v in own.items() if k not in fallback},
    )
    rows = {row["unit"].pk: row for row in printed.children}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=listed)}
    for child in listed:
        recomputed = catalogue.over_years({y: entry[2][child] for y, entry in levels.items()}, years)
        if not baseline_part(recomputed):
            for earlier in range(year if half_year else year - 1, year - 1 - BASELINE_LOOKBACK, -1):
                found = baseline_part(yearly[earlier][2].get(child, {}))
                if found:
                    recomputed.update(found)
                    break
        shown = rows[child]["figures"] if child in rows else {}
        compare(units[child].display_name, {k: v for k, v in shown.items() if v}, recomputed)
    missing = set(rows) - set(listed)
    for child in missing:
        result.problems.append(f"{rows[child]['unit'].display_name}: có dòng trong báo cáo nhưng không thuộc cây.")

    # Facts dated before their unit opened (a class of 2024 keyed on a commune created by the 2025 reform): today's
    # tree counts them and the tree of that year cannot (the unit did not exist), so the two trees disagree. They
    # belong to the predecessor that was open then.
    end = period_bounds(years[-1], summary_period)[1]
    today_ids = tree_snapshot(unit, year=year, period=summary_period, tree="today", cached=False).ids
    today_ids |= snapshot.ids
    early = (
        Summary.objects.filter(unit_id__in=today_ids, year__in=years, period=summary_period)
        .filter(unit__active_from__gt=end)
        .exclude(value=0)
        .values_list("unit_id", "figure")
        .order_by("unit_id", "figure")
    )
    opened = {u.pk: u for u in Unit.objects.filter(pk__in={unit_id for unit_id, _f in early})}
    for unit_id, figure in early:
        found = opened[unit_id]
        result.problems.append(
            f"{found.display_name} có số liệu “{_label(figure)}” của {when} nhưng chỉ hoạt động từ "
            f"{found.active_from:%d/%m/%Y}: số liệu này không thuộc tổ chức của kỳ đó (hãy nhập cho đơn vị tiền thân "
            "đang hoạt động khi ấy)."
        )

    # The statistical return: the rows (children and the unit's own) add up to the total, column by column.
    from reports.documents import return_columns

    for key, header, _money in return_columns(period):
        rows_sum = sum(row["figures"].get(key, 0) for row in printed.children) + printed.own_row([key])[0]
        result.compared += 1
        if rows_sum != printed.get(key):
            result.problems.append(
                f"Biểu thống kê, cột “{header}”: các dòng cộng lại được {number(rows_sum)}, "
                f"dòng Tổng cộng in {number(printed.get(key))}."
            )
    return result
