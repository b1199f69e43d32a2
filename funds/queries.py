"""Read side of the fund screens: the cash book, the finance page of a unit and its subtree, donors.

Calendar years and halves are read from the summaries (chapters.summaries: own_figures, and rollup_levels over one
tree snapshot, the same sums rollup and rollup_children give); any other span of dates is computed from the
vouchers of the unit's current subtree.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import Coalesce

from chapters.models import Unit
from chapters.summaries import own_figures, rollup_levels, tree_snapshot

from .models import OpeningBalance, Transaction, Transfer
from .providers import FIGURES, figures_between

P = Transaction.Purpose
FIGURE_KEYS = list(FIGURES)


# Cash book --------------------------------------------------------------------------------------------------


@dataclass
class CashBook:
    rows: object  # queryset annotated with `running` (balance after the row) and `receipt`, `payment` columns
    opening: int
    receipts: int
    payments: int

    @property
    def closing(self) -> int:
        return self.opening + self.receipts - self.payments


def cash_book(fund, start: datetime.date | None, end: datetime.date | None) -> CashBook:
    """The fund's vouchers between two dates with the balance after each one, right on every page: the running
    sum is a window over the whole span, computed in SQL before the page is cut, plus the balance before it."""
    opening = OpeningBalance.objects.filter(fund=fund).values_list("amount", flat=True).first() or 0
    vouchers = fund.transactions.all()
    if start:
        opening += vouchers.filter(date__lt=start).aggregate(total=Sum("delta"))["total"] or 0
        vouchers = vouchers.filter(date__gte=start)
    if end:
        vouchers = vouchers.filter(date__lte=end)
    totals = vouchers.aggregate(
        receipts=Sum("delta", filter=Q(kind=Transaction.Kind.RECEIPT)),
        payments=Sum("delta", filter=Q(kind=Transaction.Kind.PAYMENT)),
    )
    rows = (
        vouchers.select_related("reverses")
        .annotate(running=Window(Sum("delta"), order_by=[F("date").asc(), F("pk").asc()]) + opening)
        .order_by("date", "pk")
    )
    return CashBook(rows=rows, opening=opening, receipts=totals["receipts"] or 0, payments=-(totals["payments"] or 0))


# Finance page -----------------------------------------------------------------------------------------------


@dataclass
class Finance:
    own: dict[str, int]
    total: dict[str, int]
    children: list[tuple[Unit, dict[str, int]]]
    crossing: dict[str, int] = field(default_factory=dict)

    @property
    def below(self) -> dict[str, int]:
        return {key: self.total.get(key, 0) - self.own.get(key, 0) for key in FIGURE_KEYS}

    def rows(self, keys: list[str]) -> list[dict]:
        below = self.below
        return [
            {
                "key": key,
                "label": FIGURES[key],
                "own": self.own.get(key, 0),
                "below": below.get(key, 0),
                "total": self.total.get(key, 0),
            }
            for key in keys
        ]


def _subtree_ids(unit: Unit):
    return Unit.objects.subtree(unit).values("pk")


def finance(unit: Unit, *, year: int, period: str, start: datetime.date, end: datetime.date) -> Finance:
    if period in ("Y", "H1", "H2"):
        own = own_figures(unit, year=year, period=period, figures=FIGURE_KEYS)
        # One snapshot of the tree at the period's end serves the total and every child's total.
        snapshot = tree_snapshot(unit, year=year, period=period)
        level = rollup_levels(unit, years=[year], period=period, snapshot=snapshot)[year]
        total = {key: value for key, value in level.total.items() if key in FIGURE_KEYS}
        child_ids = snapshot.children().get(unit.pk, [])
        units = {u.pk: u for u in Unit.objects.filter(pk__in=child_ids)}
        children = [
            (units[pk], {key: value for key, value in level.children.get(pk, {}).items() if key in FIGURE_KEYS})
            for pk in child_ids
            if pk in units
        ]
    else:
        per_unit = figures_between(_subtree_ids(unit), start, end)
        own = per_unit.get(unit.pk, {})
        paths = dict(Unit.objects.subtree(unit).values_list("pk", "path"))
        child_units = list(Unit.objects.filter(parent=unit))
        children = []
        for child in child_units:
            figures: dict[str, int] = {}
            for unit_id, values in per_unit.items():
                if paths.get(unit_id, "").startswith(child.path):
                    for key, value in values.items():
                        figures[key] = figures.get(key, 0) + value
            children.append((child, figures))
        total = dict(own)
        for _child, figures in children:
            for key, value in figures.items():
                total[key] = total.get(key, 0) + value
    children = [(child, figures) for child, figures in children if figures or child.is_open]
    children.sort(key=lambda pair: (pair[0].level_rank, pair[0].sort_key))
    result = Finance(own=own, total=total, children=children)
    result.crossing = crossing_transfers(unit, start, end)
    return result


def crossing_transfers(unit: Unit, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Transfers of the period across the subtree's boundary, from the vouchers of its funds: money received from
    funds outside it, money sent to funds outside it, and the part of internal transfers not yet received."""
    path = unit.path
    vouchers = Transaction.objects.filter(
        unit__path__startswith=path, purpose=P.TRANSFER, date__gte=start, date__lte=end
    )
    came_in = vouchers.filter(kind=Transaction.Kind.RECEIPT).annotate(
        other=F("transfer_received__from_fund__unit__path")
    )
    came_in = came_in.filter(Q(other__isnull=True) | ~Q(other__startswith=path))
    # A cancelled transfer's reversal points to the transfer through the voucher it reverses.
    went_out = vouchers.filter(kind=Transaction.Kind.PAYMENT).annotate(
        other=Coalesce(F("transfer_sent__to_unit__path"), F("reverses__transfer_sent__to_unit__path"))
    )
    went_out = went_out.filter(Q(other__isnull=True) | ~Q(other__startswith=path))
    result = {
        "in": came_in.aggregate(total=Sum("delta"))["total"] or 0,
        "out": -(went_out.aggregate(total=Sum("delta"))["total"] or 0),
    }
    result["net"] = result["in"] - result["out"]
    return result


def pending_total(unit: Unit) -> int:
    """Money sent by funds of the subtree and not yet confirmed by the receiver."""
    return (
        Transfer.objects.pending()
        .filter(from_fund__unit__path__startswith=unit.path)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )


# Donors -----------------------------------------------------------------------------------------------------


def donors(unit: Unit, start: datetime.date, end: datetime.date, *, own_only: bool = False):
    """Who gave to the funds of `unit` (or of its whole subtree) in the span: one row per giver, largest first;
    every anonymous gift together in one row. Reversed gifts cancel out."""
    vouchers = Transaction.objects.filter(kind=Transaction.Kind.RECEIPT, date__gte=start, date__lte=end).exclude(
        purpose=P.TRANSFER
    )
    vouchers = vouchers.filter(unit=unit) if own_only else vouchers.filter(unit__path__startswith=unit.path)
    return (
        vouchers.values("counterparty_key")
        .annotate(
            name=Max("counterparty_name"),
            kind=Max("counterparty_type"),
            gifts=Count("pk", filter=Q(reverses__isnull=True)) - Count("pk", filter=Q(reverses__isnull=False)),
            in_kind=Sum("delta", filter=Q(in_kind=True)),
            total=Sum("delta"),
        )
        .filter(total__gt=0)
        .order_by("-total", "name")
    )
