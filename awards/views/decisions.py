"""Decision screens: the list with filters, add and edit (with the scan), the decision's page with its
recipients, payment of the whole list, the printed list to sign, and the scan's scoped download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from awards import services
from awards.forms import DecisionFilterForm, DecisionForm, PayForm
from awards.models import Decision, Payout, Recipient
from awards.pdf import MAX_ROWS, recipient_list_pdf
from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Unit
from core import formatting
from core.text import fold
from core.views import pdf_response, querystring_without_page

from .common import can_enter_somewhere, ensure_can_enter_somewhere, error_text, save_through

RECIPIENTS_PER_PAGE = 100


class DecisionListView(ScopedQuerysetMixin, ListView):
    model = Decision
    paginate_by = 30
    template_name = "awards/decision_list.html"

    def get_queryset(self):
        self.filter_form = DecisionFilterForm(self.request.GET or None)
        qs = super().get_queryset()
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["year"]:
                qs = qs.filter(year=data["year"])
            if data["occasion"]:
                qs = qs.filter(occasion=data["occasion"])
            if data["form"]:
                qs = qs.filter(form=data["form"])
            if data["q"]:
                key = "".join(fold(data["q"]).split())
                qs = qs.filter(
                    Q(number_key__contains=key)
                    | Q(subject__icontains=data["q"])
                    | Q(issuer_name__icontains=data["q"])
                    | Q(issuer_unit__search_key__contains=fold(data["q"]))
                )
        return (
            qs.select_related("unit", "issuer_unit")
            .annotate(recipient_count=Count("recipients"), amount=Sum("recipients__amount"))
            .order_by("-date", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "filter_form": self.filter_form,
                "querystring_without_page": querystring_without_page(self.request),
                "can_create": can_enter_somewhere(self.request.user),
            }
        )
        return context


def decision_create(request):
    user = request.user
    ensure_can_enter_somewhere(user)
    form = DecisionForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        decision = form.save(commit=False)
        form.apply_scan(decision)
        saved = save_through(form, services.decision_save, decision, actor=user)
        if saved:
            messages.success(request, f"Đã lưu {saved}. Hãy thêm người nhận.")
            return redirect("awards:decision_detail", saved.pk)
    return render(request, "awards/decision_form.html", {"form": form})


def decision_update(request, pk):
    user = request.user
    decision = scoping.get_scoped_object(Decision.objects.all(), user, scoping.CHANGE, pk=pk)
    form = DecisionForm(request.POST or None, request.FILES or None, instance=decision, user=user)
    if request.method == "POST" and form.is_valid():
        decision = form.save(commit=False)
        form.apply_scan(decision)
        saved = save_through(form, services.decision_save, decision, actor=user)
        if saved:
            messages.success(request, f"Đã lưu thay đổi của {saved}.")
            return redirect("awards:decision_detail", saved.pk)
    return render(request, "awards/decision_form.html", {"form": form, "decision": decision})


def decision_totals(decision: Decision) -> dict:
    totals = decision.recipients.aggregate(
        count=Count("pk"),
        collectives=Count("pk", filter=Q(kind=Recipient.Kind.COLLECTIVE)),
        teachers=Count("pk", filter=Q(kind=Recipient.Kind.TEACHER)),
        students=Count("pk", filter=Q(kind=Recipient.Kind.STUDENT)),
        others=Count("pk", filter=Q(kind=Recipient.Kind.INDIVIDUAL)),
        decided=Sum("amount"),
    )
    totals["decided"] = totals["decided"] or 0
    totals["paid"] = Payout.objects.filter(recipient__decision=decision).aggregate(total=Sum("amount"))["total"] or 0
    totals["unpaid"] = totals["decided"] - totals["paid"]
    return totals


def decision_detail(request, pk):
    user = request.user
    decision = scoping.get_scoped_object(Decision.objects.select_related("unit", "issuer_unit"), user, pk=pk)
    can_change = scoping.can(user, scoping.CHANGE, decision.unit)
    recipients = decision.recipients.with_payment().select_related("unit", "scholarship").order_by("position", "pk")
    page = Paginator(recipients, RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))
    totals = decision_totals(decision)
    pay_form = None
    if can_change and decision.amount_rule != "forbidden" and totals["unpaid"] > 0:
        pay_form = PayForm(user=user, decision=decision, with_unit=True)
    context = {
        "decision": decision,
        "page_obj": page,
        "recipients": page.object_list,
        "totals": totals,
        "can_change": can_change,
        "with_money": decision.amount_rule != "forbidden",
        "pay_form": pay_form,
        "print_units": Unit.objects.filter(pk__in=decision.recipients.values("unit_id")).ordered(),
        "querystring_without_page": "",
        "history": history_entries(decision),
    }
    return render(request, "awards/decision_detail.html", context)


@require_POST
def decision_delete(request, pk):
    decision = scoping.get_scoped_object(Decision.objects.all(), request.user, scoping.CHANGE, pk=pk)
    try:
        services.decision_delete(decision, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("awards:decision_detail", pk)
    messages.success(request, f"Đã xóa {decision}.")
    return redirect("awards:decision_list")


def decision_scan(request, pk):
    """The scan, only to users who may see the decision (never from a public media URL)."""
    decision = scoping.get_scoped_object(Decision.objects.all(), request.user, pk=pk)
    if not decision.scan:
        raise Http404
    try:
        handle = decision.scan.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=decision.scan_content_type or "application/octet-stream", filename=decision.scan_name
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_POST
def decision_pay(request, pk):
    """Pay every unpaid recipient of the decision (or of one unit of it) from a fund: the vouchers are written
    in the same step."""
    user = request.user
    decision = scoping.get_scoped_object(Decision.objects.select_related("unit"), user, scoping.CHANGE, pk=pk)
    form = PayForm(request.POST, user=user, decision=decision, with_unit=True)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("awards:decision_detail", pk)
    data = form.cleaned_data
    try:
        vouchers = services.decision_pay_all(
            decision, fund=data["fund"], paid_on=data["paid_on"], actor=user, unit=data.get("unit")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("awards:decision_detail", pk)
    numbers = ", ".join(f"{v.number} ({formatting.money(v.amount)})" for v in vouchers)
    messages.success(request, f"Đã chi tiền và lập phiếu chi: {numbers}.")
    return redirect("awards:decision_detail", pk)


def decision_pdf(request, pk):
    """The list handed out with the rewards, each recipient signing on receipt; ?unit= prints one unit's part."""
    decision = scoping.get_scoped_object(Decision.objects.select_related("unit", "unit__parent"), request.user, pk=pk)
    recipients = decision.recipients.order_by("position", "pk")
    part = None
    if request.GET.get("unit"):
        part = get_object_or_404(Unit, pk=request.GET["unit"], path__startswith=decision.unit.path)
        recipients = recipients.filter(unit__path__startswith=part.path)
    if recipients.count() > MAX_ROWS:
        messages.error(
            request,
            f"Danh sách có hơn {formatting.number(MAX_ROWS)} người: hãy in theo từng đơn vị (chọn đơn vị rồi bấm In).",
        )
        return redirect(reverse("awards:decision_detail", args=[pk]))
    content = recipient_list_pdf(decision, recipients, part=part)
    return pdf_response(content, f"danh-sach-nhan-thuong-{decision.pk}.pdf")
