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
