from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30)
def render_report_run(run_id: int) -> None:
    """Render a report run (on the pdf queue: see CELERY_TASK_ROUTES)."""
    from reports.services import report_run_render

    report_run_render(run_id=run_id)


@shared_task
def sweep_stale_runs() -> int:
    from reports.services import runs_sweep_stale

    return runs_sweep_stale()


@shared_task
def sweep_stale_work() -> dict[str, int]:
    """The periodic sweep (CELERY_BEAT_SCHEDULE): import jobs and report runs that lost their worker or never
    reached the queue end in a clear state; import files past their retention are deleted."""
    from core.imports.jobs import import_files_sweep_expired, jobs_sweep_stale
    from reports.services import runs_sweep_stale

    return {"imports": jobs_sweep_stale(), "runs": runs_sweep_stale(), "files": import_files_sweep_expired()}
