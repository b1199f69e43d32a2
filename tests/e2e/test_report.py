"""Issue 8 §7: an officer of a commune asks for the year report in a real browser, watches its progress,
downloads the PDF, and the PDF states the figures the screens showed her (the dashboard's member count and fund,
the "Số liệu đã dùng" table of the report page)."""

import datetime
import subprocess

import pytest
from django.urls import reverse

from reports.models import Report, ReportRun
from reports.tasks import render_report_run
from tests.reports.seeds import Sheet, fmt, load, person_name

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py
YEAR = 2025
MEMBERS, JOINED = 1_234, 87
RECEIPTS = [3_500_000, 2_000_000, 12_000_000, 5_600_000, 7_500_000, 15_000_000]  # 45.600.000 đồng


def _commune_data(tree, folder):
    """The commune's 2025 data, through the import formats: its population, 1.234 members in its two
    chapters (87 of them joined in 2025) and six receipts of its fund."""
    from funds.services.books import fund_create

    baseline = Sheet("baseline", "so-lieu-nen", ["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình"])
    baseline.rows.append([tree.commune.code, YEAR, 5_480, 1_370])
    members = Sheet(
        "members",
        "hoi-vien",
        ["Mã chi hội", "Họ và tên", "Giới tính", "Năm sinh", "Ngày vào hội", "Số thẻ hội viên"],
        fmt="csv",
    )
    for index in range(MEMBERS):
        joined = datetime.date(YEAR, 3, 1) if index < JOINED else datetime.date(2012 + index % 12, 1 + index % 12, 15)
        members.rows.append(
            [
                (tree.chapter if index % 3 else tree.other_chapter).code,
                person_name(index, index % 2 == 0),
                "Nữ" if index % 2 == 0 else "Nam",
                1950 + index % 40,
                fmt(joined),
                f"BD-{index + 1:05d}",
            ]
        )
    vouchers = Sheet("transactions", "so-quy", ["Mã đơn vị", "Số phiếu", "Ngày", "Số tiền", "Người nộp, người nhận"])
    for number, amount in enumerate(RECEIPTS, start=1):
        vouchers.rows.append(
            [tree.commune.code, f"PT-{YEAR}-{number:04d}", f"{number * 2:02d}/04/{YEAR}", amount, "Nhà hảo tâm"]
        )
    load(folder, [baseline, members])
    fund_create(unit=tree.commune, opening_year=YEAR, opening_amount=0)  # «Quỹ → Mở quỹ mới»
    load(folder, [vouchers])


def _pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def test_officer_renders_the_year_report_and_the_pdf_holds_the_figures_on_screen(
    page, tree, officer, tmp_path, monkeypatch
):
    _commune_data(tree, tmp_path)
    queued = []
    # No worker yet: the run waits in the queue.
    monkeypatch.setattr("reports.services._enqueue", lambda run_id, **options: queued.append(run_id))
    login(page, "canbo", PASSWORD)

    # What the dashboard shows her for 2025.
    page.goto(reverse("reports:unit_dashboard", args=[tree.commune.pk]) + f"?year={YEAR}")
    members_on_screen = page.inner_text(".stat[data-figure='members.end'] .value").strip()
    raised_on_screen = page.inner_text(".stat[data-figure='funds.raised'] .value").strip()
    assert (members_on_screen, raised_on_screen) == ("1.234", "45.600.000")

    # The unit's reports page: she opens the 2025 year report.
    page.goto(reverse("reports:report_list", args=[tree.commune.pk]))
    page.fill("#id_year", str(YEAR))
    page.select_option("#id_period", Report.Period.YEAR)
    with page.expect_navigation():
        page.click("main form button:has-text('Mở báo cáo')")
    report = Report.objects.get(unit=tree.commune, year=YEAR, period=Report.Period.YEAR)
    assert page.url.endswith(reverse("reports:report_detail", args=[report.pk]))

    # She asks for the print. In tests Celery runs eagerly, and the live server thread would render inline when
    # the request commits (the page would come back done); here the message waits in the queue instead, as it
    # does until a worker of the pdf queue takes it, so that she sees the progress and the page follow it.
    with page.expect_navigation():
        page.click("button:has-text('Tạo bản in báo cáo')")
    run = ReportRun.objects.get(report=report)
    assert queued == [run.pk] and run.requested_by == officer
    progress = page.locator(f"#run-{run.pk}")
    assert progress.get_attribute("data-status") == ReportRun.Status.QUEUED
    assert "Đang chờ" in progress.inner_text() and progress.get_attribute("hx-get")
    assert not page.locator("button:has-text('Tạo bản in báo cáo')").count()  # no second render at once

    render_report_run(run.pk)  # the worker takes the job (the task body, run here in the test's thread)
    # The progress partial polls every second ("trang sẽ tự cập nhật khi xong"): without a reload, it turns into
    # the download links (bounded wait).
    page.wait_for_selector(f"#run-{run.pk}[data-status='done']", timeout=30_000)
    assert "Hoàn thành" in page.inner_text(f"#run-{run.pk}")
    page.reload()  # the figures table of the latest run is part of the full page

    # The "Số liệu đã dùng" table shows the same member count as the dashboard.
    page.click("summary:has-text('Số liệu đã dùng')")
    row = page.locator("details tr", has=page.locator("td", has_text="Hội viên (cuối kỳ)")).first
    used_members = row.locator("td.num").first.inner_text().strip()
    assert used_members == members_on_screen

    # The view serves the PDF inline (it opens in the browser's viewer); Alt+click is how a person saves a link.
    with page.expect_download() as info:
        page.click(f"#run-{run.pk} a:has-text('Tải PDF')", modifiers=["Alt"])
    download = info.value
    path = tmp_path / "bao-cao.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = _pdf_text(path)
    assert f"Tổng số hội viên là {members_on_screen} người" in text
    assert "đạt tỷ lệ 22,5% dân số" in text  # 1.234 of 5.480 people
    assert f"kết nạp mới {JOINED} hội viên" in text
    assert f"huy động được {raised_on_screen} đồng" in text
    assert "HỘI KHUYẾN HỌC PHƯỜNG BẠCH ĐẰNG" in text and "năm 2025" in text

    # The Word file is made on its first download (the render wrote only the PDF) and says the same.
    from docx import Document

    with page.expect_download() as info:
        page.click(f"#run-{run.pk} a:has-text('Tải bản Word')")
    word = tmp_path / "bao-cao.docx"
    info.value.save_as(word)
    paragraphs = " ".join(" ".join(p.text.split()) for p in Document(str(word)).paragraphs)
    assert f"Tổng số hội viên là {members_on_screen} người" in paragraphs
