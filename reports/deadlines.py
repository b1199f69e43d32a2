import datetime

from reports.models import Report


def deadline_for(year: int, period: str) -> datetime.date:
    """When reports are due at the level above: the year report by 15 December (domain.md §7) and the
    interim report by the end of June."""
    if period == Report.Period.H1:
        return datetime.date(year, 6, 30)
    return datetime.date(year, 12, 15)
