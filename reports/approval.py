"""Approval between levels (design.md §15): the level above accepts, returns, waives and re-opens its units'
reports. Every step goes through the state machine (reports/workflow.py) on a locked row, is kept as a
`ReportEvent`, and has its consequences here: the closed year (chapters/services/periods.py, the one lock) and
the notifications.

Two officers acting on the same report at once: the row lock makes the second wait, then see the first's
decision and get a message naming it; nothing of the second is written.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import FilteredRelation, Q
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Role as UnitRole
from chapters.models import Unit
from chapters.services.periods import closure_for, period_close, period_reopen
from chapters.services.records import record_save
from core.text import person_name
from reports import workflow
from reports.deadlines import Calendar, late
from reports.models import Notification, Report, ReportEvent, ReportRun
from reports.notifications import notify_unit
from reports.workflow import Action, Refused, Role

RECENT = datetime.timedelta(minutes=10)


def report_roles(user, report: Report) -> frozenset:
    """What `user` is to this report in the workflow. Roles add up; a superuser is the administrator above."""
    if user is None or not user.is_authenticated:
        return frozenset()
    unit, parent = report.unit, report.unit.parent
    roles = set()
    if user.is_superuser:
        roles |= {Role.ADMINISTRATOR, Role.AUTHOR}
    above = parent is not None and scoping.can(user, scoping.APPROVE, parent)
    if above:
        roles.add(Role.REVIEWER)
    if parent is not None and scoping.can(user, scoping.MANAGE, parent):
        roles.add(Role.ADMINISTRATOR)
    # An officer of the level above sees the unit's report as its reviewer, not as its author; an officer of the
    # unit itself is its author.
    own = UnitRole.objects.filter(user=user, unit=unit, kind=UnitRole.Kind.OFFICER).exists()
    if own or (scoping.can(user, scoping.APPROVE, unit) and not above):
        roles.add(Role.AUTHOR)
    if not roles and scoping.can(user, scoping.VIEW, unit):
        roles.add(Role.READER)
    return frozenset(roles)


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _changed(report: Report) -> Refused:
    last = report.events.order_by("-at", "-pk").first()
    if last is None:
        return Refused("Báo cáo vừa được người khác thay đổi; hãy xem lại rồi thao tác lại.")
    return Refused(
        f"Báo cáo vừa được {last.actor_name or 'người khác'} {Action(last.action).label} lúc {_when(last.at)} "
        f"(nay «{report.get_status_display()}»); thao tác của bạn chưa được thực hiện."
    )


def step_apply(
    *, report: Report, action: str, actor, reason: str = "", expected_version: int | None = None
) -> tuple[Report, workflow.Step]:
    """Lock the report, check the step against the machine, and record it. Call inside a transaction; the caller
    does the step's own work and saves the report."""
    locked = Report.objects.select_for_update(of=("self",)).select_related("unit__parent").get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise _changed(locked)
    roles = report_roles(actor, locked)
    try:
        step = workflow.transition(locked.status, action, roles, reason)
    except Refused:
        # Refused only because someone else just moved it (the step was allowed from the state before theirs):
        # say who and what, rather than "not allowed".
        last = locked.events.order_by("-at", "-pk").first()
        if (
            last is not None
            and last.actor_id != getattr(actor, "pk", None)
            and last.at >= timezone.now() - RECENT
            and action in workflow.allowed_actions(last.from_status, roles)
        ):
            raise _changed(locked) from None
        raise
    locked.status = step.target
    ReportEvent.objects.create(
        report=locked,
        action=step.action,
        from_status=step.source,
        to_status=step.target,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=person_name(actor) if actor is not None else "",
        reason=reason.strip(),
        run=locked.runs.filter(status=ReportRun.Status.DONE).order_by("-finished_at", "-pk").first(),
    )
    return locked, step


def _decide(report: Report, actor, reason: str) -> None:
    report.decided_at, report.decided_by, report.decision_reason = timezone.now(), actor, reason.strip()


def _report_url(report: Report) -> str:
    return reverse("reports:report_detail", args=[report.pk])


