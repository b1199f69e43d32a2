"""Reports: asking for a render, rendering it (in a Celery task on the pdf queue), numbering, finalising and
sending up the tree (design.md §6)."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from chapters.models import Unit
from chapters.services.periods import closure_for, period_close
from chapters.services.records import record_save
from core.queueing import QUEUE_DOWN, QueueUnavailable, send
from reports import documents, workflow
from reports.approval import children_unsettled, step_apply
from reports.models import DocumentCounter, Report, ReportRun
from reports.queries import is_future

log = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(minutes=getattr(settings, "REPORT_STALE_MINUTES", 5))
MAX_ATTEMPTS = 3
SCAN_MAX_BYTES = 20 * 1024 * 1024
SCAN_SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def report_get_or_create(*, unit: Unit, year: int, period: str = Report.Period.YEAR, actor=None) -> Report:
    if period not in Report.Period.values:
        raise ValidationError("Kỳ báo cáo không hợp lệ.")
    if is_future(year, period):
        raise ValidationError(f"Chưa thể lập báo cáo cho năm {year}: kỳ báo cáo chưa bắt đầu.")
    report = Report.objects.filter(unit=unit, year=year, period=period).first()
    if report:
        return report
    previous = Report.objects.filter(unit=unit, period=period, year__lt=year).order_by("-year").first()
    report = Report(unit=unit, year=year, period=period)
    if period == Report.Period.TERM:
        term = unit.terms.filter(end_year=year).first()
        report.term_start = term.start_year if term else year - 4
    if previous:
        # Last period's text is offered as a start (issue: "last period's text offered as a start").
        report.coordination, report.assessment = previous.coordination, previous.assessment
        report.tasks, report.recommendations = previous.tasks, previous.recommendations
        report.recipients, report.place = previous.recipients, previous.place
    try:
        with transaction.atomic():
            return record_save(report, actor=actor, reason="Tạo báo cáo")
    except IntegrityError:
        return Report.objects.get(unit=unit, year=year, period=period)


def report_update_text(*, report: Report, actor, expected_version: int | None, **texts) -> Report:
    if report.status not in workflow.EDITABLE:
        raise ValidationError(f"Báo cáo đang ở trạng thái «{report.get_status_display()}»: không thể sửa nội dung.")
    for name, value in texts.items():
        setattr(report, name, value)
    return record_save(report, actor=actor, expected_version=expected_version, reason="Sửa nội dung báo cáo")


def report_request_run(*, report: Report, actor=None, tree: str = ReportRun.Tree.PAST) -> ReportRun:
    """Queue a render; asking again while one is queued or running returns that one (never two at once)."""
    runs_sweep_stale()
    active = report.runs.filter(tree=tree, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]).first()
    if active:
        return active
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(report=report, tree=tree, requested_by=actor)
            # Raises QueueUnavailable after the commit when the broker is down; the run is failed at once.
            transaction.on_commit(lambda: _enqueue(run.pk, strict=True))
    except IntegrityError:
        return report.runs.get(tree=tree, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING])
    return run


def _enqueue(run_id: int, *, strict: bool = False) -> None:
    """Send the render task; when the broker refuses, the run is failed at once (never left "queued" for a
    page to notice) and, if `strict`, QueueUnavailable tells the request."""
    from reports.tasks import render_report_run

    def fail():
        ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).update(
            status=ReportRun.Status.FAILED, finished_at=timezone.now(), error=QUEUE_DOWN
        )

    try:
        send(render_report_run, run_id, on_failure=fail)
    except QueueUnavailable:
        if strict:
            raise


def _progress(run: ReportRun, percent: int, step: str) -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=percent, step=step, heartbeat_at=timezone.now())


def report_run_render(*, run_id: int) -> ReportRun | None:
    """Render one run: figures from summaries → HTML → PDF, and keep what the .docx and .xlsx print (they are made
    on their first download: report_run_file). Idempotent for a finished run."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().select_related("report__unit").filter(pk=run_id).first()
        if run is None or run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
            return run
        run.status = ReportRun.Status.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.attempts = F("attempts") + 1
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    run.refresh_from_db()
    report = run.report
    try:
        _progress(run, 10, "Tính số liệu từ bảng tổng hợp")
        content = documents.build_content(report, tree=run.tree)
        figures_json = content["figures"].as_json()
        document = documents.document_data(content)
        _progress(run, 40, "Dàn trang PDF")
        pdf, pages = documents.render_pdf(content)
    except OperationalError:
        raise  # a database hiccup: the task retries, the run stays running with its heartbeat
    except Exception as error:  # the job row must never stay "running"
        log.exception("report run %s failed", run_id)
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRun.Status.FAILED, error=f"Không tạo được báo cáo: {error}"[:2000], finished_at=timezone.now()
        )
        raise
    run.pdf.save(f"{_file_stem(run)}.pdf", ContentFile(pdf), save=False)
    run.figures, run.document, run.pages = figures_json, document, pages
    run.status, run.progress, run.step = ReportRun.Status.DONE, 100, "Hoàn thành"
    run.finished_at = timezone.now()
    run.save()
    return run


def _file_stem(run: ReportRun) -> str:
    report = run.report
    return f"bao-cao-{report.unit.code}-{report.year}-{report.period}-{run.tree}-{run.pk}"


FILE_KINDS = {"docx": documents.render_docx, "xlsx": documents.render_xlsx}


