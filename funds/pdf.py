"""PDFs of the fund: the receipt or payment voucher a treasurer signs, and the yearly public disclosure.

Rendered with WeasyPrint from templates/pdf/funds/. Fonts come from static/fonts/ (shipped with the
deployment, no network at render time) with the system's serif fonts as fallback.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from chapters.models import Unit, UnitName
from core import formatting
from core.pdf import render_pdf

from .models import Transaction
from .words import amount_words


def name_on(unit: Unit, day: datetime.date) -> str:
    """The unit's name as it was on `day` (a renamed unit prints its old name on old vouchers)."""
    record = (
        UnitName.objects.filter(unit=unit)
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )
        .order_by("-valid_from")
        .first()
    )
    if record is None or record.name == unit.name:
        return unit.display_name
    old = Unit(name=record.name, kind=unit.kind, division_type=unit.division_type)
    return old.display_name


def voucher_pdf(voucher: Transaction) -> bytes:
    unit = voucher.fund.unit
    parent = unit.parent
    shown = -voucher.amount if voucher.is_reversal else voucher.amount
    context = {
        "voucher": voucher,
        "unit_name": name_on(unit, voucher.date),
        "parent_name": parent.display_name if parent else "",
        "unit": unit,
        "fund": voucher.fund,
        "amount_text": formatting.number(shown),
        "amount_words": amount_words(shown),
        "long_date": formatting.long_date(voucher.date),
        "draft": voucher.printed_at is None,
        "printed_on": timezone.localdate(),
    }
    return render_pdf("pdf/funds/voucher.html", context)


def disclosure_pdf(context: dict) -> bytes:
    return render_pdf("pdf/funds/disclosure.html", context)
