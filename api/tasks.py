"""Celery tasks of the API: a big bulk push, validated and committed in the background; the sweep of old
Idempotency-Key replies (Celery beat)."""

from celery import shared_task

from core.models import ImportJob


@shared_task(acks_late=True)
def bulk_import(job_id: int, user_id: int) -> None:
    from django.contrib.auth import get_user_model

    from core.imports.jobs import job_fail

    from .bulk import bulk_run

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.PENDING, ImportJob.Status.VALIDATING):
        return
    user = get_user_model().objects.filter(pk=user_id).first()
    try:
        bulk_run(job, user)
    except Exception as error:  # noqa: BLE001 - the job must not stay "running" for ever
        job_fail(job_id, error)


@shared_task
def sweep_idempotency_keys() -> int:
    """Replies kept for Idempotency-Key past API_IDEMPOTENCY_RETENTION_HOURS are deleted (Celery beat, hourly)."""
    from .services import idempotency_sweep_expired

    return idempotency_sweep_expired()
