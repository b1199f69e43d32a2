"""The fund's summary figures (design.md §3) and how they roll up a subtree.

Per (unit, year, period) the provider "funds" keeps, over all the unit's own funds:

- flows of the period: `funds.raised` (receipts, transfers in excluded) split by who gave
  (`funds.raised.person`, ...), `funds.in_kind` (the part given in kind), `funds.spent` (payments, transfers out
  excluded) split by purpose (`funds.spent.scholarship`, ...), `funds.in_kind_spent`, `funds.transfer_in`,
  `funds.transfer_out`, `funds.donations` (number of gifts) and `funds.donors` (distinct named givers);
- stocks: `funds.opening` (the balance at the period's start) and `funds.balance` (at its end).

For every unit and period: balance = opening + raised − spent + transfer_in − transfer_out.

A subtree's figure is the plain sum of its units' figures (chapters.summaries.rollup). Money passed between two
funds inside the subtree appears there once as transfer_out and once as transfer_in, never in raised or spent:
so "raised" of a subtree counts only money that came from outside the association's funds, "spent" only money
that left them, and the balances add up. Transfers crossing the subtree's boundary are what remains of
transfer_in − transfer_out after the internal ones cancel: the finance page lists them from the transfer table
(`crossing_transfers`). A transfer still waiting for the receiver's confirmation has left the sender and not yet
reached the receiver: until then the subtree's balance is short by that amount, shown as "đang chuyển".

`funds.donors` counts distinct named givers within one unit; a subtree's figure sums them, so a company giving to
two chapters counts twice there (read it as "lượt nhà tài trợ"). The donor list of the finance page counts each
giver once from the vouchers.

Reversals (ghi âm) carry the opposite sign of the voucher they cancel, inside the same figure: a cancelled gift
lowers "raised", it is not spending.
"""

import datetime
from collections import defaultdict

from django.db import connections
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from chapters.figures import STOCK, Figure, declare, declare_area
from chapters.summaries import SummaryProvider, register

from .models import OpeningBalance, Transaction

P = Transaction.Purpose
C = Transaction.Counterparty

AREA = declare_area("funds", "Quỹ khuyến học")
FLOW_FIGURES = declare(
    Figure(
        "funds.raised",
        "Thu trong kỳ (không kể nhận chuyển quỹ)",
        unit="đồng",
        short="Quỹ: huy động (đồng)",
        card="Quỹ huy động",
    ),
    *[Figure(f"funds.raised.{key}", f"Thu từ {label[:1].lower()}{label[1:]}", unit="đồng") for key, label in C.choices],
    Figure("funds.in_kind", "Trong đó: thu bằng hiện vật (quy ra tiền)", unit="đồng"),
    Figure(
        "funds.spent", "Chi trong kỳ (không kể chuyển quỹ)", unit="đồng", short="Quỹ: đã chi (đồng)", card="Quỹ đã chi"
    ),
    *[
        Figure(f"funds.spent.{key}", f"Chi {label[:1].lower()}{label[1:]}", unit="đồng")
        for key, label in P.choices
        if key != P.TRANSFER
    ],
    Figure("funds.in_kind_spent", "Trong đó: chi bằng hiện vật", unit="đồng"),
    Figure("funds.transfer_in", "Nhận chuyển quỹ từ đơn vị khác", unit="đồng"),
    Figure("funds.transfer_out", "Chuyển quỹ cho đơn vị khác", unit="đồng"),
    Figure("funds.donations", "Số lượt ủng hộ", unit="lượt"),
    area=AREA,
)
FIGURES = {
    **declare(
        Figure("funds.opening", "Số dư đầu kỳ", kind=STOCK, at="start", unit="đồng", short="Quỹ: số dư đầu kỳ (đồng)"),
        area=AREA,
    ),
    **FLOW_FIGURES,
    # Distinct givers within a unit and a period: not summed over the years of a term.
    **declare(
        Figure("funds.donors", "Số nhà hảo tâm, nhà tài trợ (có tên)", unit="người", periods=("Y", "H1")), area=AREA
    ),
    **declare(
        Figure("funds.balance", "Số dư cuối kỳ", kind=STOCK, unit="đồng", short="Quỹ: số dư (đồng)", card="Số dư quỹ"),
        area=AREA,
    ),
}
# The figures of the finance page and the public disclosure, in reading order.
MAIN_FIGURES = [
    "funds.opening",
    "funds.raised",
    "funds.spent",
    "funds.transfer_in",
    "funds.transfer_out",
    "funds.balance",
]

