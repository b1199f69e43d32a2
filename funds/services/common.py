"""Helpers shared by the fund services."""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Sum

from chapters.summaries import summaries_refresh, years_from
from funds.models import Fund, OpeningBalance

_deferred: ContextVar[dict | None] = ContextVar("funds_deferred_refresh", default=None)


def refresh(unit_ids, day: datetime.date | int) -> None:
    """Recompute the fund summaries of `unit_ids` for every year a change dated `day` can touch."""
    pending = _deferred.get()
    if pending is not None:
        for unit_id in unit_ids:
            first = day if isinstance(day, int) else day.year
            pending[unit_id] = min(pending.get(unit_id, first), first)
        return
    summaries_refresh(unit_ids=unit_ids, years=years_from(day), providers=["funds"])


@contextmanager
def deferred_refresh():
    """Write many vouchers (an import, the demo) and refresh the summaries once at the end, for every unit and
    year touched. Use inside the same database transaction as the writes."""
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set({})
    try:
        yield
        pending = _deferred.get()
    finally:
        _deferred.reset(token)
    by_year: dict[int, list[int]] = {}
    for unit_id, year in pending.items():
        by_year.setdefault(year, []).append(unit_id)
    for year, unit_ids in sorted(by_year.items()):
        summaries_refresh(unit_ids=unit_ids, years=years_from(year), providers=["funds"])


def lock(fund: Fund) -> Fund:
    """The fund's row, locked: writers of one fund's books go one at a time."""
    return Fund.objects.select_for_update().select_related("unit").get(pk=fund.pk)


def balance_on(fund: Fund, day: datetime.date) -> int:
    """The fund's balance at the end of `day`: opening + receipts − payments up to that day."""
    opening = OpeningBalance.objects.filter(fund=fund).values_list("amount", flat=True).first() or 0
    moved = fund.transactions.filter(date__lte=day).aggregate(total=Sum("delta"))["total"] or 0
    return opening + moved


def balance_available(fund: Fund, day: datetime.date) -> int:
    """How much may be paid out on `day` without taking the balance below zero on that day or any later one
    (later payments already recorded count): the lowest balance from `day` on."""
    balance = balance_on(fund, day - datetime.timedelta(days=1))
    lowest = balance
    rows = fund.transactions.filter(date__gte=day).values_list("date").annotate(total=Sum("delta")).order_by("date")
    for _day, total in rows:
        balance += total
        lowest = min(lowest, balance)
    return lowest
