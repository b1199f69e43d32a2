"""Transfers between funds: sending, the receiving side's inbox, confirming, rejecting, cancelling."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from chapters import scoping
from chapters.mixins import history_entries
from chapters.models import Unit
from core.views import querystring_without_page
from funds import services
from funds.forms import DecisionNoteForm, TransferConfirmForm, TransferForm, add_service_errors
from funds.models import Fund, Transfer

from .common import can_enter


def _suggested_units(unit: Unit) -> list[Unit]:
    """Units a fund usually sends money to: those above it, below it and beside it."""
    near = Q(pk__in=unit.ancestor_ids[:-1]) | Q(parent=unit)
    if unit.parent_id:
        near |= Q(parent_id=unit.parent_id)
    return list(Unit.objects.open_today().filter(near).exclude(pk=unit.pk).ordered()[:200])


def transfer_create(request, pk):
    """Send money from a fund to a fund of another unit (or another fund of the same unit)."""
    fund = scoping.get_scoped_object(Fund.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        to_fund = None
        if form.to_unit.pk == fund.unit_id:
            to_fund = Fund.objects.filter(unit=fund.unit, is_active=True).exclude(pk=fund.pk).order_by("pk").first()
        try:
            transfer = services.transfer_create(
                from_fund=fund,
                to_unit=form.to_unit,
                amount=form.cleaned_data["amount"],
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                to_fund=to_fund,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if transfer.status == Transfer.Status.CONFIRMED:
                messages.success(
                    request,
                    f"Đã chuyển quỹ: phiếu chi {transfer.payment.number} của {fund.unit.display_name}, "
                    f"phiếu thu {transfer.receipt.number} của {transfer.to_unit.display_name}.",
                )
            else:
                messages.success(
                    request,
                    f"Đã lập phiếu chi {transfer.payment.number}. Khoản chuyển chờ "
                    f"{transfer.to_unit.display_name} xác nhận đã nhận.",
                )
            return redirect("funds:transfer_detail", transfer.pk)
    return render(
        request,
        "funds/transfer_form.html",
        {"form": form, "fund": fund, "suggestions": _suggested_units(fund.unit)},
        status=400 if request.method == "POST" else 200,
    )


class TransferListView(ListView):
    """The inbox: transfers waiting for the user's units to confirm, those they sent, and the recent ones."""

    model = Transfer
    paginate_by = 30
    template_name = "funds/transfer_list.html"

    def get_queryset(self):
        return (
            Transfer.objects.visible_to(self.request.user)
            .select_related("from_fund__unit", "to_unit", "to_fund", "payment", "receipt")
            .order_by("-date", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        related = ("from_fund__unit", "to_unit", "payment")
        context.update(
            {
                "to_confirm": Transfer.objects.pending()
                .filter(scoping.scope_q(user, scoping.CHANGE, unit_field="to_unit"))
                .select_related(*related),
                "sent_pending": Transfer.objects.pending()
                .filter(scoping.scope_q(user, scoping.CHANGE, unit_field="from_fund__unit"))
                .select_related(*related),
                "querystring_without_page": querystring_without_page(self.request),
            }
        )
        return context


def _transfer(request, pk) -> Transfer:
    queryset = Transfer.objects.visible_to(request.user).select_related(
        "from_fund__unit", "to_unit", "to_fund", "payment", "receipt"
    )
    try:
        return queryset.get(pk=pk)
    except (Transfer.DoesNotExist, ValueError):
        raise Http404 from None


def transfer_detail(request, pk):
    transfer = _transfer(request, pk)
    user = request.user
    pending = transfer.status == Transfer.Status.PENDING
    receiver = pending and can_enter(user, transfer.to_unit)
    context = {
        "transfer": transfer,
        "can_confirm": receiver,
        "can_cancel": pending and can_enter(user, transfer.from_fund.unit),
        "confirm_form": TransferConfirmForm(transfer=transfer) if receiver else None,
        "note_form": DecisionNoteForm(),
        "history": history_entries(transfer),
    }
    return render(request, "funds/transfer_detail.html", context)


def _refuse_read_only(request, unit: Unit) -> None:
    if not can_enter(request.user, unit):
        raise PermissionDenied("Bạn chỉ có quyền xem khoản chuyển này.")


@require_POST
def transfer_confirm(request, pk):
    transfer = _transfer(request, pk)
    _refuse_read_only(request, transfer.to_unit)
    form = TransferConfirmForm(request.POST, transfer=transfer)
    if form.is_valid():
        try:
            services.transfer_confirm(
                transfer,
                actor=request.user,
                to_fund=form.cleaned_data["to_fund"],
                date=form.cleaned_data["date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Đã nhận, lập phiếu thu {transfer.receipt.number}.")
            return redirect("funds:transfer_detail", transfer.pk)
    context = {
        "transfer": transfer,
        "can_confirm": True,
        "can_cancel": False,
        "confirm_form": form,
        "note_form": DecisionNoteForm(),
        "history": history_entries(transfer),
    }
    return render(request, "funds/transfer_detail.html", context, status=400)


def _decide(request, pk, *, side: str):
    transfer = _transfer(request, pk)
    _refuse_read_only(request, transfer.to_unit if side == "receiver" else transfer.from_fund.unit)
    form = DecisionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = services.transfer_reject if side == "receiver" else services.transfer_cancel
    try:
        service(transfer, actor=request.user, note=note)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, f"{transfer.get_status_display()}: phiếu chi {transfer.payment.number} đã được ghi âm."
        )
    return redirect("funds:transfer_detail", transfer.pk)


@require_POST
def transfer_reject(request, pk):
    """The receiving side says the money did not arrive."""
    return _decide(request, pk, side="receiver")


@require_POST
def transfer_cancel(request, pk):
    """The sending side withdraws a transfer not yet confirmed."""
    return _decide(request, pk, side="sender")
