"""Recipient screens: add one by form, paste a list from Excel (preview, then all or nothing), correct, delete,
search across decisions, a recipient's page with its payments, pay one and cancel a payment."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from awards import services
from awards.forms import CancelPayoutForm, PasteForm, PayForm, RecipientFilterForm, RecipientForm
from awards.models import Decision, Payout, Recipient
from awards.paste import COLUMNS, paste_parse
from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from core import formatting
from core.views import querystring_without_page

from .common import error_text, save_through


def _decision_for_change(request, pk) -> Decision:
    return scoping.get_scoped_object(Decision.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk)


def recipient_create(request, pk):
    user = request.user
    decision = _decision_for_change(request, pk)
    form = RecipientForm(request.POST or None, user=user, decision=decision)
    if request.method == "POST" and form.is_valid():
        recipient = form.save(commit=False)
        saved = save_through(form, services.recipient_save, recipient, actor=user)
        if saved:
            messages.success(request, f"Đã thêm {saved.name}.")
            if "another" in request.POST:
                return redirect("awards:recipient_create", decision.pk)
            return redirect("awards:decision_detail", decision.pk)
    return render(request, "awards/recipient_form.html", {"form": form, "decision": decision})


def recipient_update(request, pk):
    user = request.user
    recipient = scoping.get_scoped_object(
        Recipient.objects.select_related("decision__unit"), user, scoping.CHANGE, unit_field="decision__unit", pk=pk
    )
    decision = recipient.decision
    form = RecipientForm(request.POST or None, instance=recipient, user=user, decision=decision)
    if request.method == "POST" and form.is_valid():
        saved = save_through(form, services.recipient_save, form.save(commit=False), actor=user)
        if saved:
            messages.success(request, f"Đã lưu thay đổi của {saved.name}.")
            return redirect("awards:recipient_detail", saved.pk)
    return render(request, "awards/recipient_form.html", {"form": form, "decision": decision, "recipient": recipient})


@require_POST
def recipient_delete(request, pk):
    recipient = scoping.get_scoped_object(
        Recipient.objects.select_related("decision"), request.user, scoping.CHANGE, unit_field="decision__unit", pk=pk
    )
    try:
        services.recipient_delete(recipient, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("awards:recipient_detail", pk)
    messages.success(request, f"Đã xóa {recipient.name} khỏi {recipient.decision}.")
    return redirect("awards:decision_detail", recipient.decision_id)


def recipient_paste(request, pk):
    """Paste a list copied from Excel: the first post shows a preview (or every bad line with its number), the
    confirmation saves every row or none."""
    user = request.user
    decision = _decision_for_change(request, pk)
    form = PasteForm(request.POST or None, user=user, decision=decision)
    pasted = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pasted = paste_parse(data["text"], decision=decision, unit=data["unit"], default_kind=data["default_kind"])
        if pasted.is_valid and data["confirm"] and "check" not in request.POST:
            try:
                created = services.recipients_add(decision, pasted.recipients, actor=user)
            except services.RowsInvalid as error:
                pasted.problems = [
                    (line, f"{label[:1].upper()}{label[1:]}: {message}" if label else message)
                    for line, label, message in error.rows
                ]
            except ValidationError as error:
                pasted.problems = [(0, error_text(error))]
            else:
                messages.success(request, f"Đã thêm {formatting.number(len(created))} người nhận vào {decision}.")
                return redirect("awards:decision_detail", decision.pk)
        if pasted.is_valid:
            form.data = form.data.copy()
            form.data["confirm"] = "True"
    context = {
        "form": form,
        "decision": decision,
        "pasted": pasted,
        "columns": COLUMNS,
        "with_money": decision.amount_rule != "forbidden",
    }
    status = 400 if pasted is not None and pasted.problems else 200
    return render(request, "awards/recipient_paste.html", context, status=status)


class RecipientListView(ScopedQuerysetMixin, ListView):
    """Recipients across decisions, searched by name without accents."""

    model = Recipient
    paginate_by = 50
    template_name = "awards/recipient_list.html"

    def get_queryset(self):
        self.filter_form = RecipientFilterForm(self.request.GET or None)
        qs = super().get_queryset()
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["q"]:
                qs = qs.search(data["q"])
            if data["year"]:
                qs = qs.filter(decision__year=data["year"])
            if data["kind"]:
                qs = qs.filter(kind=data["kind"])
            if data["paid"] == "paid":
                qs = qs.paid()
            elif data["paid"] == "unpaid":
                qs = qs.unpaid()
        return (
            qs.with_payment()
            .select_related("decision", "unit")
            .order_by("-decision__date", "decision_id", "position", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["querystring_without_page"] = querystring_without_page(self.request)
        return context


def recipient_detail(request, pk):
    user = request.user
    recipient = scoping.get_scoped_object(
        Recipient.objects.select_related("decision__unit", "decision__issuer_unit", "unit", "scholarship"),
        user,
        pk=pk,
    )
    decision = recipient.decision
    can_change = scoping.can(user, scoping.CHANGE, decision.unit)
    payouts = list(Payout.objects.filter(recipient=recipient).select_related("voucher", "reverses").order_by("pk"))
    active = next(
        (p for p in payouts if p.reverses_id is None and not any(q.reverses_id == p.pk for q in payouts)), None
    )
    context = {
        "recipient": recipient,
        "decision": decision,
        "payouts": payouts,
        "active": active,
        "can_change": can_change,
        "pay_form": PayForm(user=user, decision=decision)
        if can_change and recipient.amount and active is None
        else None,
        "cancel_form": CancelPayoutForm() if can_change and active else None,
        "history": history_entries(recipient),
    }
    return render(request, "awards/recipient_detail.html", context)


@require_POST
def recipient_pay(request, pk):
    user = request.user
    recipient = scoping.get_scoped_object(
        Recipient.objects.select_related("decision__unit", "unit"),
        user,
        scoping.CHANGE,
        unit_field="decision__unit",
        pk=pk,
    )
    form = PayForm(request.POST, user=user, decision=recipient.decision)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("awards:recipient_detail", pk)
    try:
        voucher = services.recipient_pay(
            recipient, fund=form.cleaned_data["fund"], paid_on=form.cleaned_data["paid_on"], actor=user
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("awards:recipient_detail", pk)
    messages.success(
        request, f"Đã chi {formatting.money(voucher.amount)} cho {recipient.name}: phiếu chi {voucher.number}."
    )
    return redirect("awards:recipient_detail", pk)


@require_POST
def payout_cancel(request, pk):
    """Cancel a payment: its voucher is reversed in the fund (with every payment it carried)."""
    user = request.user
    payout = scoping.get_scoped_object(
        Payout.objects.select_related("voucher", "recipient__decision__unit"),
        user,
        scoping.CHANGE,
        unit_field="recipient__decision__unit",
        pk=pk,
    )
    form = CancelPayoutForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("awards:recipient_detail", payout.recipient_id)
    try:
        rows = services.payout_cancel(
            payout, actor=user, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("awards:recipient_detail", payout.recipient_id)
    others = len(rows) - 1
    extra = f" (phiếu này chi cho cả {others} người khác: họ cũng trở lại chưa được chi)" if others else ""
    messages.success(request, f"Đã hủy khoản chi theo phiếu {payout.voucher.number}{extra}.")
    return redirect("awards:recipient_detail", payout.recipient_id)
