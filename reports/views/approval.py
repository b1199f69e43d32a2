"""The level above's screens (design.md §15): its units' reports for a period, one row each, with accept,
return, waive and re-open; and the deadline table an administrator edits."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import modelformset_factory
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.models import Unit
from core.views import year_from
from reports import approval
from reports.forms import DecisionForm, WaiveForm
from reports.models import Deadline, Report
from reports.workflow import Action, Role


def period_choice(request) -> tuple[int, str]:
    """?year=2025&period=Y (the year report of the year just ended by default, from November on this year's)."""
    today = timezone.localdate()
    default_year = today.year if today.month >= 11 else today.year - 1
    year = year_from(request, default_year, latest=today.year)
    period = request.GET.get("period", Report.Period.YEAR)
    return year, period if period in Report.Period.values else Report.Period.YEAR


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def children_page(request, unit_pk):
    """Who is late, who sent, accept or return with a reason: the whole cycle of the units below, on one page."""
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year, period = period_choice(request)
    rows = approval.children_status(unit=unit, year=year, period=period)
    can_decide = scoping.can(request.user, scoping.APPROVE, unit) or scoping.can(request.user, scoping.MANAGE, unit)
    counts = {
        "total": len(rows),
        "settled": sum(row["settled"] for row in rows),
        "waiting": sum(row["status"] == Report.Status.SUBMITTED for row in rows),
        "late": sum(row["late"] and not row["settled"] for row in rows),
    }
    return render(
        request,
        "reports/children.html",
        {
            "unit": unit,
            "year": year,
            "period": period,
            "periods": Report.Period.choices,
            "rows": rows,
            "counts": counts,
            "can_decide": can_decide,
            "own_report": Report.objects.filter(unit=unit, year=year, period=period).first(),
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 8, -1)),
            "here": request.get_full_path(),
        },
    )


DECISIONS = {
    Action.ACCEPT: (approval.report_accept, "Đã chấp nhận báo cáo của {unit}; năm {year} của đơn vị đã khóa sổ."),
    Action.RETURN: (approval.report_return, "Đã trả lại báo cáo của {unit}; đơn vị đã được báo kèm lý do."),
    Action.REOPEN: (approval.report_reopen, "Đã mở lại báo cáo của {unit}; đơn vị đã được báo kèm lý do."),
}


@require_POST
def report_decide(request, pk):
    """Accept, return or re-open one report (the level above)."""
    report = scoping.get_scoped_object(Report.objects.select_related("unit__parent"), request.user, pk=pk)
    roles = approval.report_roles(request.user, report)
    if not roles & {Role.REVIEWER, Role.ADMINISTRATOR, Role.AUTHOR}:
        raise PermissionDenied("Bạn chỉ có quyền xem báo cáo này.")
    back = _back(request, reverse("reports:report_detail", args=[report.pk]))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Thao tác không hợp lệ.")
        return redirect(back)
    action = form.cleaned_data["action"]
    service, done = DECISIONS[action]
    options = {"report": report, "actor": request.user, "expected_version": form.cleaned_data["version"]}
    if action != Action.ACCEPT:
        options["reason"] = form.cleaned_data["reason"]
    try:
        service(**options)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, done.format(unit=report.unit.display_name, year=report.year))
    return redirect(back)


@require_POST
def report_waive(request, unit_pk):
    """Excuse a unit below from a period's report, with a reason."""
    unit = scoping.get_scoped_object(Unit.objects.select_related("parent"), request.user, pk=unit_pk)
    if unit.parent is None or not (
        scoping.can(request.user, scoping.APPROVE, unit.parent)
        or scoping.can(request.user, scoping.MANAGE, unit.parent)
    ):
        raise PermissionDenied("Chỉ cán bộ hoặc quản trị của hội cấp trên mới được miễn báo cáo.")
    form = WaiveForm(request.POST)
    back = _back(request, reverse("reports:children", args=[unit.parent_id]))
    if not form.is_valid():
        messages.error(request, "Hãy ghi lý do miễn báo cáo.")
        return redirect(back)
    try:
        approval.report_waive(
            unit=unit,
            year=form.cleaned_data["year"],
            period=form.cleaned_data["period"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, f"Đã miễn báo cáo cho {unit.display_name}.")
    return redirect(back)


def can_edit_deadlines(user) -> bool:
    """The calendar is the deployment's: its superusers and the administrators of its top units edit it."""
    if user.is_superuser:
        return True
    return any(scoping.can(user, scoping.MANAGE, unit) for unit in Unit.objects.filter(parent__isnull=True))


DeadlineFormSet = modelformset_factory(
    Deadline, fields=["level", "period", "day", "month", "next_year"], extra=1, can_delete=True
)


def deadline_list(request):
    """Deadlines per level and period: everyone reads them; an administrator of the top level edits them."""
    editable = can_edit_deadlines(request.user)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Chỉ quản trị của hội cấp cao nhất mới được sửa hạn gửi báo cáo.")
        formset = DeadlineFormSet(request.POST, queryset=Deadline.objects.all())
        if formset.is_valid():
            formset.save()
            messages.success(request, "Đã lưu hạn gửi báo cáo.")
            return redirect("reports:deadline_list")
        status = 400
    else:
        formset = DeadlineFormSet(queryset=Deadline.objects.all())
        status = 200
    return render(request, "reports/deadline_list.html", {"formset": formset, "editable": editable}, status=status)