def report_run_file(run: ReportRun, kind: str):
    """The file of a finished run ("pdf", "docx" or "xlsx"), or None. The .docx and the .xlsx are made on their
    first download from what the render kept (run.document): the same text and figures as the PDF, whatever was
    edited since. Two people asking at once make it once (the run's row is locked while it is made)."""
    if kind == "pdf":
        return run.pdf or None
    if kind not in FILE_KINDS:
        return None
    if getattr(run, kind):
        return getattr(run, kind)
    with transaction.atomic():
        locked = (
            ReportRun.objects.select_for_update()
            .select_related("report__unit")
            .filter(pk=run.pk, status=ReportRun.Status.DONE)
            .first()
        )
        if locked is None or (not getattr(locked, kind) and not locked.document):
            return None
        field = getattr(locked, kind)
        if not field:
            field.save(f"{_file_stem(locked)}.{kind}", ContentFile(FILE_KINDS[kind](locked.document)), save=False)
            locked.save(update_fields=[kind])
    setattr(run, kind, field.name)
    return getattr(run, kind)


def runs_sweep_stale(now: datetime.datetime | None = None) -> int:
    """Runs whose worker died (no heartbeat for STALE_AFTER) are queued again, or failed after MAX_ATTEMPTS:
    no job stays "running" for ever. Called when a report page is opened and by the periodic sweep."""
    now = now or timezone.now()
    stale = ReportRun.objects.filter(status=ReportRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    count = 0
    for run in stale:
        count += 1
        if run.attempts >= MAX_ATTEMPTS:
            ReportRun.objects.filter(pk=run.pk).update(
                status=ReportRun.Status.FAILED,
                finished_at=now,
                error="Máy tạo báo cáo bị gián đoạn nhiều lần; hãy thử tạo lại.",
            )
        else:
            ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.RUNNING).update(
                status=ReportRun.Status.QUEUED, step="Đang thử lại sau khi bị gián đoạn"
            )
            transaction.on_commit(lambda pk=run.pk: _enqueue(pk))
    # Queued runs whose message was lost (a broker restart) are sent again.
    lost = ReportRun.objects.filter(
        status=ReportRun.Status.QUEUED, requested_at__lt=now - STALE_AFTER * 2, heartbeat_at__isnull=True
    )
    for run in lost:
        ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
        transaction.on_commit(lambda pk=run.pk: _enqueue(pk))
        count += 1
    return count


@transaction.atomic
def report_finalise(*, report: Report, actor, expected_version: int | None = None) -> Report:
    """Mark final and give it the next number of the unit's register for the year (a corrected report that was
    returned keeps its number)."""
    if not report.runs.filter(status=ReportRun.Status.DONE).exists():
        raise ValidationError("Hãy tạo bản PDF và kiểm tra trước khi chốt báo cáo.")
    report, _step = step_apply(
        report=report, action=workflow.Action.FINALISE, actor=actor, expected_version=expected_version
    )
    if report.number is None:
        issued_on = report.issued_on or timezone.localdate()
        counter, _ = DocumentCounter.objects.select_for_update().get_or_create(unit=report.unit, year=issued_on.year)
        counter.last += 1
        counter.save()
        report.number, report.issued_on = counter.last, issued_on
    report.finalised_at, report.finalised_by = timezone.now(), actor
    record_save(report, actor=actor, reason=f"Chốt báo cáo, số {report.number_label}")
    # The print offered for signing must carry its number and date: render again, on the tree last printed.
    tree = report.runs.filter(status=ReportRun.Status.DONE).order_by("-pk").values_list("tree", flat=True).first()
    report_request_run(report=report, actor=actor, tree=tree or ReportRun.Tree.PAST)
    return report


def scan_kind(uploaded) -> str:
    if uploaded.size > SCAN_MAX_BYTES:
        raise ValidationError("Tệp quá lớn: bản chụp không được vượt quá 20 MB.")
    head = uploaded.read(16)
    uploaded.seek(0)
    for signature, kind in SCAN_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise ValidationError("Bản chụp phải là tệp PDF hoặc ảnh (JPG, PNG).")


@transaction.atomic
def report_submit(*, report: Report, scan, actor, expected_version: int | None = None) -> Report:
    """Upload the signed, stamped scan: the report goes to the level above and the year closes for the unit
    (the level above re-opens it if it returns the report). A unit with units below submits only once each of
    them is accepted or waived."""
    report, _step = step_apply(
        report=report, action=workflow.Action.SUBMIT, actor=actor, expected_version=expected_version
    )
    kind = scan_kind(scan)
    unsettled = children_unsettled(report.unit, report.year, report.period)
    if unsettled:
        names = ", ".join(unit.display_name for unit in unsettled[:5]) + (", ..." if len(unsettled) > 5 else "")
        raise ValidationError(
            f"Chưa gửi được: còn {len(unsettled)} đơn vị trực thuộc chưa được cấp trên chấp nhận hoặc miễn báo cáo "
            f"({names})."
        )
    name = f"ban-ky-{report.unit.code}-{report.year}-{report.period}.{kind}"
    report.scan.save(name, scan, save=False)
    event = report.events.order_by("-at", "-pk").first()
    event.scan.name = report.scan.name  # each round keeps the scan it sent
    event.save(update_fields=["scan"])
    report.submitted_at, report.submitted_by = timezone.now(), actor
    report.first_submitted_at = report.first_submitted_at or report.submitted_at
    record_save(report, actor=actor, reason="Gửi báo cáo lên cấp trên")
    if report.period == Report.Period.YEAR and closure_for(report.unit, report.year) is None:
        period_close(
            unit=report.unit,
            year=report.year,
            actor=actor,
            by_rule=True,
            reason=f"Gửi báo cáo tổng kết năm {report.year}",
        )
    return report
