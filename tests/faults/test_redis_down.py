"""Issue 15, item 7 and the fault suite: Redis stopped (as cache, as broker) is slower, never broken; nothing
is left half-started."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chapters.tasks import drain_commune_totals
from core import queueing
from core.imports import jobs
from core.models import ImportJob
from members.models import Member
from reports.models import ReportRun
from reports.services import report_get_or_create


def test_home_dashboard_its_export_and_health_work_with_the_cache_down(cache_down, client_for, officer, tree):
    client = client_for(officer)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("reports:unit_dashboard", args=[tree.commune.pk])).status_code == 200
    assert client.get(reverse("reports:unit_dashboard_xlsx", args=[tree.commune.pk])).status_code == 200
    health = client.get(reverse("health"))
    assert health.status_code == 200
    assert health.json()["database"] == "ok" and health.json()["cache"] == "error"
    assert health.json()["status"] == "degraded"


def test_health_reports_each_dependency(client, db):
    body = client.get(reverse("health")).json()
    assert {"status", "database", "cache", "broker", "worker"} <= set(body)
    assert body["database"] == body["cache"] == "ok"


def test_a_task_sent_while_the_broker_is_down_fails_without_waiting_for_it(broker_down, monkeypatch):
    """Every save queues the commune totals' drain after its commit: with Redis stopped the request must learn so at
    once and carry on, not sleep through kombu's default reconnection delays (2 s, then 4 s, … per send)."""
    waited: list[float] = []
    monkeypatch.setattr("kombu.utils.functional.sleep", waited.append)
    with pytest.raises(queueing.QUEUE_ERRORS):
        drain_commune_totals.apply_async(countdown=5)
    assert sum(waited) <= 1


def _csv(tmp_path, tree, name="ds.csv"):
    path = tmp_path / name
    path.write_text(
        f"Họ và tên,Giới tính,Năm sinh,Mã chi hội,Ngày vào hội\nNguyễn Văn An,Nam,1950,{tree.chapter.code},01/02/2020\n"
        f"Trần Thị Bình,Nữ,1955,{tree.chapter.code},01/02/2020\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.django_db(transaction=True)
def test_an_import_commit_that_cannot_be_queued_says_so_and_leaves_the_job_as_it_was(
    broker_down, settings, tmp_path, tree, secretary, client_for
):
    path = _csv(tmp_path, tree)
    job, read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=secretary)
    job = jobs.job_validate(job, read)
    assert job.status == ImportJob.Status.VALID
    settings.IMPORT_SYNC_MAX_ROWS = 1  # a "big" file: committed by the worker
    response = client_for(secretary).post(reverse("imports:job_commit", args=[job.pk]), follow=True)
    assert response.status_code == 200
    assert "hàng đợi" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID and Member.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_report_render_that_cannot_be_queued_says_so_and_leaves_no_queued_run(broker_down, client_for, officer, tree):
    report = report_get_or_create(unit=tree.commune, year=2025)
    response = client_for(officer).post(reverse("reports:report_run_create", args=[report.pk]), follow=True)
    assert response.status_code == 200 and "hàng đợi" in response.content.decode()
    assert not report.runs.filter(status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]).exists()


def test_the_periodic_sweep_ends_stuck_jobs_and_runs(
    tmp_path, tree, secretary, broker_down, django_capture_on_commit_callbacks
):
    from core.tasks import sweep_stuck_imports
    from reports.tasks import sweep_stale_runs

    path = _csv(tmp_path, tree)
    job, _read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=secretary)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, heartbeat_at=long_ago)
    report = report_get_or_create(unit=tree.commune, year=2025)
    run = ReportRun.objects.create(report=report)
    ReportRun.objects.filter(pk=run.pk).update(requested_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_stuck_imports()
        sweep_stale_runs()
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "không có gì được lưu" in job.message
    assert run.status == ReportRun.Status.FAILED and "hàng đợi" in run.error
    assert Member.objects.count() == 0


def test_redis_stopped_mid_import_commits_whole_and_figures_are_right_when_it_returns(
    settings, tmp_path, tree, secretary, officer, client_for
):
    """The cache dies between the preview and the commit: the commit is whole, and once Redis is back the
    dashboard shows the new members (no cached total from before the outage survives it)."""
    client = client_for(officer)
    url = reverse("reports:unit_dashboard", args=[tree.commune.pk])

    def members_on_dashboard():
        return sum(row["values"].get("members.end", 0) for row in client.get(url).context["children"])

    assert members_on_dashboard() == 0  # cached now
    path = _csv(tmp_path, tree)
    job, read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=secretary)
    job = jobs.job_validate(job, read)
    up = settings.CACHES
    settings.CACHES = {"default": {**up["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    assert jobs.job_commit(job, user=secretary).status == ImportJob.Status.DONE
    assert Member.objects.count() == 2
    settings.CACHES = up
    assert members_on_dashboard() == 2


def test_a_signed_in_page_reads_its_session_from_the_cache_and_from_the_database_when_the_cache_is_down(
    client_for, officer, tree, settings
):
    """Sessions are read from Redis and kept in the database too (issue 19: one query less on every page): a user
    signed in before Redis stopped stays signed in, and is still signed in when it is back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    client = client_for(officer)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]

    running = settings.CACHES
    settings.CACHES = {"default": {**running["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200 and response.context["user"] == officer
    assert [q for q in queries.captured_queries if "django_session" in q["sql"]]

    settings.CACHES = running  # Redis is back
    response = client.get(reverse("home"))
    assert response.status_code == 200 and response.context["user"] == officer
