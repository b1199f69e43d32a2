"""Funds: the list, opening and editing a fund, its opening balance, and its cash book."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Unit
from core.replicas import ReplicaReadsMixin
from core.text import fold
from core.views import querystring_without_page
from funds import services
from funds.forms import FundForm, OpeningBalanceForm, PeriodForm, add_service_errors
from funds.models import Fund, OpeningBalance, Transfer
from funds.queries import cash_book

from .common import can_enter, can_set_up, ensure_can_set_up


class FundListView(ReplicaReadsMixin, ScopedQuerysetMixin, ListView):
    """The funds the user can see, with their current balance; filtered by unit or by name."""

    model = Fund
    paginate_by = 50
    template_name = "funds/fund_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("unit")
        unit_id = self.request.GET.get("unit", "")
        if unit_id.isdigit():
            unit = Unit.objects.filter(pk=unit_id).first()
            qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
        query = fold(self.request.GET.get("q", ""))
        if query:
            qs = qs.filter(unit__search_key__contains=query)
        if not self.request.GET.get("inactive"):
            qs = qs.filter(is_active=True)
        return qs.order_by("unit__level_rank", "unit__sort_key", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            {
                "q": self.request.GET.get("q", ""),
                "show_inactive": bool(self.request.GET.get("inactive")),
                "home_units": list(scoping.top_units(user)[:10]),
                "inbox": Transfer.objects.pending()
                .filter(scoping.scope_q(user, scoping.CHANGE, unit_field="to_unit"))
                .count(),
                "can_create": scoping.role_paths(user, scoping.CHANGE) != []
                or scoping.role_paths(user, scoping.MANAGE) != [],
                "querystring_without_page": querystring_without_page(self.request),
            }
        )
        return context


class FundCreateView(CreateView):
    model = Fund
    form_class = FundForm
    template_name = "funds/fund_form.html"

    def get_initial(self):
        unit_id = self.request.GET.get("unit", "")
        return {"unit": unit_id} if unit_id.isdigit() else {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get(self, request, *args, **kwargs):
        unit_id = request.GET.get("unit", "")
        if unit_id.isdigit():
            ensure_can_set_up(request.user, get_object_or_404(scoping.units_for(request.user), pk=unit_id))
        elif not FundForm.unit_choices(request.user).exists():
            raise PermissionDenied("Bạn không có quyền mở quỹ ở đơn vị nào.")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        unit = form.cleaned_data["unit"]
        ensure_can_set_up(self.request.user, unit)
        try:
            fund = services.fund_create(
                unit=unit,
                actor=self.request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                allow_negative=form.cleaned_data["allow_negative"],
                is_active=form.cleaned_data["is_active"],
                opening_year=form.cleaned_data.get("opening_year"),
                opening_amount=form.cleaned_data.get("opening_amount") or 0,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Đã mở {fund.name} của {unit.display_name}.")
        return redirect("funds:fund_detail", fund.pk)


class FundUpdateView(ScopedQuerysetMixin, UpdateView):
    model = Fund
    form_class = FundForm
    template_name = "funds/fund_form.html"

    def get_object(self, queryset=None):
        fund = super().get_object(queryset)
        ensure_can_set_up(self.request.user, fund.unit)
        return fund

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            services.fund_update(
                self.object,
                actor=self.request.user,
                expected_version=form.cleaned_data.get("version"),
                **{name: form.cleaned_data[name] for name in ("name", "description", "allow_negative", "is_active")},
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Đã lưu thông tin quỹ.")
        return redirect("funds:fund_detail", self.object.pk)


def opening_balance_edit(request, pk):
    """Set or correct the balance the fund's books start from."""
    fund = scoping.get_scoped_object(Fund.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk)
    opening = OpeningBalance.objects.filter(fund=fund).first()
    initial = {"year": opening.year, "amount": opening.amount, "notes": opening.notes} if opening else {}
    form = OpeningBalanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.opening_balance_set(fund=fund, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Đã lưu số dư đầu kỳ.")
            return redirect("funds:fund_detail", fund.pk)
    return render(
        request,
        "funds/openingbalance_form.html",
        {"fund": fund, "form": form, "history": history_entries(opening) if opening else []},
        status=400 if request.method == "POST" else 200,
    )


class FundDetailView(ScopedQuerysetMixin, DetailView):
    """A fund's cash book (sổ quỹ): every voucher of the period with the balance after it."""

    model = Fund
    template_name = "funds/fund_detail.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "opening")

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        fund = self.object
        user = self.request.user
        form = PeriodForm(self.request.GET or None)
        year, period, start, end = form.bounds()
        book = cash_book(fund, start, end)
        page = Paginator(book.rows, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            {
                "form": form,
                "period_label": form.label(),
                "book": book,
                "page_obj": page,
                "rows": page.object_list,
                "can_enter": can_enter(user, fund.unit) and fund.is_active,
                "can_set_up": can_set_up(user, fund.unit),
                "pending_out": fund.transfers_out.pending().select_related("to_unit"),
                "finance_url": reverse("funds:finance_detail", args=[fund.unit_id]),
                "querystring_without_page": querystring_without_page(self.request),
                "history": history_entries(fund),
            }
        )
        return context
