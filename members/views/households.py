"""Households and clans: lists with search, add, edit, a page with history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from core.replicas import ReplicaReadsMixin
from core.views import querystring_without_page
from members.filters import UnitFilterField, filter_units
from members.forms import ClanForm, HouseholdForm
from members.models import Clan, Household, Member, PersonalDataAccess
from members.privacy import access_log


class _SearchListMixin(ScopedQuerysetMixin):
    paginate_by = 50

    def get_queryset(self):
        qs = super().get_queryset().select_related("unit")
        self.q = self.request.GET.get("q", "").strip()
        if self.q:
            qs = qs.search(self.q)
        self.units, self.unit_rows = filter_units(self.request.user)
        self.unit = None
        unit_id = self.request.GET.get("unit", "")
        if unit_id.isdigit():
            self.unit = next((unit for unit in self.unit_rows if unit.pk == int(unit_id)), None)
            if self.unit:
                qs = qs.filter(unit__path__startswith=self.unit.path)
        return qs.ordered()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        field = UnitFilterField(queryset=self.units)
        context.update(
            {
                "q": self.q,
                "unit_choices": [(u.pk, field.label_from_instance(u)) for u in self.unit_rows],
                "unit": self.unit,
                "querystring_without_page": querystring_without_page(self.request),
                "can_change": _can_change_somewhere(self.request.user),
            }
        )
        return context


def _can_change_somewhere(user) -> bool:
    paths = scoping.role_paths(user, scoping.CHANGE)
    return paths is None or bool(paths)


class _CreateMixin:
    def dispatch(self, request, *args, **kwargs):
        if not _can_change_somewhere(request.user):
            if scoping.units_for(request.user).exists():
                raise PermissionDenied("Bạn chỉ có quyền xem; không thể thêm mới.")
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class _SaveMixin:
    """Forms save through record_save (history, version check); the saved object must still be in scope."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        obj = form.save_with_history(actor=self.request.user)
        if obj is None:
            return self.form_invalid(form)
        self.object = obj
        messages.success(self.request, self.success_text.format(obj=obj))
        return redirect(self.detail_url, obj.pk)


class HouseholdListView(ReplicaReadsMixin, _SearchListMixin, ListView):
    model = Household
    template_name = "members/household_list.html"

    def get_queryset(self):
        # Counted per row shown (a subquery), not by grouping every household of the scope before the page is cut.
        members = Member.objects.filter(household=OuterRef("pk")).order_by().values("household")
        count = Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")), 0)
        return super().get_queryset().select_related("clan").annotate(member_count=count)


class _LoggedDetailMixin:
    """Opening a household's or a clan's page is a read of personal data: in the access log, as a member's."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        access_log(self.request.user, [obj], PersonalDataAccess.Action.VIEW)
        return obj


class HouseholdDetailView(_LoggedDetailMixin, ScopedQuerysetMixin, DetailView):
    model = Household
    template_name = "members/household_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "members": self.object.members.select_related("unit").ordered(),
                "history": history_entries(self.object),
                "can_change": scoping.can(self.request.user, scoping.CHANGE, self.object.unit),
            }
        )
        return context


class HouseholdCreateView(_CreateMixin, _SaveMixin, CreateView):
    model = Household
    form_class = HouseholdForm
    template_name = "members/household_form.html"
    success_text = "Đã thêm {obj}."
    detail_url = "members:household_detail"

    def get_initial(self):
        unit = self.request.GET.get("unit", "")
        return {"unit": unit} if unit.isdigit() else {}


class HouseholdUpdateView(ScopedQuerysetMixin, _SaveMixin, UpdateView):
    model = Household
    form_class = HouseholdForm
    action = scoping.CHANGE
    template_name = "members/household_form.html"
    success_text = "Đã lưu {obj}."
    detail_url = "members:household_detail"


class ClanListView(ReplicaReadsMixin, _SearchListMixin, ListView):
    model = Clan
    template_name = "members/clan_list.html"

    def get_queryset(self):
        households = Household.objects.filter(clan=OuterRef("pk")).order_by().values("clan")
        count = Coalesce(Subquery(households.annotate(n=Count("pk")).values("n")), 0)
        return super().get_queryset().select_related("board").annotate(household_count=count)


class ClanDetailView(_LoggedDetailMixin, ScopedQuerysetMixin, DetailView):
    model = Clan
    template_name = "members/clan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        households = self.object.households.select_related("unit").annotate(member_count=Count("members")).ordered()
        context.update(
            {
                "households": households,
                "member_count": Member.objects.filter(household__clan=self.object, left_on__isnull=True).count(),
                "history": history_entries(self.object),
                "can_change": scoping.can(self.request.user, scoping.CHANGE, self.object.unit),
            }
        )
        return context


class ClanCreateView(_CreateMixin, _SaveMixin, CreateView):
    model = Clan
    form_class = ClanForm
    template_name = "members/clan_form.html"
    success_text = "Đã thêm {obj}."
    detail_url = "members:clan_detail"


class ClanUpdateView(ScopedQuerysetMixin, _SaveMixin, UpdateView):
    model = Clan
    form_class = ClanForm
    action = scoping.CHANGE
    template_name = "members/clan_form.html"
    success_text = "Đã lưu {obj}."
    detail_url = "members:clan_detail"
