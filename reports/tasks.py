"""Celery tasks of reports: thin shells around services (style.md). The render runs on the pdf queue
(CELERY_TASK_ROUTES); the periodic ones are scheduled by Celery beat (CELERY_BEAT_SCHEDULE in settings.py)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, default_retry_delay=30)
def render_report_run(run_id: int) -> None:
    """Render a report run (on the pdf queue: see CELERY_TASK_ROUTES)."""
    from reports.services import report_run_render

    report_run_render(run_id=run_id)


@shared_task
def sweep_stale_runs() -> int:
    """Runs whose worker died are queued again or failed (also done when a report page opens)."""
    from reports.services import runs_sweep_stale

    return runs_sweep_stale()


@shared_task(acks_late=True)
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail; a mail server that is down leaves it pending for the retry."""
    from reports.notifications import notification_email_send

    return notification_email_send(notification_id=notification_id)


@shared_task
def retry_notification_emails() -> int:
    from reports.notifications import notifications_retry

    return notifications_retry()


@shared_task
def send_reminders() -> dict:
    """Deadlines approaching and passed, the daily digest of units that sent, transfers to confirm."""
    from reports.reminders import reminders_send

    return reminders_send()


@shared_task
def warm_rollups() -> int:
    """After a full rebuild of the summaries (a new generation), fill the roll-up cache of the top units so the
    first officer to open a dashboard does not wait for it."""
    from reports.warming import rollups_warm

    return rollups_warm()
