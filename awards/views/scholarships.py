"""Scholarships over several years: the list, add and edit, a student's history, this year's award, stopping."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from awards import services
from awards.forms import ScholarshipAwardForm, ScholarshipFilterForm, ScholarshipForm, ScholarshipStopForm
from awards.models import Scholarship
from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import ScopedQuerysetMixin, history_entries
from core import formatting
from core.text import fold
from core.views import querystring_without_page

from .common import can_enter_somewhere, ensure_can_enter_somewhere, save_through


class ScholarshipListView(ScopedQuerysetMixin, ListView):
    model = Scholarship
    paginate_by = 50
    template_name = "awards/scholarship_list.html"

    def get_queryset(self):
        self.filter_form = ScholarshipFilterForm(self.request.GET or None)
        qs = super().get_queryset()
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["q"]:
                qs = qs.search(data["q"])
            if data["status"]:
                qs = qs.filter(status=data["status"])
            if data["programme"]:
                qs = qs.filter(programme__icontains=data["programme"].strip())
        return (
            qs.select_related("unit")
            .annotate(award_count=Count("awards"), last_year=Max("awards__decision__year"))
            .order_by("sort_key", "pk")
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


def scholarship_create(request):
    user = request.user
    ensure_can_enter_somewhere(user)
    form = ScholarshipForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        saved = save_through(form, services.scholarship_save, form.save(commit=False), actor=user)
        if saved:
            messages.success(request, f"Đã thêm học bổng của {saved.student_name}.")
            return redirect("awards:scholarship_detail", saved.pk)
    return render(request, "awards/scholarship_form.html", {"form": form})


def scholarship_update(request, pk):
    user = request.user
    scholarship = scoping.get_scoped_object(Scholarship.objects.all(), user, scoping.CHANGE, pk=pk)
    form = ScholarshipForm(request.POST or None, instance=scholarship, user=user)
    if request.method == "POST" and form.is_valid():
        saved = save_through(form, services.scholarship_save, form.save(commit=False), actor=user)
        if saved:
            messages.success(request, f"Đã lưu thay đổi học bổng của {saved.student_name}.")
            return redirect("awards:scholarship_detail", saved.pk)
    return render(request, "awards/scholarship_form.html", {"form": form, "scholarship": scholarship})


def scholarship_detail(request, pk, award_form=None, stop_form=None):
    user = request.user
    scholarship = scoping.get_scoped_object(Scholarship.objects.select_related("unit"), user, pk=pk)
    can_change = scoping.can(user, scoping.CHANGE, scholarship.unit)
    awards = services.scholarship_history(scholarship)
    active = scholarship.status == Scholarship.Status.ACTIVE
    context = {
        "scholarship": scholarship,
        "awards": awards,
        "total": sum(a.amount or 0 for a in awards),
        "can_change": can_change,
        "award_form": award_form
        or (ScholarshipAwardForm(user=user, scholarship=scholarship) if can_change and active else None),
        "stop_form": stop_form or (ScholarshipStopForm() if can_change and active else None),
        "history": history_entries(scholarship),
        "same_name": Scholarship.objects.filter(search_key=fold(scholarship.student_name))
        .exclude(pk=scholarship.pk)
        .filter(scoping.scope_q(user))
        .select_related("unit")[:5],
    }
    status = 400 if (award_form and award_form.errors) or (stop_form and stop_form.errors) else 200
    return render(request, "awards/scholarship_detail.html", context, status=status)


@require_POST
def scholarship_award(request, pk):
    user = request.user
    scholarship = scoping.get_scoped_object(Scholarship.objects.select_related("unit"), user, scoping.CHANGE, pk=pk)
    form = ScholarshipAwardForm(request.POST, user=user, scholarship=scholarship)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recipient = services.scholarship_award(
                scholarship,
                decision=data["decision"],
                amount=data["amount"],
                grade=data["grade"],
                achievement=data["achievement"],
                actor=user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Đã ghi học bổng {recipient.get_stage_display().lower()} năm {data['decision'].date.year} "
                f"cho {scholarship.student_name}: {formatting.money(recipient.amount)}.",
            )
            return redirect("awards:scholarship_detail", pk)
    return scholarship_detail(request, pk, award_form=form)


@require_POST
def scholarship_stop(request, pk):
    user = request.user
    scholarship = scoping.get_scoped_object(Scholarship.objects.select_related("unit"), user, scoping.CHANGE, pk=pk)
    form = ScholarshipStopForm(request.POST)
    if form.is_valid():
        try:
            services.scholarship_stop(
                scholarship, year=form.cleaned_data["year"], reason=form.cleaned_data["reason"], actor=user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Đã dừng học bổng của {scholarship.student_name}.")
            return redirect("awards:scholarship_detail", pk)
    return scholarship_detail(request, pk, stop_form=form)
