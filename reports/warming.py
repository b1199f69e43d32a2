"""Filling the roll-up cache of the top units once per summary generation (a full rebuild names a new one,
design.md §3 and docs/decisions.md "Cached roll-ups"): the dashboards' first page view after a rebuild or a
restore is then as fast as any other."""

from django.core.cache import cache
from django.utils import timezone

from chapters.models import SummaryGeneration, Unit
from reports.queries import period_figures

WARMED_FOR = 24 * 3600


def rollups_warm(*, force: bool = False) -> int:
    """Warm this year's and last year's figures of the open units at the top and one level below them.
    Returns the number of units warmed (0 when this generation is warm already)."""
    token = SummaryGeneration.objects.filter(pk=1).values_list("token", flat=True).first()
    marker = f"kh:rollup-warmed:{token}"
    if not force and token is not None and cache.get(marker):
        return 0
    year = timezone.localdate().year
    tops = list(Unit.objects.open_today().filter(parent__isnull=True))
    units = tops + list(Unit.objects.open_today().filter(parent__in=tops, kind=Unit.Kind.ASSOCIATION))
    for unit in units:
        for each in (year, year - 1):
            period_figures(unit, year=each)
    if token is not None:
        cache.set(marker, True, WARMED_FOR)
    return len(units)