def _reopen_year(report: Report, actor, reason: str) -> None:
    if report.period != Report.Period.YEAR:
        return
    closure = closure_for(report.unit, report.year)
    if closure is not None and closure.unit_id == report.unit_id:
        period_reopen(unit=report.unit, year=report.year, actor=actor, reason=reason[:255])


def _close_year(report: Report, actor, reason: str) -> None:
    if report.period == Report.Period.YEAR and closure_for(report.unit, report.year) is None:
        period_close(unit=report.unit, year=report.year, actor=actor, by_rule=True, reason=reason[:255])


@transaction.atomic
def report_accept(*, report: Report, actor, expected_version: int | None = None) -> Report:
    """The level above accepts: the unit's year stays closed, and only the level above can re-open it."""
    report, _step = step_apply(report=report, action=Action.ACCEPT, actor=actor, expected_version=expected_version)
    _decide(report, actor, "")
    record_save(report, actor=actor, reason="Cấp trên chấp nhận báo cáo")
    _close_year(report, actor, f"Cấp trên chấp nhận báo cáo {report.period_label}")
    notify_unit(
        report.unit,
        kind=Notification.Kind.DECIDED,
        key=f"accepted:{report.pk}:{report.events.count()}",
        title=f"Báo cáo {report.period_label} của {report.unit.display_name} đã được cấp trên chấp nhận",
        body=f"{person_name(actor)} đã chấp nhận báo cáo {report.period_label} lúc {_when(report.decided_at)}.",
        url=_report_url(report),
    )
    return report


@transaction.atomic
def report_return(*, report: Report, actor, reason: str, expected_version: int | None = None) -> Report:
    """Send back with what to correct: the unit's year opens again so that it can correct its data."""
    report, _step = step_apply(
        report=report, action=Action.RETURN, actor=actor, reason=reason, expected_version=expected_version
    )
    _decide(report, actor, reason)
    record_save(report, actor=actor, reason=f"Cấp trên trả lại báo cáo: {reason.strip()}")
    _reopen_year(report, actor, f"Cấp trên trả lại báo cáo để sửa: {reason.strip()}")
    _notify_returned(report, actor, reason)
    return report


def _notify_returned(report: Report, actor, reason: str) -> None:
    notify_unit(
        report.unit,
        kind=Notification.Kind.RETURNED,
        key=f"returned:{report.pk}:{report.events.count()}",
        title=f"Báo cáo {report.period_label} của {report.unit.display_name} bị trả lại",
        body=(
            f"{person_name(actor)} đã trả lại báo cáo {report.period_label} lúc {_when(report.decided_at)}.\n"
            f"Lý do: {reason.strip()}\n\nHãy sửa số liệu, nội dung, tạo lại bản in, chốt và gửi lại báo cáo."
        ),
        url=_report_url(report),
    )


@transaction.atomic
def report_reopen(*, report: Report, actor, reason: str, expected_version: int | None = None) -> Report:
    """An accepted (or waived) report goes back to the unit, with a reason; its year opens again."""
    report, _step = step_apply(
        report=report, action=Action.REOPEN, actor=actor, reason=reason, expected_version=expected_version
    )
    _decide(report, actor, reason)
    record_save(report, actor=actor, reason=f"Cấp trên mở lại báo cáo: {reason.strip()}")
    _reopen_year(report, actor, f"Cấp trên mở lại báo cáo: {reason.strip()}")
    _notify_returned(report, actor, reason)
    return report


@transaction.atomic
def report_waive(*, unit: Unit, year: int, period: str, actor, reason: str) -> Report:
    """The level above excuses a unit from this period's report (it may have none yet)."""
    from reports.services import report_get_or_create

    report = report_get_or_create(unit=unit, year=year, period=period, actor=actor)
    report, _step = step_apply(report=report, action=Action.WAIVE, actor=actor, reason=reason)
    _decide(report, actor, reason)
    record_save(report, actor=actor, reason=f"Cấp trên miễn báo cáo: {reason.strip()}")
    notify_unit(
        report.unit,
        kind=Notification.Kind.DECIDED,
        key=f"waived:{report.pk}:{report.events.count()}",
        title=f"{report.unit.display_name} được miễn báo cáo {report.period_label}",
        body=f"{person_name(actor)} đã miễn báo cáo {report.period_label}. Lý do: {reason.strip()}",
        url=_report_url(report),
    )
    return report


