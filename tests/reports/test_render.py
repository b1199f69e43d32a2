import datetime
import subprocess

import pytest

from chapters.models import BaselineFigure, LeadershipPosition
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports import documents
from reports.models import Report, ReportRun
from reports.services import report_get_or_create, report_request_run
from tests.pdf import assert_shipped_fonts


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def report(tree):
    record_save(BaselineFigure(unit=tree.commune, year=2025, population=12000, households=3000, party_members=400))
    summaries_refresh(unit_ids=[tree.commune.pk], years=[2025], providers=["baseline"])
    LeadershipPosition.objects.create(
        unit=tree.commune,
        full_name="Đào Văn Sơn",
        position=LeadershipPosition.Position.CHAIR,
        since=datetime.date(2021, 6, 1),
    )
    return report_get_or_create(unit=tree.commune, year=2025)


def test_pdf_has_decree_30_header_and_signature(report, tmp_path):
    content = documents.build_content(report)
    pdf, pages = documents.render_pdf(content)
    text = pdf_text(pdf, tmp_path)
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    flat = " ".join(text.split())
    assert "HỘI KHUYẾN HỌC" in flat and "PHƯỜNG BẠCH ĐẰNG" in flat
    assert "Số: …/BC-HKH" in text
    assert "Đào Văn Sơn" in text and "CHỦ TỊCH" in text
    assert "2 chi hội khuyến học" in flat
    assert "ngày 15 tháng 01 năm 2026" in flat


def test_pdf_embeds_the_shipped_fonts(report, tmp_path):
    pdf, _pages = documents.render_pdf(documents.build_content(report))
    assert_shipped_fonts(pdf)


def test_narrative_html_is_printed_as_text(report, tmp_path):
    report.assessment = '<script>alert(1)</script><img src="http://example.com/x.png"> Hội đã làm tốt'
    content = documents.build_content(report)
    pdf, _ = documents.render_pdf(content)
    text = pdf_text(pdf, tmp_path)
    assert "<script>alert(1)</script>" in text


def test_long_narrative_paginates(report, tmp_path):
    report.tasks = "\n".join(
        f"Nhiệm vụ thứ {i}: đẩy mạnh phong trào học tập suốt đời trong gia đình, dòng họ." * 3 for i in range(200)
    )
    _pdf, pages = documents.render_pdf(documents.build_content(report))
    assert pages > 5


def test_request_twice_queues_one_run(report, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=False):
        first = report_request_run(report=report)
        second = report_request_run(report=report)
    assert first.pk == second.pk
    assert ReportRun.objects.filter(report=report).count() == 1


def test_eager_run_makes_the_pdf_and_the_word_and_excel_files_on_first_download(
    report, django_capture_on_commit_callbacks
):
    """The render on the pdf worker writes only the PDF (issue 19: the year-end rush); the .docx and the .xlsx are
    made when first asked, from what the render printed, even if the report's text changed since."""
    import io

    from docx import Document
    from openpyxl import load_workbook

    from reports.services import report_run_file

    report.assessment = "Phong trào có nhiều chuyển biến."
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = report_request_run(report=report)
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE, run.error
    assert run.pdf.read(4) == b"%PDF"
    assert run.figures["current"]["baseline.population"] == 12000
    assert not run.docx and not run.xlsx, "the render makes only the PDF"

    report.assessment = "Nội dung sửa sau khi in."
    report.save()
    docx = report_run_file(run, "docx")
    text = " ".join(p.text for p in Document(io.BytesIO(docx.read())).paragraphs)
    assert "Phong trào có nhiều chuyển biến." in text and "sửa sau khi in" not in text
    xlsx = report_run_file(run, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.read()), read_only=True).active
    assert "Hội Khuyến học" in str(next(sheet.iter_rows(values_only=True))[0])
    run.refresh_from_db()
    names = run.docx.name, run.xlsx.name
    assert names[0].endswith(".docx") and names[1].endswith(".xlsx")
    # A second download reads the same files, it does not make new ones.
    assert report_run_file(run, "docx").name == names[0] and report_run_file(run, "xlsx").name == names[1]


def test_files_of_an_unfinished_run_are_not_made(report):
    from reports.services import report_run_file

    run = ReportRun.objects.create(report=report)
    assert report_run_file(run, "docx") is None and report_run_file(run, "pdf") is None
    assert report_run_file(run, "exe") is None


def test_future_year_is_refused(tree):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        report_get_or_create(unit=tree.commune, year=datetime.date.today().year + 1)
    assert not Report.objects.exists()


