"""Celery tasks of the chapters app: thin wrappers that load a job and call its service (style.md)."""

from celery import shared_task

from core.models import ImportJob


@shared_task(acks_late=True)
def import_validate(job_id: int) -> None:
    """Validate a big import in the background; the job page shows the progress."""
    from core.imports.jobs import job_fail, job_validate

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.PENDING, ImportJob.Status.VALIDATING):
        return
    try:
        job_validate(job)
    except Exception as error:  # noqa: BLE001 - the job must not stay "running" for ever
        job_fail(job_id, error)


@shared_task(acks_late=True)
def import_commit(job_id: int, user_id: int | None = None) -> None:
    """Write a validated import in the background, all or nothing; a retry of a finished job does nothing."""
    from django.contrib.auth import get_user_model

    from core.imports.jobs import job_commit, job_fail

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.VALID, ImportJob.Status.COMMITTING):
        return
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        job_commit(job, user=user)
    except Exception as error:  # noqa: BLE001
        job_fail(job_id, error)


@shared_task
def sweep_stuck_imports() -> dict[str, int]:
    """Imports whose worker died (or whose task never reached the queue) are failed with a readable message,
    never left "running"; uploaded files past IMPORT_FILE_RETENTION_DAYS are deleted (Celery beat)."""
    from core.imports.jobs import import_files_sweep_expired, jobs_sweep_stuck

    return {"imports": jobs_sweep_stuck(), "files": import_files_sweep_expired()}