PERIODS = ("Y", "H1", "H2")


def _half_expr():
    return Case(When(date__month__lte=6, then=Value(1)), default=Value(2), output_field=IntegerField())


def _flow_contributions(kind: str, purpose: str, counterparty: str, in_kind: bool, total: int) -> list[tuple[str, int]]:
    """Which figures a group of vouchers adds to. `total` is the sum of their signed effects (reversals inside)."""
    if purpose == P.TRANSFER:
        return [("funds.transfer_in", total)] if kind == Transaction.Kind.RECEIPT else [("funds.transfer_out", -total)]
    if kind == Transaction.Kind.RECEIPT:
        result = [("funds.raised", total), (f"funds.raised.{counterparty}", total)]
        if in_kind:
            result.append(("funds.in_kind", total))
        return result
    result = [("funds.spent", -total), (f"funds.spent.{purpose}", -total)]
    if in_kind:
        result.append(("funds.in_kind_spent", -total))
    return result


def _grouped_flows(queryset, extra: list[str]):
    """Sum signed effects and count gifts per group of `extra` + voucher attributes."""
    gift = Q(kind=Transaction.Kind.RECEIPT) & ~Q(purpose=P.TRANSFER)
    return queryset.values(*extra, "kind", "purpose", "counterparty_type", "in_kind").annotate(
        total=Sum("delta"),
        # A reversal cancels one gift: +1 for an original, −1 for its reversal.
        gifts=Sum(
            Case(
                When(gift & Q(reverses__isnull=True), then=Value(1)),
                When(gift, then=Value(-1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ),
    )


def _named_gifts(queryset):
    """The gifts that count a giver: neither reversed nor reversals, from someone with a name or member id. The
    reversed ones are left out through the few reversals (a hashed list), not a join of every voucher with its
    possible reversal; no ordering (the model's would join the funds)."""
    reversed_ids = Transaction.objects.filter(reverses__isnull=False).values("reverses_id")  # in any year
    return (
        queryset.filter(kind=Transaction.Kind.RECEIPT, reverses__isnull=True)
        .exclude(pk__in=reversed_ids)
        .exclude(purpose=P.TRANSFER)
        .exclude(counterparty_key="")
        .order_by()
    )


def _donor_counts(queryset, extra: list[str]):
    """Distinct named givers per group of `extra`."""
    return _named_gifts(queryset).values(*extra).annotate(donors=Count("counterparty_key", distinct=True))


def _donors_of_years_and_halves(queryset):
    """(unit id, year, period, distinct named givers) of the vouchers in `queryset`, for the year ("Y") and each
    half ("H1", "H2"). On PostgreSQL both in one pass over the vouchers (GROUPING SETS: a province's 500,000
    vouchers of a year were read and sorted once per grouping, 0.7 + 0.8 s, now 0.7 s); elsewhere one query each."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        for row in _donor_counts(queryset, ["unit_id", "year"]):
            yield row["unit_id"], row["year"], "Y", row["donors"]
        for row in _donor_counts(queryset.annotate(half=_half_expr()), ["unit_id", "year", "half"]):
            yield row["unit_id"], row["year"], f"H{row['half']}", row["donors"]
        return
    gifts = _named_gifts(queryset.annotate(half=_half_expr()))
    sql, params = gifts.values("unit_id", "year", "half", "counterparty_key").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT g.unit_id, g.year, CASE WHEN GROUPING(g.half) = 1 THEN 0 ELSE g.half END, "
            f"COUNT(DISTINCT g.counterparty_key) FROM ({sql}) AS g "
            "GROUP BY GROUPING SETS ((g.unit_id, g.year), (g.unit_id, g.year, g.half))",
            params,
        )
        for unit_id, year, half, donors in cursor.fetchall():
            yield unit_id, year, f"H{half}" if half else "Y", donors


def _transactions(unit_ids):
    qs = Transaction.objects.all()
    return qs if unit_ids is None else qs.filter(unit_id__any=unit_ids)


def _openings(unit_ids) -> dict[int, list[tuple[int, int]]]:
    qs = OpeningBalance.objects.all()
    if unit_ids is not None:
        qs = qs.filter(fund__unit_id__any=unit_ids)
    result: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit_id, year, amount in qs.values_list("fund__unit_id", "year", "amount"):
        result[unit_id].append((year, amount))
    return result


def compute(unit_ids, years):
    """Rows (unit, year, period, figure, value) of the units' own funds, from the vouchers."""
    years = sorted(set(years))
    if not years:
        return
    first, last = years[0], years[-1]
    start = datetime.date(first, 1, 1)
    vouchers = _transactions(unit_ids)
    in_range = vouchers.filter(date__gte=start, date__lte=datetime.date(last, 12, 31))

    flows: dict[tuple[int, int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deltas: dict[tuple[int, int, int], int] = defaultdict(int)  # (unit, year, half) → net effect
    for row in _grouped_flows(in_range.annotate(half=_half_expr()), ["unit_id", "year", "half"]):
        key = (row["unit_id"], row["year"])
        deltas[(*key, row["half"])] += row["total"]
        for figure, value in _flow_contributions(
            row["kind"], row["purpose"], row["counterparty_type"], row["in_kind"], row["total"]
        ):
            for period in ("Y", f"H{row['half']}"):
                flows[(*key, period)][figure] += value
        if row["gifts"]:
            for period in ("Y", f"H{row['half']}"):
                flows[(*key, period)]["funds.donations"] += row["gifts"]
    for unit_id, year, period, donors in _donors_of_years_and_halves(in_range):
        flows[(unit_id, year, period)]["funds.donors"] = donors

    for (unit_id, year, period), figures in flows.items():
        if year in years:
            for figure, value in figures.items():
                yield unit_id, year, period, figure, value

    # Stocks: walk each unit's half-years from the balance carried in before the first year.
    carried = dict(
        vouchers.filter(date__lt=start)
        .values_list("unit_id")
        .annotate(total=Sum("delta"))
        .values_list("unit_id", "total")
    )
    openings = _openings(unit_ids)
    units = set(carried) | set(openings) | {unit_id for unit_id, _y, _h in deltas}
    for unit_id in units:
        balance = carried.get(unit_id, 0)
        opened = openings.get(unit_id, [])
        balance += sum(amount for year, amount in opened if year < first)
        for year in range(first, last + 1):
            balance += sum(amount for y, amount in opened if y == year)
            opening = balance
            middle = opening + deltas.get((unit_id, year, 1), 0)
            closing = middle + deltas.get((unit_id, year, 2), 0)
            if year in years:
                yield unit_id, year, "Y", "funds.opening", opening
                yield unit_id, year, "H1", "funds.opening", opening
                yield unit_id, year, "H2", "funds.opening", middle
                yield unit_id, year, "Y", "funds.balance", closing
                yield unit_id, year, "H1", "funds.balance", middle
                yield unit_id, year, "H2", "funds.balance", closing
            balance = closing


def added(vouchers, years):
    """What new vouchers change (chapters.summaries.summaries_add): the flows of their periods and the stocks from
    their half-year on, as amounts to add; the distinct givers (`funds.donors`, not a sum) of the periods they
    fall in, counted again from the books. The same rows `compute` gives once the vouchers are in the books."""
    kept = set(years)
    recount: set[tuple[int, int]] = set()  # (unit, year) whose givers are counted again
    for voucher in vouchers:
        unit_id, day, delta = voucher.unit_id, voucher.date, voucher.delta
        half = 1 if day.month <= 6 else 2
        periods = ("Y", f"H{half}")
        if day.year in kept:
            flows = _flow_contributions(
                voucher.kind, voucher.purpose, voucher.counterparty_type, voucher.in_kind, delta
            )
            if voucher.kind == Transaction.Kind.RECEIPT and voucher.purpose != P.TRANSFER:
                # A gift counts one, its reversal takes one off (as `_grouped_flows`); either may change the givers.
                flows.append(("funds.donations", -1 if voucher.reverses_id else 1))
                recount.add((unit_id, day.year))
                if voucher.reverses_id and voucher.reverses.date.year in kept:  # the gift it cancels no longer counts
                    recount.add((voucher.reverses.unit_id, voucher.reverses.date.year))
            for period in periods:
                for figure, value in flows:
                    yield unit_id, day.year, period, figure, value
        for year in sorted(y for y in kept if y >= day.year):
            if year > day.year:  # every period of a later year starts and ends higher
                for period in PERIODS:
                    yield unit_id, year, period, "funds.opening", delta
                    yield unit_id, year, period, "funds.balance", delta
                continue
            yield unit_id, year, "Y", "funds.balance", delta
            yield unit_id, year, "H2", "funds.balance", delta
            if half == 1:
                yield unit_id, year, "H1", "funds.balance", delta
                yield unit_id, year, "H2", "funds.opening", delta
    yield from _donors_recounted(recount)


def _donors_recounted(pairs: set[tuple[int, int]]):
    """`funds.donors` of the years and halves of `pairs` ((unit, year)), zero where nobody is left."""
    if not pairs:
        return
    years = {y for _u, y in pairs}
    # The dates bound the index scan on (unit, date); the year alone would be a filter on every voucher of the units.
    in_books = Transaction.objects.filter(
        unit_id__any={u for u, _y in pairs},
        date__gte=datetime.date(min(years), 1, 1),
        date__lte=datetime.date(max(years), 12, 31),
        year__in=years,
    )
    counts = {(u, y, period): 0 for u, y in pairs for period in PERIODS}
    for unit_id, year, period, donors in _donors_of_years_and_halves(in_books):
        counts[(unit_id, year, period)] = donors
    for (unit_id, year, period), donors in counts.items():
        if (unit_id, year) in pairs:
            yield unit_id, year, period, "funds.donors", donors


def figures_between(unit_ids, start: datetime.date, end: datetime.date) -> dict[int, dict[str, int]]:
    """The same figures for any span of dates, computed from the vouchers of `unit_ids` (a few units, or one
    subtree): for the finance page's custom periods. {unit id: {figure: value}}."""
    vouchers = _transactions(unit_ids)
    in_range = vouchers.filter(date__gte=start, date__lte=end)
    result: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _grouped_flows(in_range, ["unit_id"]):
        figures = result[row["unit_id"]]
        for figure, value in _flow_contributions(
            row["kind"], row["purpose"], row["counterparty_type"], row["in_kind"], row["total"]
        ):
            figures[figure] += value
        figures["funds.donations"] += row["gifts"] or 0
    for row in _donor_counts(in_range, ["unit_id"]):
        result[row["unit_id"]]["funds.donors"] = row["donors"]
    before = dict(
        vouchers.filter(date__lt=start)
        .values_list("unit_id")
        .annotate(total=Sum("delta"))
        .values_list("unit_id", "total")
    )
    # Books opened within the span count from its start, so opening + flows = closing holds for any span.
    for unit_id, opened in _openings(unit_ids).items():
        before[unit_id] = before.get(unit_id, 0) + sum(amount for year, amount in opened if year <= end.year)
    for unit_id in set(before) | set(result):
        figures = result[unit_id]
        figures["funds.opening"] = before.get(unit_id, 0)
        figures["funds.balance"] = (
            figures["funds.opening"]
            + figures.get("funds.raised", 0)
            - figures.get("funds.spent", 0)
            + figures.get("funds.transfer_in", 0)
            - figures.get("funds.transfer_out", 0)
        )
    return {unit_id: {k: v for k, v in figures.items() if v} for unit_id, figures in result.items()}


provider = SummaryProvider(
    name="funds", figures=FIGURES, compute=compute, added=added, replaced=frozenset({"funds.donors"})
)


def register_all():
    register(provider)
