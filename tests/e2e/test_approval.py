"""Issue 16, the full round in a browser: the commune submits → the province returns it with a reason → the
commune corrects, renders again and resubmits → the province accepts → the commune's year is locked."""

import pytest
from django.urls import reverse

from chapters.models import ClosedPeriod, Role
from chapters.services.periods import closure_for
from reports.models import Report, ReportRun
from reports.services import report_get_or_create
from tests.factories import RoleFactory, UserFactory

from .conftest import _page, login

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py
YEAR = 2025
PDF = {"name": "ban-ky.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ban ky, dong dau"}


def _confirming(page):
    page.on("dialog", lambda dialog: dialog.accept())  # «Chốt báo cáo…?», «Chấp nhận…?»
    return page


def _submit(page, report):
    page.goto(reverse("reports:report_detail", args=[report.pk]))
    with page.expect_navigation():
        page.click("button:has-text('Chốt báo cáo')")
    assert "Đã chốt báo cáo" in page.inner_text(".messages")
    page.set_input_files("#id_scan", files=[PDF])
    with page.expect_navigation():
        page.click("button:has-text('Gửi báo cáo')")
    assert page.get_attribute("#report-status", "data-status") == Report.Status.SUBMITTED


def test_commune_submits_province_returns_commune_resubmits_province_accepts(browser, live_server, page, tree, officer):
    province_officer = UserFactory(username="canbo_tinh", first_name="Mai", last_name="Đỗ Thị")
    RoleFactory(user=province_officer, unit=tree.province, kind=Role.Kind.OFFICER)
    report = report_get_or_create(unit=tree.commune, year=YEAR, actor=officer)
    ReportRun.objects.create(report=report, status=ReportRun.Status.DONE, requested_by=officer)  # rendered before

    # The commune's officer finalises and sends the signed scan.
    commune = _confirming(page)
    login(commune, "canbo", PASSWORD)
    _submit(commune, report)
    assert closure_for(tree.commune, YEAR) is not None

    # The province's officer, on her page of the communes, returns it with what to correct.
    context, province = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    _confirming(province)
    try:
        login(province, "canbo_tinh", PASSWORD)
        children = reverse("reports:children", args=[tree.province.pk]) + f"?year={YEAR}"
        province.goto(children)
        row = province.locator(f"tr[data-unit='{tree.commune.code}']")
        assert row.get_attribute("data-status") == Report.Status.SUBMITTED
        assert province.locator(f"tr[data-unit='{tree.other_commune.code}']").get_attribute("data-late") == "1"
        row.locator("summary:has-text('Trả lại')").click()
        row.locator("textarea[name=reason]").fill("Thiếu số liệu quỹ tháng 12; sửa rồi gửi lại.")
        with province.expect_navigation():
            row.locator("button[value=return]").click()
        assert "Đã trả lại báo cáo" in province.inner_text(".messages")
        row = province.locator(f"tr[data-unit='{tree.commune.code}']")
        assert row.get_attribute("data-status") == Report.Status.RETURNED
        assert "Thiếu số liệu quỹ tháng 12" in row.inner_text()
        assert closure_for(tree.commune, YEAR) is None  # the commune may correct its data again

        # The commune sees why (the bell counts it), corrects its text, renders again and resubmits.
        commune.goto(reverse("home"))
        assert commune.inner_text("#unread-count").strip() == "1"
        commune.goto(reverse("reports:report_detail", args=[report.pk]))
        assert "Thiếu số liệu quỹ tháng 12" in commune.inner_text("#return-reason")
        commune.fill("#id_assessment", "Đã bổ sung sổ quỹ tháng 12.")
        with commune.expect_navigation():
            commune.click("button:has-text('Lưu nội dung')")
        with commune.expect_navigation():
            commune.click("button:has-text('Tạo bản in báo cáo')")
        # Rendered for real (eager in tests): the first print, the numbered print made at «Chốt», and this one.
        assert report.runs.filter(status=ReportRun.Status.DONE).count() == 3
        _submit(commune, report)

        # The province accepts: the commune's year is locked.
        province.goto(children)
        row = province.locator(f"tr[data-unit='{tree.commune.code}']")
        assert row.get_attribute("data-status") == Report.Status.SUBMITTED
        with province.expect_navigation():
            row.locator("button[value=accept]").click()
        row = province.locator(f"tr[data-unit='{tree.commune.code}']")
        assert row.get_attribute("data-status") == Report.Status.ACCEPTED
    finally:
        context.close()

    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert [e.action for e in report.events.all()] == ["finalise", "submit", "return", "finalise", "submit", "accept"]
    assert ClosedPeriod.objects.in_force().filter(unit=tree.commune, year=YEAR).exists()
    # The commune's page says so, offers nothing to change, and its periods page shows the year locked.
    commune.goto(reverse("reports:report_detail", args=[report.pk]))
    assert commune.get_attribute("#report-status", "data-status") == Report.Status.ACCEPTED
    assert not commune.locator("#id_assessment").count() and not commune.locator("#decide").count()
    commune.goto(reverse("chapters:period_list", args=[tree.commune.pk]))
    assert str(YEAR) in commune.inner_text("main")