# The level above's page ---------------------------------------------------------------------------------------


def _reporting_children(unit: Unit, year: int, period: str):
    end = datetime.date(year, 6, 30) if period == Report.Period.H1 else datetime.date(year, 12, 31)
    return unit.children.open_on(end).filter(kind=Unit.Kind.ASSOCIATION)


def reporting_children(unit: Unit, year: int, period: str) -> list[Unit]:
    """The associations directly below `unit` that owe it this period's report."""
    return list(_reporting_children(unit, year, period).ordered())


def _state(status: str | None, first_submitted_at, deadline: datetime.date, today: datetime.date) -> dict:
    """A child's report as the level above sees it: its state, late, settled, with the level above."""
    return {
        "status": status,
        "late": late(status, first_submitted_at, deadline, today),
        "settled": status in workflow.SETTLED,
        "sent": status in (Report.Status.SUBMITTED, Report.Status.ACCEPTED),
    }


def children_status(
    *, unit: Unit, year: int, period: str = Report.Period.YEAR, today: datetime.date | None = None
) -> list[dict]:
    """Per child: its report (or none), state, deadline, late, the last reason from above."""
    today = today or timezone.localdate()
    children = reporting_children(unit, year, period)
    if not children:  # a commune's chapters owe it no report: no deadlines or reports to read
        return []
    reports = {
        r.unit_id: r
        for r in Report.objects.filter(unit__in=children, year=year, period=period).select_related("decided_by")
    }
    calendar = Calendar()
    rows = []
    for child in children:
        report = reports.get(child.pk)
        deadline = calendar.for_unit(child, year, period)
        status, first = (report.status, report.first_submitted_at) if report else (None, None)
        state = _state(status, first, deadline, today)
        rows.append({"unit": child, "report": report, "deadline": deadline, **state})
    return rows


def children_report_counts(
    *, unit: Unit, year: int, period: str = Report.Period.YEAR, today: datetime.date | None = None
) -> dict[str, int]:
    """What a dashboard and the home page say of `children_status`: how many children owe a report, how many sent
    it (or are settled), are late and not settled, wait for a decision. Read as bare values: a province's page
    built its 166 communes and their reports as model instances for these four numbers."""
    counts = {"total": 0, "sent": 0, "late": 0, "waiting": 0}
    if unit.kind != Unit.Kind.ASSOCIATION:  # a chapter, a board: nothing below owes it a report
        return counts
    today = today or timezone.localdate()
    # The children and their reports in one query: each child has at most one report of the period.
    report = FilteredRelation("reports", condition=Q(reports__year=year, reports__period=period))
    children = list(
        _reporting_children(unit, year, period)
        .annotate(report=report)
        .values_list("level", "report__status", "report__first_submitted_at")
    )
    if not children:
        return counts
    calendar = Calendar()
    for level, status, first_submitted_at in children:
        state = _state(status, first_submitted_at, calendar.deadline(level, year, period), today)
        counts["total"] += 1
        counts["sent"] += state["sent"] or state["settled"]
        counts["late"] += state["late"] and not state["settled"]
        counts["waiting"] += status == Report.Status.SUBMITTED
    return counts


def children_unsettled(unit: Unit, year: int, period: str) -> list[Unit]:
    return [row["unit"] for row in children_status(unit=unit, year=year, period=period) if not row["settled"]]


# The one lock: an accepted year is re-opened through the workflow, never behind its back. -----------------------


def guard_accepted_year(*, unit: Unit, year: int, actor) -> None:
    """Registered with chapters.services.periods: the periods page cannot re-open a year whose report the level
    above accepted (the report would say "accepted" of data that changed); «Mở lại» on the report does it."""
    if actor is None:  # an operator's command line
        return
    accepted = Report.objects.filter(
        unit=unit, year=year, period=Report.Period.YEAR, status=Report.Status.ACCEPTED
    ).exists()
    if accepted:
        raise ValidationError(
            f"Báo cáo năm {year} của {unit.display_name} đã được cấp trên chấp nhận: chỉ cấp trên mở lại được, "
            "bằng nút «Mở lại» trên trang báo cáo, kèm lý do."
        )
