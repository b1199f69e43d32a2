"""Closing and reopening a year (design.md §4): an officer of the unit above, or the unit's own administrator."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chapters.forms import PeriodCloseForm, PeriodReopenForm
from chapters.models import ClosedPeriod
from chapters.services import periods
from chapters.views.units import unit_for


def _page(request, unit, *, close_form=None, reopen_form=None, status=200):
    own = ClosedPeriod.objects.filter(unit=unit).order_by("-year", "-closed_at")
    inherited = [c for c in periods.closed_years(unit).values() if c.unit_id != unit.pk]
    context = {
        "unit": unit,
        "own": own,
        "inherited": sorted(inherited, key=lambda c: -c.year),
        "can_close": periods.can_close(request.user, unit),
        "close_form": close_form or PeriodCloseForm(),
        "reopen_form": reopen_form,
    }
    return render(request, "chapters/period_list.html", context, status=status)


def period_list(request, pk):
    return _page(request, unit_for(request, pk))


def _unit_for_closing(request, pk):
    unit = unit_for(request, pk)
    if not periods.can_close(request.user, unit):
        raise PermissionDenied("Chỉ cán bộ của hội cấp trên hoặc quản trị của chính đơn vị mới được khóa, mở sổ.")
    return unit


@require_POST
def period_close(request, pk):
    unit = _unit_for_closing(request, pk)
    form = PeriodCloseForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            periods.period_close(unit=unit, year=year, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Đã khóa sổ năm {year} của {unit.display_name} và các đơn vị trực thuộc.")
            return redirect("chapters:period_list", pk=unit.pk)
    return _page(request, unit, close_form=form, status=400)


@require_POST
def period_reopen(request, pk):
    unit = _unit_for_closing(request, pk)
    form = PeriodReopenForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            periods.period_reopen(unit=unit, year=year, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Đã mở lại sổ năm {year} của {unit.display_name}.")
            return redirect("chapters:period_list", pk=unit.pk)
    return _page(request, unit, reopen_form=form, status=400)
