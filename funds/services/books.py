"""Funds and the opening balance of their books."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from chapters.models import Unit
from chapters.services.records import record_save
from core import formatting
from core.text import nfc
from funds.models import DEFAULT_FUND_NAME, Fund, OpeningBalance

from .common import lock, refresh
from .vouchers import check_amount, ensure_not_negative


@transaction.atomic
def fund_create(
    *,
    unit: Unit,
    actor=None,
    name: str = DEFAULT_FUND_NAME,
    description: str = "",
    allow_negative: bool = False,
    is_active: bool = True,
    opening_year: int | None = None,
    opening_amount: int = 0,
) -> Fund:
    fund = Fund(
        unit=unit,
        name=nfc(name) or DEFAULT_FUND_NAME,
        description=description,
        allow_negative=allow_negative,
        is_active=is_active,
    )
    record_save(fund, actor=actor)
    if opening_year is not None:
        opening_balance_set(fund=fund, year=opening_year, amount=opening_amount, actor=actor)
    return fund


@transaction.atomic
def fund_update(fund: Fund, *, actor=None, expected_version: int | None = None, **fields) -> Fund:
    for name in ("name", "description", "allow_negative", "is_active"):
        if name in fields:
            setattr(fund, name, nfc(fields[name]) if name == "name" else fields[name])
    record_save(fund, actor=actor, expected_version=expected_version)
    return fund


def fund_default(unit: Unit, *, actor=None, create: bool = True) -> Fund | None:
    """The unit's general fund (its first active fund), created when it has none and `create` is set."""
    fund = unit.funds.active().order_by("pk").first()
    if fund is None and create:
        fund = fund_create(unit=unit, actor=actor)
    return fund


@transaction.atomic
def opening_balance_set(*, fund: Fund, year: int, amount: int, actor=None, notes: str = "") -> OpeningBalance:
    """Set the balance the fund's books start from on 1 January of `year` (one per fund)."""
    fund = lock(fund)
    check_amount(amount, allow_zero=True, allow_negative=fund.allow_negative, field="amount")
    earlier = fund.transactions.filter(date__lt=datetime.date(year, 1, 1)).order_by("date").first()
    if earlier:
        raise ValidationError(
            {
                "year": f"Quỹ đã có phiếu {earlier.number} ngày {formatting.date(earlier.date)}, trước năm {year}: "
                "số dư đầu kỳ phải ở năm bắt đầu ghi sổ, không muộn hơn phiếu đầu tiên."
            }
        )
    opening = OpeningBalance.objects.filter(fund=fund).first()
    previous_amount, previous_year = (opening.amount, opening.year) if opening else (0, year)
    if opening is None:
        opening = OpeningBalance(fund=fund)
    opening.year, opening.amount, opening.notes = year, amount, nfc(notes)
    # record_save guards both the old and the new year against closed periods.
    record_save(opening, actor=actor)
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + amount - previous_amount)
    ensure_not_negative(fund, datetime.date(min(year, previous_year), 1, 1))
    refresh([fund.unit_id], min(year, previous_year))
    return opening
