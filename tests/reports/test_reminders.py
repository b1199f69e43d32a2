"""Issue 16: reminders (deadline approaching, overdue, transfers), the periodic jobs on Celery beat in both run
modes, deadlines as data, "late" everywhere, and the bell."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from chapters.models import Role, SummaryGeneration
from core.models import ImportJob
from khuyenhoc.celery import app
from reports import approval
from reports.models import Deadline, Notification, Report
from reports.reminders import deadline_reminders, transfer_reminders
from reports.warming import rollups_warm
from tests.factories import RoleFactory, UserFactory

from .conftest import YEAR, sent

ROOT = Path(settings.BASE_DIR)
D = datetime.date


def _kinds(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", "key"))


def _year_report_notes(unit, year=2026) -> list[str]:
    return sorted(Notification.objects.filter(key__contains=f":{unit.pk}:{year}:Y:").values_list("key", flat=True))


def test_deadline_reminders_7_and_2_days_before_then_weekly_once_overdue(tree, officer, commune_secretary, viewer):
    # The commune's 2026 year report is due 15/12/2026 (the seeded calendar); its 2025 one was sent.
    sent(tree.commune, officer)
    deadline_reminders(D(2026, 12, 7))  # 8 days before: nothing yet for the year report
    assert _year_report_notes(tree.commune) == []
    deadline_reminders(D(2026, 12, 8))  # 7 days: the commune's officer and secretary
    assert len(_year_report_notes(tree.commune)) == 2
    assert deadline_reminders(D(2026, 12, 8)) == 0  # a second run the same day sends nothing twice
    for day, total in ((13, 4), (15, 4), (16, 6), (18, 6), (21, 8)):
        # 2 days before; the day itself nothing new; overdue in week 51, again in the same week nothing; week 52
        deadline_reminders(D(2026, 12, day))
        assert len(_year_report_notes(tree.commune)) == total, day
    keys = [key for _kind, key in _kinds(officer) if ":2026:Y:" in key]
    assert [k.split(":")[0] for k in keys] == ["deadline", "deadline", "overdue", "overdue"]
    assert not Notification.objects.filter(key__contains=f":{tree.commune.pk}:2025:").exists()  # 2025 was sent
    # The interim report of June 2026 was never sent: it is overdue too, once a week.
    h1 = Notification.objects.filter(user=officer, key__contains=f":{tree.commune.pk}:2026:H1:")
    assert h1.count() == 3 and {n.kind for n in h1} == {"overdue"}
    assert not Notification.objects.filter(user=viewer).exists()
    note = Notification.objects.get(user=officer, key__endswith=":2026:Y:7")
    assert note.title == "Còn 7 ngày đến hạn gửi báo cáo tổng kết năm 2026 (15/12/2026)"


def test_a_unit_opened_after_a_period_is_not_reminded_of_it(tree):
    from tests.factories import CommuneFactory

    opened = CommuneFactory(parent=tree.province, name="Xã Mới Lập", code="10077", active_from=D(2026, 7, 1))
    secretary = UserFactory(username="thuky_moi")
    RoleFactory(user=secretary, unit=opened, kind=Role.Kind.SECRETARY)
    deadline_reminders(D(2026, 12, 8))
    keys = sorted(Notification.objects.filter(user=secretary).values_list("key", flat=True))
    assert keys == [f"deadline:{opened.pk}:2026:Y:7"]  # the year report, not the first half it did not live


def test_a_deadline_edited_by_the_administrator_moves_the_reminders(tree, officer):
    Deadline.objects.filter(level="commune", period="Y").update(day=10, month=1, next_year=True)
    deadline_reminders(D(2026, 12, 8))
    assert _year_report_notes(tree.commune) == []
    deadline_reminders(D(2027, 1, 3))  # 7 days before 10/01/2027, for the 2026 report
    assert _year_report_notes(tree.commune) == [f"deadline:{tree.commune.pk}:2026:Y:7"]


def test_a_transfer_awaiting_confirmation_is_announced_once_to_the_receiving_side(tree, secretary, commune_secretary):
    from funds import services

    chapter_fund = services.fund_create(unit=tree.chapter, opening_year=2026, opening_amount=5_000_000)
    services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2026, 6, 1), actor=secretary
    )
    assert transfer_reminders() == 1 and transfer_reminders() == 0
    note = Notification.objects.get(kind=Notification.Kind.TRANSFER)
    assert note.user == commune_secretary and "1.000.000 đồng" in note.title


# Beat in both run modes -----------------------------------------------------------------------------------------


def test_beat_schedules_the_reminders_and_the_periodic_jobs():
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"] for entry in schedule.values()}
    assert tasks == {
        "reports.tasks.send_reminders",
        "reports.tasks.retry_notification_emails",
        "reports.tasks.sweep_stale_runs",
        "core.tasks.sweep_stuck_imports",
        "reports.tasks.warm_rollups",
        "api.tasks.sweep_idempotency_keys",
        "chapters.tasks.drain_commune_totals",
    }
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)  # every scheduled name is a real task
    # Periodic jobs go to the default queue, which a worker consumes in both run modes; only renders go to pdf.
    assert settings.CELERY_TASK_ROUTES == {"reports.tasks.render_report_run": {"queue": "pdf"}}


def test_beat_runs_in_the_embedded_default_and_in_docker_compose():
    run = (ROOT / "scripts" / "run.sh").read_text()
    started = [line for line in run.splitlines() if not line.lstrip().startswith("#") and " beat" in line]
    assert len(started) == 1 and re.search(r"celery .*-A khuyenhoc beat", started[0])
    assert started[0].rstrip().endswith("&")  # in the background, with the worker and the web server
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]  # one beat, never one per worker
    assert services["beat"]["command"][:4] == ["celery", "-A", "khuyenhoc", "beat"]
    assert (
        services["beat"]["environment"]["CELERY_BROKER_URL"] == services["worker"]["environment"]["CELERY_BROKER_URL"]
    )


def test_stuck_imports_are_failed_by_the_sweep(tree, secretary):
    from core.imports.jobs import jobs_sweep_stuck

    old = ImportJob.objects.create(kind="members", file_name="a.xlsx", status=ImportJob.Status.VALIDATING)
    recent = ImportJob.objects.create(kind="members", file_name="b.xlsx", status=ImportJob.Status.COMMITTING)
    waiting = ImportJob.objects.create(kind="members", file_name="c.xlsx", status=ImportJob.Status.VALID)
    ImportJob.objects.filter(pk__in=[old.pk, waiting.pk]).update(
        created_at=timezone.now() - datetime.timedelta(hours=7)
    )
    assert jobs_sweep_stuck() == 1
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "failed", recent.pk: "committing", waiting.pk: "valid"}
    assert "không có gì được lưu" in ImportJob.objects.get(pk=old.pk).message


def test_the_rollup_cache_is_warmed_once_per_summary_generation(tree):
    warmed = rollups_warm()
    assert warmed == 3  # the province and its two communes
    assert rollups_warm() == 0  # the same generation: nothing to do
    SummaryGeneration.objects.filter(pk=1).update(token=uuid.uuid4())  # what a full rebuild does
    assert rollups_warm() == 3


# Deadlines as data, "late" everywhere -------------------------------------------------------------------------


def test_the_default_deadlines_are_seeded_by_migration(db):
    from importlib import import_module

    from reports.deadlines import DEFAULTS, deadlines_seed

    migration = import_module("reports.migrations.0002_approval_deadlines_notifications")
    assert migration.DEFAULT_DEADLINES == DEFAULTS  # the migration keeps its own copy, equal to the service's
    assert deadlines_seed() == 0  # already there; an administrator's edits would be kept
    rows = {(d.level, d.period): (d.day, d.month) for d in Deadline.objects.all()}
    assert rows[("grassroots", "Y")] == (30, 11)
    assert rows[("commune", "Y")] == (15, 12)
    assert rows[("province", "Y")] == (31, 12)
    assert ("commune", "H1") in rows and ("commune", "term") in rows


def test_deadlines_page_read_by_all_edited_by_the_top_administrator(client_for, tree, officer, administrator):
    url = reverse("reports:deadline_list")
    page = client_for(officer).get(url)
    assert page.status_code == 200 and "15" in page.content.decode()
    rows = list(Deadline.objects.order_by("pk"))
    data = {"form-TOTAL_FORMS": len(rows) + 1, "form-INITIAL_FORMS": len(rows)}
    for index, row in enumerate(rows):
        data.update(
            {
                f"form-{index}-id": row.pk,
                f"form-{index}-level": row.level,
                f"form-{index}-period": row.period,
                f"form-{index}-day": row.day,
                f"form-{index}-month": row.month,
            }
        )
    commune = next(i for i, row in enumerate(rows) if (row.level, row.period) == ("commune", "Y"))
    assert client_for(officer).post(url, data).status_code == 403
    bad = {**data, f"form-{commune}-day": 31, f"form-{commune}-month": 2}
    response = client_for(administrator).post(url, bad)
    assert response.status_code == 400 and "Ngày 31/2 không có thật" in response.content.decode()
    assert Deadline.objects.get(level="commune", period="Y").day == 15
    response = client_for(administrator).post(url, {**data, f"form-{commune}-day": 5})
    assert response.status_code == 302
    assert Deadline.objects.get(level="commune", period="Y").day == 5


def test_a_report_sent_after_its_deadline_is_late_everywhere(client_for, tree, officer, province_officer):
    # 2025's report sent now (December 2026): long after 15/12/2025.
    report = sent(tree.commune, officer)
    rows = {r["unit"]: r for r in approval.children_status(unit=tree.province, year=YEAR)}
    assert rows[tree.commune]["late"] and rows[tree.commune]["sent"]
    client = client_for(province_officer)
    completeness = client.get(reverse("reports:unit_completeness", args=[tree.province.pk]), {"year": YEAR})
    assert {r["unit"]: r["late"] for r in completeness.context["rows"]}[tree.commune] is True
    dashboard = client.get(reverse("reports:unit_dashboard", args=[tree.province.pk]), {"year": YEAR})
    assert dashboard.context["reports_below"] == {"total": 2, "sent": 1, "late": 2, "waiting": 1}
    home = client.get(reverse("home"))
    assert "1 báo cáo chờ chấp nhận, 2 đơn vị chậm gửi" in home.content.decode()
    listing = client_for(officer).get(reverse("reports:report_list", args=[tree.commune.pk]))
    assert next(r for r in listing.context["reports"] if r.pk == report.pk).late

    # The same, sent before a deadline moved to the end of 2026: on time; a waived unit is never late.
    Deadline.objects.filter(level="commune", period="Y").update(day=31, month=12, next_year=True)
    approval.report_waive(unit=tree.other_commune, year=YEAR, period="Y", actor=province_officer, reason="Mới lập")
    rows = {r["unit"]: r for r in approval.children_status(unit=tree.province, year=YEAR)}
    assert not rows[tree.commune]["late"] and not rows[tree.other_commune]["late"]


# The bell -------------------------------------------------------------------------------------------------------


def test_the_bell_counts_unread_and_the_list_opens_and_marks_read(client_for, tree, officer, outsider):
    from reports.notifications import notify

    first = notify(user=officer, kind="returned", key="k1", title="Báo cáo bị trả lại", url="/bao-cao/1/")
    notify(user=officer, kind="deadline", key="k2", title="Còn 7 ngày")
    assert notify(user=officer, kind="deadline", key="k2", title="Còn 7 ngày") is None  # idempotent by key
    client = client_for(officer)
    home = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">2<' in home
    page = client.get(reverse("reports:notification_list"))
    assert page.status_code == 200 and "Báo cáo bị trả lại" in page.content.decode()
    response = client.get(reverse("reports:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response.url == "/bao-cao/1/"
    assert 'id="unread-count">1<' in client.get(reverse("home")).content.decode()
    # Someone else's notification does not exist for her.
    assert client_for(outsider).get(reverse("reports:notification_open", args=[first.pk])).status_code == 404
    client.post(reverse("reports:notification_read_all"))
    assert "unread-count" not in client.get(reverse("home")).content.decode()
    assert client.get("/dang-xuat/").status_code in (302, 405)


def test_anonymous_is_sent_to_login_from_the_new_pages(client, tree):
    for url in (
        reverse("reports:notification_list"),
        reverse("reports:deadline_list"),
        reverse("reports:children", args=[tree.province.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response.url


@pytest.fixture
def commune_admin(tree):
    user = UserFactory(username="qt_phuong")
    RoleFactory(user=user, unit=tree.commune, kind=Role.Kind.ADMINISTRATOR)
    return user


def test_a_commune_administrator_does_not_edit_the_deadlines(client_for, commune_admin):
    response = client_for(commune_admin).post(reverse("reports:deadline_list"), {})
    assert response.status_code == 403
    assert Report.objects.count() == 0
