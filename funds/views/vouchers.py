"""Receipt and payment vouchers: write, read, correct, print, reverse."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.mixins import history_entries
from core.views import pdf_response
from funds import pdf, services, sources
from funds.forms import ReverseForm, TransactionForm, add_service_errors
from funds.models import Fund, Transaction
from funds.words import amount_words

from .common import can_enter

KINDS = {"thu": Transaction.Kind.RECEIPT, "chi": Transaction.Kind.PAYMENT}


def _voucher(request, pk, action=scoping.VIEW) -> Transaction:
    queryset = Transaction.objects.select_related("fund__unit", "unit", "reverses", "created_by")
    return scoping.get_scoped_object(queryset, request.user, action, pk=pk)


def transaction_create(request, pk, kind):
    """A new receipt (kind "thu") or payment ("chi") in a fund."""
    if kind not in KINDS:
        raise Http404
    kind = KINDS[kind]
    fund = scoping.get_scoped_object(Fund.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk)
    form = TransactionForm(request.POST or None, kind=kind, instance=Transaction(fund=fund, kind=kind))
    if request.method == "POST" and form.is_valid():
        try:
            voucher = services.transaction_create(fund=fund, kind=kind, actor=request.user, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Đã lập {voucher.get_kind_display().lower()} số {voucher.number}.")
            if request.POST.get("next") == "again":
                return redirect("funds:transaction_create", fund.pk, request.resolver_match.kwargs["kind"])
            return redirect("funds:transaction_detail", voucher.pk)
    return render(
        request,
        "funds/transaction_form.html",
        {"form": form, "fund": fund, "kind": kind, "title": Transaction.Kind(kind).label},
        status=400 if request.method == "POST" else 200,
    )


def transaction_detail(request, pk):
    voucher = _voucher(request, pk)
    allowed = can_enter(request.user, voucher.unit)
    # Missing reverse one-to-one relations raise an AttributeError subclass: getattr's default applies.
    reversal = getattr(voucher, "reversal", None)
    transfer = getattr(voucher, "transfer_sent", None) or getattr(voucher, "transfer_received", None)
    context = {
        "voucher": voucher,
        "fund": voucher.fund,
        "reversal": reversal,
        "transfer": transfer,
        "amount_words": amount_words(-voucher.amount if voucher.is_reversal else voucher.amount),
        "can_enter": allowed,
        "can_edit": allowed and services.editable_fields(voucher) == services.EDITABLE_FIELDS,
        "can_reverse": allowed and not voucher.is_reversal and not reversal and not voucher.is_transfer,
        "reverse_form": ReverseForm(),
        "history": history_entries(voucher),
        "sources": sources.links_for(voucher),
    }
    return render(request, "funds/transaction_detail.html", context)


def transaction_update(request, pk):
    """Correct a voucher: everything while it has not been printed, only the notes afterwards."""
    voucher = _voucher(request, pk, scoping.CHANGE)
    editable = services.editable_fields(voucher)
    form = TransactionForm(request.POST or None, kind=voucher.kind, instance=voucher, editable=editable)
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form.service_values().items() if name in editable}
        try:
            services.transaction_update(
                voucher, actor=request.user, expected_version=form.cleaned_data.get("version"), **values
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Đã lưu phiếu {voucher.number}.")
            return redirect("funds:transaction_detail", voucher.pk)
    return render(
        request,
        "funds/transaction_form.html",
        {
            "form": form,
            "fund": voucher.fund,
            "kind": voucher.kind,
            "voucher": voucher,
            "title": f"Sửa {voucher.get_kind_display().lower()} {voucher.number}",
            "locked": editable != services.EDITABLE_FIELDS,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def transaction_reverse(request, pk):
    """Cancel a voucher by a reversal with its own number (ghi âm)."""
    voucher = _voucher(request, pk, scoping.CHANGE)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.transaction_reverse(
                voucher, actor=request.user, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Đã ghi âm phiếu {voucher.number} bằng phiếu {reversal.number}.")
            return redirect("funds:transaction_detail", reversal.pk)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return redirect("funds:transaction_detail", voucher.pk)


@require_POST
def transaction_print(request, pk):
    """Print the voucher for signing: from now on its amount can no longer be edited."""
    voucher = _voucher(request, pk, scoping.CHANGE)
    services.transaction_mark_printed(voucher, actor=request.user)
    return redirect("funds:transaction_pdf", voucher.pk)


def transaction_pdf(request, pk):
    """The voucher as a PDF; marked as a preview until it has been printed for signing."""
    voucher = _voucher(request, pk)
    return pdf_response(pdf.voucher_pdf(voucher), f"{voucher.number}.pdf")
