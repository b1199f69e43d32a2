"""Report screens: list per unit, the report page (texts, renders with progress, finalise, send up), files."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Unit
from chapters.services.records import EditConflict
from chapters.summaries import figure_labels
from core.queueing import QueueUnavailable
from core.views import year_from
from reports import approval, services, workflow
from reports.deadlines import Calendar, is_late
from reports.forms import ReportRequestForm, ReportTextForm, RunForm, ScanForm
from reports.models import Report, ReportEvent, ReportRun


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def report_list(request, unit_pk):
    """A unit's reports, the form to start one, and which units below have sent theirs."""
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    today = timezone.localdate()
    default_year = today.year if today.month >= 11 else today.year - 1
    year = year_from(request, default_year, latest=today.year)
    reports = list(unit.reports.order_by("-year", "period"))
    calendar = Calendar()
    for report in reports:
        report.deadline = calendar.for_unit(unit, report.year, report.period)
        report.late = unit.parent_id is not None and is_late(report, report.deadline, today)
    context = {
        "unit": unit,
        "reports": reports,
        # The year in the address (the home page's overdue-report link) is the one the form offers.
        "form": ReportRequestForm(initial={"year": year}),
        "can_write": scoping.can(request.user, scoping.APPROVE, unit),
        "submission_year": year,
        "year": year,
        "rows": approval.children_status(unit=unit, year=year) if unit.kind == Unit.Kind.ASSOCIATION else [],
        "period": Report.Period.YEAR,
        "here": request.get_full_path(),
    }
    return render(request, "reports/report_list.html", context)


