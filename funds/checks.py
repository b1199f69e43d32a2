"""Proving the fund's books reconcile (the `check_funds` command): every figure recomputed from the vouchers
and compared, to the đồng, with what the application keeps and shows.

1. Each fund: the balance kept on the fund = opening + receipts − payments over all its vouchers.
2. Each unit, year and period: every stored fund summary = the same figure recomputed from the vouchers.
3. Each unit, year and period: closing balance = opening + raised − spent + transfers in − transfers out, and a
   year opens with the previous year's closing balance (except the year the books start).
4. Each subtree, for each year: the total read from the summaries = the unit's own figures + the totals of its
   children, and = the sum of the units' figures recomputed from the vouchers.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min, Sum
from django.utils import timezone

from chapters.models import Summary, Unit
from chapters.summaries import rollup_tree, tree_snapshot
from core import formatting

from .models import Fund, OpeningBalance, Transaction
from .providers import FIGURES, compute

FLOW_CHECK = [
    "funds.raised",
    "funds.spent",
    "funds.transfer_in",
    "funds.transfer_out",
    "funds.balance",
    "funds.opening",
]


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def fail(self, message: str) -> None:
        self.problems.append(message)


def _money(value) -> str:
    return formatting.money(value or 0)


def data_years() -> list[int]:
    first_voucher = Transaction.objects.aggregate(first=Min("date"))["first"]
    first_opening = OpeningBalance.objects.aggregate(first=Min("year"))["first"]
    firsts = [y for y in (first_voucher.year if first_voucher else None, first_opening) if y]
    if not firsts:
        return []
    return list(range(min(firsts), timezone.localdate().year + 1))


def check_fund_balances(report: Report, funds) -> None:
    totals = dict(
        Transaction.objects.filter(fund__in=funds)
        .values_list("fund_id")
        .annotate(total=Sum("delta"))
        .values_list("fund_id", "total")
    )
    openings = dict(OpeningBalance.objects.filter(fund__in=funds).values_list("fund_id", "amount"))
    for fund in funds.select_related("unit"):
        expected = openings.get(fund.pk, 0) + totals.get(fund.pk, 0)
        report.checked["funds"] += 1
        if fund.balance != expected:
            report.fail(
                f"{fund.name} – {fund.unit.display_name}: số dư lưu {_money(fund.balance)}, "
                f"nhưng đầu kỳ + thu − chi = {_money(expected)}."
            )


def check_summaries(report: Report, unit_ids: list[int] | None, year: int, names: dict[int, str]) -> dict:
    """Compare stored summaries of `year` with figures recomputed from facts; return the recomputed ones."""
    facts: dict[tuple[int, str, str], int] = {}
    for unit_id, _year, period, figure, value in compute(unit_ids, [year]):
        if value:
            facts[(unit_id, period, figure)] = value
    stored_qs = Summary.objects.filter(year=year, figure__in=list(FIGURES))
    if unit_ids is not None:
        stored_qs = stored_qs.filter(unit_id__in=unit_ids)
    stored = {(u, p, f): v for u, p, f, v in stored_qs.values_list("unit_id", "period", "figure", "value")}
    for key in sorted(set(facts) | set(stored)):
        report.checked["summaries"] += 1
        if facts.get(key, 0) != stored.get(key, 0):
            unit_id, period, figure = key
            report.fail(
                f"{names.get(unit_id, unit_id)}, năm {year} ({period}), {FIGURES[figure]}: số tổng hợp "
                f"{_money(stored.get(key))}, tính lại từ phiếu {_money(facts.get(key))}."
            )
    return facts


def check_identities(report: Report, facts: dict, previous: dict, year: int, names: dict, starts: set) -> None:
    units = {unit_id for unit_id, _p, _f in facts} | {unit_id for unit_id, _p, _f in previous}
    for unit_id in units:
        for period in ("Y", "H1", "H2"):

            def value(figure, period=period, unit_id=unit_id):
                return facts.get((unit_id, period, figure), 0)

            expected = (
                value("funds.opening")
                + value("funds.raised")
                - value("funds.spent")
                + value("funds.transfer_in")
                - value("funds.transfer_out")
            )
            report.checked["identities"] += 1
            if expected != value("funds.balance"):
                report.fail(
                    f"{names.get(unit_id, unit_id)}, năm {year} ({period}): đầu kỳ + thu − chi ± chuyển quỹ = "
                    f"{_money(expected)}, số dư cuối kỳ {_money(value('funds.balance'))}."
                )
        if previous and (unit_id, year) not in starts:
            closing = previous.get((unit_id, "Y", "funds.balance"), 0)
            opening = facts.get((unit_id, "Y", "funds.opening"), 0)
            if closing != opening:
                report.fail(
                    f"{names.get(unit_id, unit_id)}: số dư đầu năm {year} {_money(opening)} khác số dư cuối năm "
                    f"{year - 1} {_money(closing)}."
                )


def check_subtrees(report: Report, root: Unit, snapshot, year: int, facts: dict, names: dict) -> None:
    """Totals read from the summaries, for every unit of the tree at the year's end, against the sum of its
    parts and against the sum of the units' own figures recomputed from the vouchers."""
    totals = rollup_tree(root, year=year, figures=FLOW_CHECK, snapshot=snapshot)
    children = snapshot.children()
    memo: dict[int, dict[str, int]] = {}

    def from_facts(unit_id: int) -> dict[str, int]:
        if unit_id not in memo:
            result = {figure: facts.get((unit_id, "Y", figure), 0) for figure in FLOW_CHECK}
            for child in children.get(unit_id, ()):
                for figure, value in from_facts(child).items():
                    result[figure] += value
            memo[unit_id] = result
        return memo[unit_id]

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for unit_id in snapshot.ids:
        kids = children.get(unit_id, ())
        if not kids:
            continue
        mine = totals.get(unit_id, {})
        own = {figure: facts.get((unit_id, "Y", figure), 0) for figure in FLOW_CHECK}
        recomputed = from_facts(unit_id)
        for figure in FLOW_CHECK:
            parts = own[figure] + sum(totals.get(child, {}).get(figure, 0) for child in kids)
            report.checked["subtrees"] += 1
            if mine.get(figure, 0) != parts:
                report.fail(
                    f"{names.get(unit_id, unit_id)}, năm {year}, {FIGURES[figure]}: tổng toàn đơn vị "
                    f"{_money(mine.get(figure))} khác tổng các phần {_money(parts)}."
                )
            if mine.get(figure, 0) != recomputed[figure]:
                report.fail(
                    f"{names.get(unit_id, unit_id)}, năm {year}, {FIGURES[figure]}: tổng đọc từ số liệu tổng hợp "
                    f"{_money(mine.get(figure))}, cộng lại từ phiếu {_money(recomputed[figure])}."
                )


