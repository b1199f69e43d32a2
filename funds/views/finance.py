"""The finance page of a unit and its subtree, its donors, and the yearly public disclosure (công khai thu chi)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from chapters.summaries import own_figures, rollup
from core import formatting
from core.views import pdf_response, querystring_without_page, year_from
from funds import pdf
from funds.forms import PeriodForm
from funds.models import Transaction
from funds.providers import FIGURES
from funds.queries import donors, finance, pending_total

P = Transaction.Purpose
SPENDING_KEYS = [f"funds.spent.{key}" for key in Transaction.PAYMENT_PURPOSES]
SOURCE_KEYS = [
    f"funds.raised.{key}"
    for key in (
        Transaction.Counterparty.MEMBER,
        Transaction.Counterparty.PERSON,
        Transaction.Counterparty.ORGANISATION,
        Transaction.Counterparty.CLAN,
        Transaction.Counterparty.ANONYMOUS,
        Transaction.Counterparty.UNIT,
    )
]


def _statement(data) -> list[dict]:
    """The rows of the income and spending statement, with their level of indentation."""
    rows = []
    for key, depth in [
        ("funds.opening", 0),
        ("funds.raised", 0),
        *[(key, 1) for key in SOURCE_KEYS],
        ("funds.in_kind", 1),
        ("funds.transfer_in", 0),
        ("funds.spent", 0),
        *[(key, 1) for key in SPENDING_KEYS],
        ("funds.in_kind_spent", 1),
        ("funds.transfer_out", 0),
        ("funds.balance", 0),
    ]:
        row = data.rows([key])[0]
        if depth and not (row["own"] or row["below"]):
            continue
        row["depth"] = depth
        row["strong"] = key in ("funds.opening", "funds.raised", "funds.spent", "funds.balance")
        rows.append(row)
    return rows


def short(figures: dict[str, int]) -> dict[str, int]:
    """{"funds.raised": 5} → {"raised": 5} with every main figure present, for templates."""
    return {key.removeprefix("funds."): figures.get(key, 0) for key in FIGURES}


def _finance_context(request, unit: Unit) -> dict:
    form = PeriodForm(request.GET or None)
    year, period, start, end = form.bounds()
    data = finance(unit, year=year, period=period, start=start, end=end)
    total = data.total
    internal_net = (total.get("funds.transfer_in", 0) - total.get("funds.transfer_out", 0)) - data.crossing["net"]
    user = request.user
    return {
        "unit": unit,
        "form": form,
        "year": year,
        "period": period,
        "start": start,
        "end": end,
        "period_label": form.label(),
        "statement": _statement(data),
        "data": data,
        "totals": short(total),
        "children": [
            {"unit": child, "figures": short(figures), "visible": scoping.can(user, scoping.VIEW, child)}
            for child, figures in data.children
        ],
        "crossing": data.crossing,
        # Negative: money sent inside the subtree not yet received at the period's end; positive: received in
        # the period after being sent in an earlier one.
        "in_transit": max(0, -internal_net),
        "arrived_late": max(0, internal_net),
        "pending": pending_total(unit),
        "top_donors": list(donors(unit, start, end)[:10]),
        "funds": list(unit.funds.all().select_related("opening")),
        "ancestors": [a for a in unit.ancestors() if scoping.can(user, scoping.VIEW, a)],
        "can_open_fund": scoping.can(user, scoping.CHANGE, unit) or scoping.can(user, scoping.MANAGE, unit),
        "labels": FIGURES,
        "dues": _dues(unit, year, period),
    }


DUES_FIGURES = ["dues.amount", "dues.payers"]


def _dues(unit: Unit, year: int, period: str) -> dict | None:
    """Membership dues, kept apart from the fund but shown on the same page (issue: finance page). They are
    read from the summaries the members app keeps, by figure name, so funds does not depend on members.
    None for a custom date range (summaries exist per year and half-year)."""
    if period == "custom":
        return None
    whole = rollup(unit, year=year, period=period, figures=DUES_FIGURES)
    own = own_figures(unit, year=year, period=period, figures=DUES_FIGURES)
    return {
        "amount": whole["dues.amount"],
        "payers": whole["dues.payers"],
        "own_amount": own.get("dues.amount", 0),
        "below_amount": whole["dues.amount"] - own.get("dues.amount", 0),
    }


def finance_detail(request, pk):
    """Income, spending and balance of the unit's own funds, of the units below it, and of the whole subtree.

    The template leaves `{% block dues %}` for membership dues (kept apart from the fund, built in `members`):
    the reports app fills it by extending this template.
    """
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=pk)
    return render(request, "funds/finance_detail.html", _finance_context(request, unit))


def donor_list(request, pk):
    """Everyone who gave to the funds of the unit (or of its whole subtree) in the period."""
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=pk)
    form = PeriodForm(request.GET or None)
    year, period, start, end = form.bounds()
    own_only = request.GET.get("own") == "1"
    page = Paginator(donors(unit, start, end, own_only=own_only), 50).get_page(request.GET.get("page"))
    kinds = dict(Transaction.Counterparty.choices)
    for row in page.object_list:
        row["kind_label"] = kinds.get(row["kind"], "")
        if not row["counterparty_key"]:
            row["name"] = "Nhà hảo tâm giấu tên"
    return render(
        request,
        "funds/donor_list.html",
        {
            "unit": unit,
            "form": form,
            "period_label": form.label(),
            "own_only": own_only,
            "extra_params": [("own", "1")] if own_only else [],
            "page_obj": page,
            "rows": page.object_list,
            "querystring_without_page": querystring_without_page(request),
        },
    )


def disclosure_pdf(request, pk):
    """The yearly public disclosure of income and spending (công khai thu chi), for members."""
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=pk)
    year = year_from(request)
    start, end = timezone.datetime(year, 1, 1).date(), timezone.datetime(year, 12, 31).date()
    data = finance(unit, year=year, period="Y", start=start, end=end)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "parent": unit.parent,
        "year": year,
        "statement": _statement(data),
        "children": data.children,
        "donors": list(donors(unit, start, end, own_only=True)[:300]),
        "place_date": formatting.long_date(today),
        "crossing": data.crossing,
    }
    return pdf_response(pdf.disclosure_pdf(context), f"cong-khai-thu-chi-{unit.code}-{year}.pdf")
