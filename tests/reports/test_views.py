import datetime
import io
import re
from pathlib import Path

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
    # The Word and Excel files are made on the first download (not by the render) and are real files.
    assert not run.docx and not run.xlsx
    docx = client.get(reverse("reports:run_file", args=[run.pk, "docx"]))
    assert docx.status_code == 200 and b"".join(docx.streaming_content).startswith(b"PK")
    xlsx = client.get(reverse("reports:run_file", args=[run.pk, "xlsx"]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content).startswith(b"PK")
    assert "attachment" in xlsx["Content-Disposition"]


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
    page = client.get(reverse("reports:unit_dashboard", args=[report.unit.pk]), {"year": YEAR})
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

    response = client_for(viewer).get(reverse("reports:unit_dashboard_xlsx", args=[figures.commune.pk]), {"year": YEAR})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "Chi hội tổ dân phố số 1" in names


def test_dashboard_export_opens_ready_to_print(client_for, viewer, figures):
    """Issue 18: the .xlsx opens with a bold, frozen header (and the names frozen), fitted widths, numbers as
    numbers with a thousands grouping, a "Tổng cộng" row that sums the rows above, and print setup."""
    from openpyxl import load_workbook

    from funds import services as funds_services
    from funds.models import Transaction

    funds_services.transaction_create(
        fund=funds_services.fund_create(unit=figures.chapter),
        kind=Transaction.Kind.RECEIPT,
        date=datetime.date(YEAR, 3, 1),
        amount=12_345_000,
        purpose=Transaction.Purpose.DONATION,
        counterparty_type=Transaction.Counterparty.PERSON,
        counterparty_name="Ông Nguyễn Văn An",
    )
    response = client_for(viewer).get(reverse("reports:unit_dashboard_xlsx", args=[figures.commune.pk]), {"year": YEAR})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    assert header[:3] == ["Mã", "Đơn vị", "Hội viên"]
    assert all(cell.font.b for cell in sheet[2] if cell.value)
    # The title line and the header stay on screen, and so do the code and the name.
    assert sheet.freeze_panes == "C3"
    # Widths fitted to the content, capped: the long unit name is wider than a code, nothing is huge.
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"}
    assert widths["B"] >= len("Chi hội Trường Tiểu học Bạch Đằng") and widths["B"] <= 60
    assert 6 <= widths["A"] < widths["B"]
    # Money as a number with a thousands grouping, not text.
    raised = header.index("Quỹ huy động") + 1
    chapter_row = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == figures.chapter.code)
    assert chapter_row[raised - 1].value == 12_345_000
    assert chapter_row[raised - 1].number_format == "#,##0"
    assert chapter_row[header.index("Hội viên")].number_format == "#,##0"
    # The totals row sums the children (and the unit's own row), as on the dashboard.
    last = sheet.max_row
    assert sheet.cell(last, 2).value == "Tổng cộng" and sheet.cell(last, 2).font.b
    above = [sheet.cell(row, raised).value or 0 for row in range(3, last)]
    assert sheet.cell(last, raised).value == sum(above) == 12_345_000
    assert sheet.cell(last, raised).number_format == "#,##0" and sheet.cell(last, raised).font.b
    # Ready to print: landscape (the table is wide), one page wide, the header on every page, a title.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows in ("2:2", "$2:$2")
    assert "Bạch Đằng" in sheet.cell(1, 1).value and sheet.cell(1, 1).font.b
    assert "Bạch Đằng" in sheet.oddHeader.center.text


def test_completeness_lists_what_is_missing(client_for, administrator, figures):
    page = client_for(administrator).get(
        reverse("reports:unit_completeness", args=[figures.province.pk]), {"year": YEAR}
    )
    rows = {row["unit"].pk: row for row in page.context["rows"]}
    assert rows[figures.commune.pk]["checks"]["baseline"] is True
    assert rows[figures.other_commune.pk]["checks"]["baseline"] is False
    assert "report" in rows[figures.commune.pk]["missing"]
    # The badges are written inline (no include per cell: 830 includes on a province's page cost ~20 ms).
    html = page.content.decode()
    assert '<td data-label="Số liệu nền"><span class="badge ok">Đã có</span></td>' in html
    assert '<td data-label="Số liệu nền"><span class="badge bad">Chưa có</span></td>' in html


BEFORE = Path(__file__).parent / "before"  # the templates the rows and badges were rendered with before issue 19


def _old_template(name: str) -> str:
    """A template of `before/`, its report badge include inlined (the include file is gone: reports.templatetags)."""
    text = (BEFORE / name).read_text(encoding="utf-8")
    badge = (BEFORE / "report_status.html").read_text(encoding="utf-8").split("\n", 1)[1]  # without its comment
    return re.sub(
        r'\{% include "reports/_status.html" with (.*?) %\}',
        lambda m: f"{{% with {m.group(1)} %}}{badge}{{% endwith %}}",
        text,
    )