def test_render_report_command_writes_the_pdf(report, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "bc.pdf"
    call_command("render_report", unit=report.unit.code, year=2025, out=str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "BẠCH ĐẰNG" in pdf_text(out.read_bytes(), tmp_path)


def test_render_report_command_rejects_unknown_unit(tree, tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Không tìm thấy đơn vị"):
        call_command("render_report", unit="KHONGCO", year=2025, out=str(tmp_path / "x.pdf"))


def test_a_run_whose_worker_died_is_retried_then_failed(report, django_capture_on_commit_callbacks, settings):
    """No job stays "running" for ever: a run without a heartbeat for STALE_AFTER is queued again (its task is
    sent again), and after MAX_ATTEMPTS it is marked failed with a Vietnamese message."""
    from datetime import timedelta

    from django.utils import timezone

    from reports.services import MAX_ATTEMPTS, STALE_AFTER, runs_sweep_stale

    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    run = ReportRun.objects.create(report=report, status=ReportRun.Status.RUNNING, heartbeat_at=old, attempts=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert runs_sweep_stale() == 1
    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED and len(callbacks) == 1

    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, heartbeat_at=old, attempts=MAX_ATTEMPTS)
    runs_sweep_stale()
    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED and "gián đoạn" in run.error


def test_a_fresh_running_run_is_left_alone(report):
    from django.utils import timezone

    from reports.services import runs_sweep_stale

    run = ReportRun.objects.create(report=report, status=ReportRun.Status.RUNNING, heartbeat_at=timezone.now())
    assert runs_sweep_stale() == 0
    run.refresh_from_db()
    assert run.status == ReportRun.Status.RUNNING


def test_return_columns_fit_the_landscape_page_whatever_the_figures():
    """The statistical return has a fixed layout (issue 19): its widths are computed from the longest figure and
    header word of each column; a province's billions of đồng shrink the table's font rather than run over the
    page (WeasyPrint adds each cell's padding and border to its column's width)."""
    columns = [(header, money) for _key, header, money in documents.return_columns()]
    room = documents.RETURN_WIDTH_MM - (len(columns) + 2) * documents.CELL_PADDING_MM
    small = documents.return_layout(columns, [{"name": "Chi hội thôn 1", "values": [3] * len(columns)}], [12] * 12)
    assert small["font_pt"] == "" and len(small["widths"]) == len(columns) + 2
    assert sum(float(w) for w in small["widths"]) <= room + 0.1
    assert float(small["widths"][1]) > 60, "the unit's name takes what the figures leave"

    big = [123_456_789_012 if money else 2_714_277 for _header, money in columns]
    name = "Hội Khuyến học phường Hàm Rồng (số liệu riêng)"
    large = documents.return_layout(columns, [{"name": name, "values": big}], big)
    widths = [float(w) for w in large["widths"]]
    assert float(large["font_pt"]) < documents.RETURN_FONT_PT
    assert sum(widths) <= room + 0.1 and widths[1] >= 40
    font_mm = float(large["font_pt"]) * 25.4 / 72
    for width, value in zip(widths[2:], big, strict=True):
        assert width >= documents._text_em(documents.number(value)) * font_mm, "a figure wider than its column"


def test_a_wrapped_unit_name_keeps_its_figures_on_its_first_line(report, tmp_path):
    """With the fixed layout a long name wraps in its column; its figures stay on the row's first line (top
    aligned), so the PDF's text reads one line per unit, as the reconciliation test reads it (it failed when the
    figures floated in the middle of a two-line row)."""
    from tests.reports.test_reconciliation import pdf_rows

    content = documents.build_content(report)
    width = len(content["return_columns"])
    values = [[1, 0, 2_139, 1, 1, 11_000_000_000, 0, 0, 0, 0, 0, 0][:width], [0] * width]
    values[1][2] = -1_504
    rows = [
        {"name": "Chi hội khuyến học thôn Đông Bắc Thượng Hạ Trung", "code": "1", "values": values[0]},
        {"name": "Hội Khuyến học phường Bạch Đằng (số liệu riêng)", "code": "2", "own": True, "values": values[1]},
    ]
    total = [a + b for a, b in zip(*values, strict=True)]
    columns = [(header, money) for header, money in content["return_columns"]]
    content.update(return_rows=rows, return_total=total, return_layout=documents.return_layout(columns, rows, total))
    assert float(content["return_layout"]["widths"][1]) < 90, "the names must wrap for this test to mean something"
    pdf, _pages = documents.render_pdf(content)
    assert pdf_rows(pdf, width, tmp_path) == [values[0], values[1], total]