@require_POST
def report_create(request, unit_pk):
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    scoping.ensure_can(request.user, scoping.APPROVE, unit)
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Năm hoặc kỳ báo cáo không hợp lệ.")
        return redirect("reports:report_list", unit_pk=unit.pk)
    try:
        report = services.report_get_or_create(
            unit=unit, year=form.cleaned_data["year"], period=form.cleaned_data["period"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reports:report_list", unit_pk=unit.pk)
    return redirect("reports:report_detail", pk=report.pk)


class ReportDetailView(ScopedQuerysetMixin, DetailView):
    model = Report
    template_name = "reports/report_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_context_data(self, **kwargs):
        services.runs_sweep_stale()
        context = super().get_context_data(**kwargs)
        report = self.object
        runs = list(report.runs.select_related("requested_by")[:20])
        latest = next((r for r in runs if r.status == ReportRun.Status.DONE), None)
        roles = approval.report_roles(self.request.user, report)
        actions = workflow.allowed_actions(report.status, roles)
        deadline = Calendar().for_unit(report.unit, report.year, report.period)
        context.update(
            {
                "can_write": workflow.Role.AUTHOR in roles,
                "editable": report.status in workflow.EDITABLE,
                "actions": actions,
                "decisions": [a for a in actions if a in ("accept", "return", "reopen")],
                "events": list(report.events.select_related("run")),
                "deadline": deadline,
                "late": report.unit.parent_id is not None and is_late(report, deadline),
                "text_form": ReportTextForm(instance=report),
                "run_form": RunForm(),
                "scan_form": ScanForm(),
                "runs": runs,
                "latest": latest,
                "figure_rows": _figure_rows(latest),
                "active": next((r for r in runs if r.is_active), None),
                "history": history_entries(report),
            }
        )
        return context


def _figure_rows(run: ReportRun | None) -> list[dict]:
    """The figures a print used, under the labels the figures' providers declare (never their internal keys)."""
    if run is None or not run.figures:
        return []
    labels = figure_labels()
    current, previous = run.figures.get("current") or {}, run.figures.get("previous") or {}
    return [
        {"label": labels.get(key, key), "current": value, "previous": previous.get(key)}
        for key, value in current.items()
    ]


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _report_for(request, pk, action=scoping.APPROVE) -> Report:
    return scoping.get_scoped_object(Report.objects.select_related("unit"), request.user, action, pk=pk)


@require_POST
def report_text(request, pk):
    report = _report_for(request, pk)
    if workflow.Role.AUTHOR not in approval.report_roles(request.user, report):
        raise PermissionDenied("Chỉ cán bộ của chính đơn vị mới sửa được nội dung báo cáo.")
    form = ReportTextForm(request.POST, instance=Report.objects.get(pk=report.pk))
    if form.is_valid():
        texts = {name: form.cleaned_data[name] for name in ReportTextForm.Meta.fields}
        try:
            services.report_update_text(
                report=report, actor=request.user, expected_version=form.cleaned_data.get("version"), **texts
            )
            messages.success(request, "Đã lưu nội dung báo cáo.")
            return redirect("reports:report_detail", pk=report.pk)
        except EditConflict as conflict:
            form.add_error(None, conflict)
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "reports/report_detail.html",
        {
            "object": report,
            "report": report,
            "text_form": form,
            "can_write": True,
            "editable": True,
            "run_form": RunForm(),
            "scan_form": ScanForm(),
            "runs": list(report.runs.all()[:20]),
            "history": history_entries(report),
        },
        status=400,
    )


@require_POST
def report_run_create(request, pk):
    report = _report_for(request, pk)
    form = RunForm(request.POST)
    tree = form.cleaned_data["tree"] if form.is_valid() else ReportRun.Tree.PAST
    try:
        run = services.report_request_run(report=report, actor=request.user, tree=tree)
    except QueueUnavailable as error:
        messages.error(request, error.message)
        return redirect("reports:report_detail", pk=report.pk)
    messages.info(request, "Đang tạo bản in báo cáo; trang sẽ tự cập nhật khi xong.")
    if request.htmx:
        return render(request, "reports/_run_progress.html", {"run": run})
    return redirect("reports:report_detail", pk=report.pk)


def run_progress(request, pk):
    run = scoping.get_scoped_object(
        ReportRun.objects.select_related("report__unit"), request.user, scoping.VIEW, unit_field="report__unit", pk=pk
    )
    return render(request, "reports/_run_progress.html", {"run": run})


def run_file(request, pk, kind):
    run = scoping.get_scoped_object(
        ReportRun.objects.select_related("report__unit"), request.user, scoping.VIEW, unit_field="report__unit", pk=pk
    )
    field = services.report_run_file(run, kind)
    if not field:
        raise Http404
    report = run.report
    name = f"bao-cao-{report.unit.code}-{report.year}-{report.period}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=kind != "pdf", filename=name)


@require_POST
def report_finalise(request, pk):
    report = _report_for(request, pk)
    try:
        services.report_finalise(report=report, actor=request.user, expected_version=_version(request))
        messages.success(request, "Đã chốt báo cáo và cấp số văn bản.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reports:report_detail", pk=report.pk)


@require_POST
def report_submit(request, pk):
    report = _report_for(request, pk)
    form = ScanForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Hãy chọn tệp bản chụp báo cáo đã ký, đóng dấu.")
        return redirect("reports:report_detail", pk=report.pk)
    try:
        services.report_submit(
            report=report, scan=form.cleaned_data["scan"], actor=request.user, expected_version=_version(request)
        )
        messages.success(request, "Đã gửi báo cáo lên cấp trên; số liệu năm đã được khóa sổ.")
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reports:report_detail", pk=report.pk)


def report_scan(request, pk):
    report = _report_for(request, pk, scoping.VIEW)
    if not report.scan:
        raise Http404
    return FileResponse(report.scan.open("rb"), filename=report.scan.name.rsplit("/", 1)[-1])


def report_event_scan(request, pk):
    """The scan one round sent (a report returned and sent again keeps each round's scan)."""
    event = scoping.get_scoped_object(
        ReportEvent.objects.select_related("report__unit"), request.user, unit_field="report__unit", pk=pk
    )
    if not event.scan:
        raise Http404
    return FileResponse(event.scan.open("rb"), filename=event.scan.name.rsplit("/", 1)[-1])
