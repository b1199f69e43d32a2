"""When reports are due at the level above, and which are late (design.md §15). Deadlines are data
(`reports.Deadline`, per level and period, edited by an administrator); every page that says "late" asks here."""

import datetime

from django.utils import timezone

from chapters.models import Unit
from reports.models import Deadline, Report

# Used only for a level and period the table has no row for (the table is seeded by migration).
FALLBACK = {Report.Period.H1: (30, 6), Report.Period.YEAR: (15, 12), Report.Period.TERM: (15, 12)}
# A report in these states is with the level above or done (a returned one waits for the unit again).
SENT = frozenset({Report.Status.SUBMITTED, Report.Status.ACCEPTED, Report.Status.WAIVED})


class Calendar:
    """The deadline table read once (a few rows), for pages that ask about many units."""

    def __init__(self):
        self.rows = {(row.level, row.period): row for row in Deadline.objects.all()}

    def deadline(self, level: str, year: int, period: str) -> datetime.date:
        row = self.rows.get((level, period))
        if row is not None:
            return row.on(year)
        day, month = FALLBACK.get(period, FALLBACK[Report.Period.YEAR])
        return datetime.date(year, month, day)

    def for_unit(self, unit: Unit, year: int, period: str) -> datetime.date:
        return self.deadline(unit.level, year, period)


def deadline_for(unit: Unit, year: int, period: str, calendar: Calendar | None = None) -> datetime.date:
    return (calendar or Calendar()).for_unit(unit, year, period)


def is_late(report: Report | None, deadline: datetime.date, today: datetime.date | None = None) -> bool:
    """Late: first sent after the deadline, or not sent and the deadline has passed. A waived unit is never late."""
    today = today or timezone.localdate()
    if report is not None and report.status == Report.Status.WAIVED:
        return False
    if report is not None and report.first_submitted_at:
        return timezone.localdate(report.first_submitted_at) > deadline
    return today > deadline
