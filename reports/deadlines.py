"""When reports are due at the level above, and which are late (design.md §15). Deadlines are data
(`reports.Deadline`, per level and period, edited by an administrator); every page that says "late" asks here."""

import datetime

from django.utils import timezone

from chapters.models import Unit
from reports.models import Deadline, Report

# The default calendar (issue 16), created by migration 0002 and by `deadlines_seed` (seed_demo, tests): chapters
# by 30/11, communes by 15/12, districts (before the 2025 reform) by 20/12, provinces by 31/12; interim reports in
# June; term reports with the year report of the term's last year. {period: {level: (day, month)}}
DEFAULTS = {
    "Y": {"grassroots": (30, 11), "commune": (15, 12), "district": (20, 12), "province": (31, 12)},
    "H1": {"grassroots": (10, 6), "commune": (15, 6), "district": (20, 6), "province": (30, 6)},
    "term": {"grassroots": (30, 11), "commune": (15, 12), "district": (20, 12), "province": (31, 12)},
}
# Used only for a level and period the table has no row for.
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


def deadlines_seed() -> int:
    """Create the default deadlines that are missing (an administrator's edits are kept). Returns how many."""
    created = 0
    for period, levels in DEFAULTS.items():
        for level, (day, month) in levels.items():
            created += Deadline.objects.get_or_create(
                level=level, period=period, defaults={"day": day, "month": month}
            )[1]
    return created


def deadline_for(unit: Unit, year: int, period: str, calendar: Calendar | None = None) -> datetime.date:
    return (calendar or Calendar()).for_unit(unit, year, period)


def is_late(report: Report | None, deadline: datetime.date, today: datetime.date | None = None) -> bool:
    """Late: first sent after the deadline, or not sent and the deadline has passed. A waived unit is never late."""
    if report is None:
        return late(None, None, deadline, today)
    return late(report.status, report.first_submitted_at, deadline, today)


def late(
    status: str | None,
    first_submitted_at: datetime.datetime | None,
    deadline: datetime.date,
    today: datetime.date | None = None,
) -> bool:
    """`is_late` from a report's two columns (None, None: no report), for pages that read them as bare values."""
    if status == Report.Status.WAIVED:
        return False
    if first_submitted_at:
        return timezone.localdate(first_submitted_at) > deadline
    return (today or timezone.localdate()) > deadline
