"""Celery tasks of the chapters app: thin wrappers that call a service (style.md)."""

from celery import shared_task
from django.core.cache import cache


@shared_task
def drain_commune_totals() -> int:
    """Sum again the stored totals of the communes written to since the last drain (chapters.summaries); queued a
    few seconds after a write, and by Celery beat every minute should a queued one be lost."""
    from chapters.summaries import DRAIN_SCHEDULED, commune_totals_drain

    cache.delete(DRAIN_SCHEDULED)  # a write committed from now on queues the next drain
    return commune_totals_drain()
