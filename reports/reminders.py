"""Reminders that reach people who do not log in every day (design.md §15), run daily by Celery beat.

- deadline approaching: 7 and 2 days before, to the officers and secretaries of each unit whose report is not sent;
- overdue: once a week until it is sent;
- units below submitted: a daily digest to the officers of the level above, listing only units in their scope;
- fund transfers awaiting confirmation: to the receiving unit's people.

Every notification has a key, so running a job twice in a day (a beat restart, a retry) sends nothing twice.
"""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Role, Unit
from reports.deadlines import SENT, Calendar
from reports.models import Notification, Report, ReportEvent
from reports.notifications import notify, notify_unit
from reports.queries import period_end

APPROACHING_DAYS = (7, 2)
OVERDUE_FOR = datetime.timedelta(days=366)  # a year-old deadline is the level above's business, not a reminder
REMINDED_PERIODS = (Report.Period.YEAR, Report.Period.H1)


def _list_url(unit: Unit) -> str:
    return reverse("reports:report_list", args=[unit.pk])


def deadline_reminders(today: datetime.date) -> int:
    """Approaching (7 and 2 days before) and overdue (weekly) reminders for the reports not yet sent."""
    calendar = Calendar()
    units = list(Unit.objects.open_on(today).filter(kind=Unit.Kind.ASSOCIATION, parent__isnull=False))
    due: list[tuple[Unit, int, str, datetime.date]] = []
    for unit in units:
        for period in REMINDED_PERIODS:
            for year in (today.year - 1, today.year):
                if unit.active_from and unit.active_from > period_end(year, period):
                    continue  # the unit did not exist yet (a commune opened by the 2025 reform owes no H1 2025)
                deadline = calendar.for_unit(unit, year, period)
                if deadline - datetime.timedelta(days=max(APPROACHING_DAYS)) <= today <= deadline + OVERDUE_FOR:
                    due.append((unit, year, period, deadline))
    if not due:
        return 0
    sent = set(
        Report.objects.filter(unit__in={u for u, *_rest in due}, status__in=SENT).values_list(
            "unit_id", "year", "period"
        )
    )
    count = 0
    for unit, year, period, deadline in due:
        if (unit.pk, year, period) in sent:
            continue
        days = (deadline - today).days
        label = f"{Report.Period(period).label.lower()} {year}"
        if days in APPROACHING_DAYS:
            count += notify_unit(
                unit,
                kind=Notification.Kind.DEADLINE,
                key=f"deadline:{unit.pk}:{year}:{period}:{days}",
                title=f"Còn {days} ngày đến hạn gửi báo cáo {label} ({deadline:%d/%m/%Y})",
                body=f"Báo cáo {label} của {unit.display_name} cần gửi cấp trên trước ngày {deadline:%d/%m/%Y}.",
                url=_list_url(unit),
            )
        elif days < 0:
            week = today.isocalendar()
            count += notify_unit(
                unit,
                kind=Notification.Kind.OVERDUE,
                key=f"overdue:{unit.pk}:{year}:{period}:{week.year}-{week.week}",
                title=f"Báo cáo {label} đã quá hạn {-days} ngày",
                body=(
                    f"Báo cáo {label} của {unit.display_name} phải gửi cấp trên trước ngày {deadline:%d/%m/%Y} "
                    "nhưng chưa gửi."
                ),
                url=_list_url(unit),
            )
    return count


def submitted_digest(now: datetime.datetime) -> int:
    """One e-mail a day to each officer of a level above: the units below that sent a report in the last day.
    A unit is listed only if the officer may approve at its parent and see the unit (scoping)."""
    since = now - datetime.timedelta(days=1)
    events = list(
        ReportEvent.objects.filter(action=ReportEvent.Action.SUBMIT, at__gte=since, at__lt=now)
        .select_related("report__unit__parent")
        .order_by("at")
    )
    if not events:
        return 0
    officers = get_user_model().objects.filter(unit_roles__kind=Role.Kind.OFFICER, is_active=True).distinct()
    count = 0
    day = timezone.localdate(now)
    for user in officers:
        lines, parents = [], defaultdict(list)
        for event in events:
            unit = event.report.unit
            if unit.parent is None or not scoping.can(user, scoping.APPROVE, unit.parent):
                continue
            if not scoping.can(user, scoping.VIEW, unit):
                continue
            parents[unit.parent].append(event)
            lines.append(
                f"- {unit.display_name}: {event.report.get_period_display().lower()} {event.report.period_label} "
                f"(gửi lúc {timezone.localtime(event.at):%H:%M %d/%m/%Y})"
            )
        if not lines:
            continue
        parent = next(iter(parents))
        count += (
            notify(
                user=user,
                kind=Notification.Kind.SUBMITTED,
                key=f"digest:{day:%Y-%m-%d}",
                title=f"{len(lines)} báo cáo của đơn vị trực thuộc chờ xử lý",
                body="Các đơn vị trực thuộc đã gửi báo cáo trong ngày qua:\n" + "\n".join(lines),
                url=reverse("reports:children", args=[parent.pk]),
            )
            is not None
        )
    return count


def transfer_reminders() -> int:
    """Fund transfers waiting for the receiving side: once per transfer and person."""
    from funds.models import Transfer

    count = 0
    pending = Transfer.objects.pending().select_related("to_unit", "from_fund__unit")
    for transfer in pending:
        amount = f"{transfer.amount:,}".replace(",", ".")
        count += notify_unit(
            transfer.to_unit,
            kind=Notification.Kind.TRANSFER,
            key=f"transfer:{transfer.pk}",
            title=f"Khoản chuyển {amount} đồng từ {transfer.from_fund.unit.display_name} chờ xác nhận",
            body=(
                f"{transfer.from_fund.unit.display_name} đã chuyển {amount} đồng ngày {transfer.date:%d/%m/%Y} "
                f"({transfer.reason or 'không ghi nội dung'}). Hãy xác nhận đã nhận hoặc từ chối."
            ),
            url=reverse("funds:transfer_detail", args=[transfer.pk]),
        )
    return count


def reminders_send(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "deadline": deadline_reminders(timezone.localdate(now)),
        "digest": submitted_digest(now),
        "transfer": transfer_reminders(),
    }