def funds_check(*, unit: Unit | None = None, year: int | None = None) -> Report:
    """Run every check over the whole organisation, or over `unit`'s subtree; every year with data, or `year`."""
    report = Report()
    units = Unit.objects.subtree(unit) if unit else Unit.objects.all()
    names = {u.pk: u.display_name for u in Unit.objects.only("pk", "name", "kind", "division_type")}
    check_fund_balances(report, Fund.objects.filter(unit__in=units) if unit else Fund.objects.all())
    years = [year] if year else data_years()
    starts = set(OpeningBalance.objects.values_list("fund__unit_id", "year"))
    roots = [unit] if unit else list(Unit.objects.filter(parent__isnull=True))
    current_ids = set(units.values_list("pk", flat=True)) if unit else None
    previous: dict = {}
    for current in years:
        snapshots = [(root, tree_snapshot(root, year=current)) for root in roots]
        # The subtree as it stood at the year's end may hold units that have moved out of it since.
        unit_ids = None if unit is None else sorted(current_ids.union(*(snap.ids for _root, snap in snapshots)))
        facts = check_summaries(report, unit_ids, current, names)
        check_identities(report, facts, previous, current, names, starts)
        for root, snapshot in snapshots:
            check_subtrees(report, root, snapshot, current, facts, names)
        previous = facts
        report.checked["years"] += 1
    return report
