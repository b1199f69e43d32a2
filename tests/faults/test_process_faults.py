"""The fault suite, processes and database: a worker killed in the middle of an import's commit or of a report's
render, and the database connection dropped in the middle of a commit. Each ends with nothing partial saved and
a clear state (after the periodic sweep where the worker is gone)."""

import datetime
import os
import signal

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from core.imports import jobs
from core.models import ImportJob
from core.tasks import import_commit
from members.imports import member_kind
from members.models import Member, Membership
from reports import services as report_services
from reports.models import ReportRun
from reports.services import report_get_or_create


def _csv(tmp_path, tree):
    path = tmp_path / "ds.csv"
    rows = "".join(f"Người Thứ {i},Nam,1950,{tree.chapter.code},01/02/2020\n" for i in range(30))
    path.write_text("Họ và tên,Giới tính,Năm sinh,Mã chi hội,Ngày vào hội\n" + rows, encoding="utf-8")
    return path


def _valid_job(tmp_path, tree, user):
    path = _csv(tmp_path, tree)
    job, read = jobs.job_create(kind="members", path=path, file_name=path.name, unit=tree.chapter, user=user)
    job = jobs.job_validate(job, read)
    assert job.status == ImportJob.Status.VALID
    return job


def _in_a_killed_worker(work) -> None:
    """Run `work` in a forked process with its own database connection; it is killed (SIGKILL) by the hook
    `work` installs, as the kernel's OOM killer or an operator's kill -9 would."""
    pid = os.fork()
    if pid == 0:
        try:
            for alias in connections:
                connections[alias].connection = None  # the parent's socket is not ours: open our own
            work()
        finally:
            os._exit(1)
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _kill_self(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def _later():
    return timezone.now() + datetime.timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_commit_saves_nothing_and_the_job_ends_failed(tmp_path, tree, secretary):
    job = _valid_job(tmp_path, tree, secretary)

    def work():
        write = member_kind.write

        def write_then_die(ctx, created, updated):
            write(ctx, created, updated)  # the rows are written inside the transaction...
            _kill_self()  # ...and the worker dies before it commits

        member_kind.write = write_then_die
        import_commit(job.pk, secretary.pk)

    _in_a_killed_worker(work)
    assert Member.objects.count() == 0 and Membership.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTING  # the worker is gone: nobody will finish it...
    assert jobs.jobs_sweep_stale(now=_later()) == 1  # ...so the periodic sweep does
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "không có gì được lưu" in job.message
    # A new upload of the same file is accepted and commits whole.
    again = _valid_job(tmp_path, tree, secretary)
    assert jobs.job_commit(again, user=secretary).status == ImportJob.Status.DONE
    assert Member.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_report_render_leaves_a_run_that_the_sweep_renders_again(tree, officer):
    report = report_get_or_create(unit=tree.commune, year=2025)
    run = ReportRun.objects.create(report=report)

    def work():
        report_services.documents.render_pdf = _kill_self
        report_services.report_run_render(run_id=run.pk)

    _in_a_killed_worker(work)
    run.refresh_from_db()
    assert run.status == ReportRun.Status.RUNNING and not run.pdf and run.attempts == 1
    report_services.runs_sweep_stale(now=_later())  # queued again; the (inline) worker renders it whole
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE and run.pdf and run.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_connection_dropped_mid_commit_saves_nothing_and_the_job_ends_failed(tmp_path, tree, secretary):
    job = _valid_job(tmp_path, tree, secretary)
    write = member_kind.write
    settings = connection.settings_dict
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={settings['NAME']} "
    dsn += f"user={settings['USER']}" + (f" password={settings['PASSWORD']}" if settings["PASSWORD"] else "")

    def write_then_drop(ctx, created, updated):
        write(ctx, created, updated)
        backend = connection.connection.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as admin:  # the server ends our session, as a failover would
            admin.execute("SELECT pg_terminate_backend(%s)", [backend])

    member_kind.write = write_then_drop
    try:
        import_commit(job.pk, secretary.pk)  # the task: its error handler runs on a fresh connection
    finally:
        member_kind.write = write
    connection.close()
    assert Member.objects.count() == 0 and Membership.objects.count() == 0
    job.refresh_from_db()
    if job.status == ImportJob.Status.COMMITTING:  # the failure could not be recorded: the sweep ends it
        jobs.jobs_sweep_stale(now=_later())
        job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
