import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chapters.models import BaselineFigure, ClosedPeriod
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports.models import Report, ReportRun
from reports.services import report_get_or_create

YEAR = 2025


@pytest.fixture
def figures(tree):
    for unit, population in ((tree.chapter, 1200), (tree.other_chapter, 800)):
        record_save(BaselineFigure(unit=unit, year=YEAR, population=population, households=population // 4))
        summaries_refresh(unit_ids=[unit.pk], years=[YEAR], providers=["baseline"])
    return tree


@pytest.fixture
def report(figures):
    return report_get_or_create(unit=figures.commune, year=YEAR)


def test_anonymous_is_sent_to_login(client, report):
    for url in (
        reverse("reports:report_detail", args=[report.pk]),
        reverse("reports:unit_dashboard", args=[report.unit.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response.url


def test_outsider_gets_404(client_for, outsider, report):
    client = client_for(outsider)
    assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:unit_dashboard", args=[report.unit.pk])).status_code == 404
    assert client.post(reverse("reports:report_run_create", args=[report.pk])).status_code == 404


def test_viewer_reads_but_cannot_render_or_edit(client_for, viewer, report):
    client = client_for(viewer)
    assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    assert client.post(reverse("reports:report_run_create", args=[report.pk])).status_code == 403
    response = client.post(reverse("reports:report_text", args=[report.pk]), {"assessment": "x", "version": 1})
    assert response.status_code == 403
    assert not ReportRun.objects.exists()
    report.refresh_from_db()
    assert report.assessment == ""


def test_secretary_cannot_write_reports(client_for, commune_secretary, figures):
    client = client_for(commune_secretary)
    response = client.post(reverse("reports:report_create", args=[figures.commune.pk]), {"year": YEAR, "period": "Y"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_officer_opens_writes_renders_and_downloads(client_for, officer, figures, django_capture_on_commit_callbacks):
    client = client_for(officer)
    response = client.post(reverse("reports:report_create", args=[figures.commune.pk]), {"year": YEAR, "period": "Y"})
    report = Report.objects.get(unit=figures.commune, year=YEAR)
    assert response.url == reverse("reports:report_detail", args=[report.pk])
    response = client.post(
        reverse("reports:report_text", args=[report.pk]),
        {"assessment": "Phong trào phát triển rộng khắp.", "tasks": "Vận động quỹ.", "version": report.version},
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report_run_create", args=[report.pk]))
    run = report.runs.get()
    assert run.status == ReportRun.Status.DONE
    page = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert "Tải PDF" in page.content.decode()
    pdf = client.get(reverse("reports:run_file", args=[run.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_finalise_numbers_and_submit_closes_year(client_for, officer, report, django_capture_on_commit_callbacks):
    client = client_for(officer)
    client.post(reverse("reports:report_finalise", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT, "no render yet: finalising is refused"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report_run_create", args=[report.pk]))
    client.post(reverse("reports:report_finalise", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.number) == (Report.Status.FINAL, 1)
    bad = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post(reverse("reports:report_submit", args=[report.pk]), {"scan": bad})
    report.refresh_from_db()
    assert report.status == Report.Status.FINAL
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    client.post(reverse("reports:report_submit", args=[report.pk]), {"scan": scan})
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert ClosedPeriod.objects.in_force().filter(unit=report.unit, year=YEAR).exists()


def test_second_report_of_the_year_gets_the_next_number(officer, figures, django_capture_on_commit_callbacks):
    from reports.services import report_finalise, report_request_run

    numbers = []
    for period in ("H1", "Y"):
        report = report_get_or_create(unit=figures.commune, year=YEAR, period=period)
        report.issued_on = datetime.date(2025, 12, 20)
        report.save()
        with django_capture_on_commit_callbacks(execute=True):
            report_request_run(report=report)
        numbers.append(report_finalise(report=report, actor=officer).number_label)
    assert numbers == ["1/BC-HKH", "2/BC-HKH"]


def test_dashboard_equals_the_report_figures(client_for, officer, report, django_capture_on_commit_callbacks):
    client = client_for(officer)
    page = client.get(reverse("reports:unit_dashboard", args=[report.unit.pk]), {"nam": YEAR})
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report_run_create", args=[report.pk]))
    run = report.runs.get()
    children = {row["unit"].pk: row for row in page.context["children"]}
    assert run.figures["current"]["baseline.population"] == 2000
    members = sum(row["values"]["members.end"] for row in children.values())
    assert members == run.figures["current"].get("members.end", 0)


def test_dashboard_export_is_xlsx(client_for, viewer, figures):
    from openpyxl import load_workbook

    response = client_for(viewer).get(reverse("reports:unit_dashboard_xlsx", args=[figures.commune.pk]), {"nam": YEAR})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "Chi hội tổ dân phố số 1" in names


def test_completeness_lists_what_is_missing(client_for, administrator, figures):
    page = client_for(administrator).get(
        reverse("reports:unit_completeness", args=[figures.province.pk]), {"nam": YEAR}
    )
    rows = {row["unit"].pk: row for row in page.context["rows"]}
    assert rows[figures.commune.pk]["checks"]["baseline"] is True
    assert rows[figures.other_commune.pk]["checks"]["baseline"] is False
    assert "report" in rows[figures.commune.pk]["missing"]