def _flat(html: str) -> str:
    """Whitespace as a browser reads it: runs of it are one space, and none between two tags."""
    return re.sub(r"> <", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize("status", [None, *Report.Status.values])
@pytest.mark.parametrize("late", [False, True])
def test_the_report_badge_is_what_the_include_wrote(status, late):
    from django.template import engines

    from reports.badges import status_badge

    label = dict(Report.Status.choices).get(status, "") + " <&>"
    old = engines["django"].from_string(_old_template("report_status.html").split("\n", 1)[1])
    assert status_badge(status, label, late) == old.render({"status": status, "label": label, "late": late}).strip()


def test_the_progress_rows_built_in_python_are_the_html_the_template_wrote(client_for, administrator, figures):
    """Issue 19: the progress page's rows are built in one pass (the template loop, an address and a badge include
    per row, was most of a province's page); every cell, badge and link is what the template gave."""
    from django.template import engines

    tree = figures
    report_get_or_create(unit=tree.commune, year=YEAR)
    page = client_for(administrator).get(reverse("reports:unit_completeness", args=[tree.province.pk]), {"year": YEAR})
    context = page.context
    assert len(context["rows"]) == 2
    old = engines["django"].from_string(_old_template("completeness_rows.html"))
    expected = old.render({"rows": context["rows"], "year": YEAR})
    assert _flat(context["rows_html"]) == _flat(expected)
    assert re.search(r"</span> <small>hạn \d\d/\d\d/2025</small>", str(context["rows_html"]))  # the include's line
    assert str(context["rows_html"]) in page.content.decode()


def test_dashboard_shows_which_units_are_behind_and_filters_them(client_for, officer, tree):
    """Done when (issue 9): an officer sees on one page which units are behind on members and fund, and opens
    the progress of the one that is late."""
    from funds import services as funds_services
    from funds.models import Transaction
    from members.services import member_create
    from tests.factories import UnitFactory

    chapters = [tree.chapter, tree.other_chapter, *(UnitFactory(parent=tree.commune) for _ in range(3))]
    # (population, members, fund raised): the last chapter has the fewest members for its people, the fourth the
    # least money per member.
    plan = [(100, 8, 800_000), (100, 7, 700_000), (100, 6, 600_000), (100, 5, 50_000), (100, 1, 100_000)]
    for chapter, (population, members, raised) in zip(chapters, plan, strict=True):
        record_save(BaselineFigure(unit=chapter, year=YEAR, population=population))
        summaries_refresh(unit_ids=[chapter.pk], years=[YEAR], providers=["baseline"])
        for n in range(members):
            member_create(
                unit=chapter,
                joined_on=datetime.date(YEAR, 2, 1),
                full_name=f"Hội viên {n}",
                birth_year=1970,
                gender="F",
            )
        funds_services.transaction_create(
            fund=funds_services.fund_create(unit=chapter),
            kind=Transaction.Kind.RECEIPT,
            date=datetime.date(YEAR, 3, 1),
            amount=raised,
            purpose=Transaction.Purpose.DONATION,
            counterparty_type=Transaction.Counterparty.PERSON,
            counterparty_name="Ông Nguyễn Văn An",
        )

    client = client_for(officer)
    url = reverse("reports:unit_dashboard", args=[tree.commune.pk])
    page = client.get(url, {"year": YEAR})
    assert page.status_code == 200
    rows = {row["unit"].pk: row for row in page.context["children"]}
    assert len(rows) == 5
    assert [pk for pk, row in rows.items() if row["behind"]["share"]] == [chapters[4].pk]
    assert [pk for pk, row in rows.items() if row["behind"]["funds.raised"]] == [chapters[3].pk]
    html = page.content.decode()
    assert "1/5 đơn vị tỷ lệ hội viên trên dân số thấp; 1/5 đơn vị quỹ huy động bình quân mỗi hội viên thấp" in html
    assert html.count('<span class="badge bad">thấp</span>') == 2
    # The cells are written in one pass in Python (reports.dashboard.child_rows): labels, numbers and badges.
    assert '<td class="num" data-label="Hội viên">1</td><td class="num" data-label="% dân số">1,0% ' in html
    assert '<span class="badge bad">thấp</span></td><td class="num" data-label="Kết nạp mới">1</td>' in html
    link = reverse("reports:unit_dashboard", args=[chapters[4].pk])
    name = chapters[4].display_name.replace("'", "&#x27;")
    assert f'<td data-label="Đơn vị"><a href="{link}?year={YEAR}&amp;tree=past">{name}</a></td>' in html

    behind = client.get(url, {"year": YEAR, "behind": "1"})
    assert {row["unit"].pk for row in behind.context["children"]} == {chapters[3].pk, chapters[4].pk}
    assert "Xem tất cả 5 đơn vị" in behind.content.decode()
    # Chapters have nothing below them: their rows link to their dashboard, not to a progress page.
    assert "/tien-do/" not in html.split("<tbody>")[1]

    # The export says it too.
    from openpyxl import load_workbook

    export = client.get(reverse("reports:unit_dashboard_xlsx", args=[tree.commune.pk]), {"year": YEAR})
    sheet = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert sheet[1][-1] == "Chậm về"
    behind_in_sheet = {row[0]: row[-1] for row in sheet[2:]}
    assert behind_in_sheet[chapters[4].code] == "tỷ lệ hội viên trên dân số thấp"
    assert behind_in_sheet[chapters[3].code] == "quỹ huy động bình quân mỗi hội viên thấp"
    assert behind_in_sheet[chapters[0].code] is None


def test_no_unit_is_behind_on_a_measure_where_every_unit_is_equal():
    from decimal import Decimal

    from reports.dashboard import _lowest_fifth

    assert _lowest_fifth([Decimal(0)] * 5) is None  # nobody has raised anything yet: nobody is "low"
    assert _lowest_fifth([Decimal(1), Decimal(2)]) is None  # too few to compare
    assert _lowest_fifth([Decimal(n) for n in (5, 1, 4, 2, 3, 6, 7, 8, 9, 10)]) == Decimal(2)


def test_a_commune_page_maps_the_communes_around_it_for_an_officer_of_the_province(client_for, officer, figures):
    """The map of a commune whose chapters have no coordinates shows the communes around it, this one ringed, coloured
    by the same share as the province's table (from the province's rows without their cells, issue 19); an officer
    of the commune alone, who cannot see the province, gets no such map."""
    from chapters.models import Role
    from reports.dashboard import dashboard, map_rows
    from tests.factories import RoleFactory, UserFactory

    tree = figures
    for commune, (lat, lon) in ((tree.commune, (21.03, 105.85)), (tree.other_commune, (21.10, 105.70))):
        commune.latitude, commune.longitude = lat, lon
        commune.save()
    province_officer = UserFactory(username="canbo_tinh")
    RoleFactory(user=province_officer, unit=tree.province, kind=Role.Kind.OFFICER)

    page = client_for(province_officer).get(reverse("reports:unit_dashboard", args=[tree.commune.pk]), {"year": YEAR})
    svg = page.context["map_svg"]
    assert "Bản đồ các đơn vị cùng cấp" in svg
    assert tree.commune.display_name in svg and tree.other_commune.display_name in svg
    full = {row["unit"].pk: (row["share"], row["families"]) for row in dashboard(tree.province, YEAR)["rows"]}
    light = map_rows(tree.province, YEAR)
    assert {row["unit"].pk: (row["share"], row["families"]) for row in light} == full
    assert all("cells_html" not in row for row in light)

    own = client_for(officer).get(reverse("reports:unit_dashboard", args=[tree.commune.pk]), {"year": YEAR})
    assert "cùng cấp" not in own.context["map_svg"]


def test_a_communes_dashboard_reads_the_summaries_tokens_once_and_no_deadlines_its_chapters_do_not_owe(
    client_for, figures
):
    """Issue 19's mixed load: a commune's page, opened by the province's officer, asked for the summaries'
    generation and the tree's version four times (its own figures and tree, then the province's for the map of
    the communes around it), and read the deadlines and reports of the associations below, which a commune's
    chapters are not: a query each that found nothing to say."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chapters.models import Role
    from tests.factories import RoleFactory, UserFactory

    province_officer = UserFactory(username="canbo_tinh")
    RoleFactory(user=province_officer, unit=figures.province, kind=Role.Kind.OFFICER)
    client = client_for(province_officer)
    url = reverse("reports:unit_dashboard", args=[figures.commune.pk])
    assert client.get(url, {"year": YEAR}).status_code == 200  # the cached roll-ups made
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"year": YEAR})
    assert page.status_code == 200
    assert page.context["figures"].get("baseline.population") == 2000
    assert page.context["reports_below"]["total"] == 0
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "chapters_summarygeneration"' in text for text in sql) == 1
    assert not [text for text in sql if 'FROM "reports_deadline"' in text or 'FROM "reports_report"' in text]

    # The province's page still lists its communes' reports, with their deadlines.
    report_get_or_create(unit=figures.commune, year=YEAR)
    page = client.get(reverse("reports:unit_dashboard", args=[figures.province.pk]), {"year": YEAR})
    assert page.context["reports_below"]["total"] == 2
