"""The recipient list handed out with the rewards: names, amounts and a column to sign on receipt.

Rendered with WeasyPrint from templates/pdf/awards/. Fonts come from static/fonts/ (shipped with the
deployment, no network at render time) with the system's serif fonts as fallback.
"""

from django.utils import timezone

from awards.models import Decision
from chapters.models import Unit
from core import formatting
from core.pdf import render_pdf
from funds.words import amount_words

# Past this many rows a list is printed chapter by chapter (a request must not render for minutes).
MAX_ROWS = 3000


def _signatory(unit: Unit, day):
    try:
        from chapters.leadership import signatory
    except ImportError:  # pragma: no cover - leadership records are optional
        return None
    return signatory(unit, day)


def recipient_list_pdf(decision: Decision, recipients, *, part: Unit | None = None) -> bytes:
    """The signed-on-receipt list of `recipients` of `decision` (optionally only those of one unit: `part`)."""
    rows = list(recipients)
    total = sum(r.amount or 0 for r in rows)
    unit = decision.unit
    today = timezone.localdate()
    with_money = decision.amount_rule != "forbidden"
    title = "DANH SÁCH NHẬN HỌC BỔNG" if decision.form == Decision.Form.SCHOLARSHIP else "DANH SÁCH NHẬN THƯỞNG"
    context = {
        "decision": decision,
        "unit": unit,
        "parent": unit.parent,
        "part": part,
        "rows": rows,
        "count": len(rows),
        "total": total,
        "total_words": amount_words(total) if total else "",
        "with_money": with_money,
        "title": title,
        "place_date": f"{unit.name}, {formatting.long_date(today)}",
        "signatory": _signatory(unit, today),
        "on_behalf": "TM. BAN THƯỜNG VỤ" if unit.kind == Unit.Kind.ASSOCIATION else "",
        "head_title": "CHỦ TỊCH" if unit.kind == Unit.Kind.ASSOCIATION else "CHI HỘI TRƯỞNG",
    }
    return render_pdf("pdf/awards/recipient_list.html", context)
