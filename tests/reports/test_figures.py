"""Issue 13: figures an official can sign. Each defect of items 1, 3, 4 and 8 has its test here; the figures are
written straight into the summary table where the defect is in reading them (the facts' own tests are elsewhere)."""

import io
import subprocess

import pytest
from django.utils import timezone

from chapters import figures as catalogue
from chapters.models import Summary
from chapters.summaries import commune_totals_refresh, summaries_changed
from reports import documents, sections
from reports.models import Report
from reports.queries import period_figures
from tests.factories import UnitFactory


def put_rows(unit, year, period="Y", rows: dict | None = None):
    now = timezone.now()
    for figure, value in (rows or {}).items():
        Summary.objects.update_or_create(
            unit=unit, year=year, period=period, figure=figure, defaults={"value": value, "computed_at": now}
        )
    summaries_changed(None)
    # What summaries_refresh does after writing rows: the communes above keep their rolled-up totals current.
    commune_totals_refresh(summaries_changed([unit.pk]))


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


# Item 1: the statistics table adds up ---------------------------------------------------------------------


@pytest.fixture
def ward(tree):
    """The ward's own figures beside its chapters': the seed's numbers of the defect."""
    put_rows(
        tree.commune,
        2025,
        rows={
            "baseline.population": 62_464,
            "funds.raised": 36_700_000,
            "classes.count": 5,
            "awards.individuals": 2,
        },
    )
    put_rows(tree.chapter, 2025, rows={"baseline.population": 7_000, "funds.raised": 10_000_000})
    put_rows(
        tree.other_chapter,
        2025,
        rows={"baseline.population": 5_492, "funds.raised": 7_050_000, "awards.individuals": 25},
    )
    return tree


def _columns_add_up(rows: list[list[int]], total: list[int]):
    for index, value in enumerate(total):
        assert sum(row[index] for row in rows) == value, index


def test_statistics_table_has_the_units_own_row_and_adds_up(ward):
    report = Report.objects.create(unit=ward.commune, year=2025)
    content = documents.build_content(report)
    names = [row["name"] for row in content["return_rows"]]
    assert names[-1] == "Hội Khuyến học phường Bạch Đằng (số liệu riêng)"
    _columns_add_up([row["values"] for row in content["return_rows"]], content["return_total"])
    keys = [key for key, *_ in documents.RETURN_COLUMNS]
    total = dict(zip(keys, content["return_total"], strict=True))
    assert (total["baseline.population"], total["funds.raised"], total["classes.count"]) == (62_464, 53_750_000, 5)
    assert total["awards.individuals"] == 27


def test_statistics_xlsx_and_docx_have_the_own_row_and_add_up(ward):
    from docx import Document
    from openpyxl import load_workbook

    report = Report.objects.create(unit=ward.commune, year=2025)
    content = documents.build_content(report)
    rows = list(
        load_workbook(io.BytesIO(documents.render_xlsx(content)), read_only=True).active.iter_rows(values_only=True)
    )
    body, total = rows[2:-1], rows[-1]
    assert total[1] == "Tổng cộng" and body[-1][1].endswith("(số liệu riêng)")
    _columns_add_up([list(row[2:]) for row in body], list(total[2:]))

    table = Document(io.BytesIO(documents.render_docx(content))).tables[-1]
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert [row[0] for row in cells].count("Tổng cộng") == 1
    assert cells[-2][0].endswith("(số liệu riêng)")
    as_int = [[int(text.replace(".", "") or 0) for text in row[1:]] for row in cells[1:]]
    _columns_add_up(as_int[:-1], as_int[-1])


def test_a_long_statistics_table_prints_its_total_once_and_splits_no_row(tree, tmp_path):
    """Forty chapters with names that wrap: the table runs over pages; the header repeats, the total does not, and
    every row (its name's first and last words and its figures) stays on one page."""
    for number in range(40):
        chapter = UnitFactory(
            parent=tree.commune,
            code=f"10001-L{number:02d}",
            name=f"Chi hội Đầu{number:02d} khuyến học khu dân cư tổ dân phố liên gia mở rộng phía bắc Cuối{number:02d}",
        )
        put_rows(chapter, 2025, rows={"members.end": 1000 + number})
    report = Report.objects.create(unit=tree.commune, year=2025)
    pdf, _pages = documents.render_pdf(documents.build_content(report))
    pages = pdf_pages(pdf, tmp_path)
    assert sum(page.count("Tổng cộng") for page in pages) == 1
    table_pages = [page for page in pages if "Đầu" in page]
    assert len(table_pages) >= 2
    assert all("STT" in page for page in table_pages)  # the header repeats
    for number in range(40):
        holding = [page for page in pages if f"Đầu{number:02d}" in page]
        assert len(holding) == 1, number
        assert f"Cuối{number:02d}" in holding[0] and f"{1000 + number:,}".replace(",", ".") in holding[0], number


def test_dashboard_context_has_the_own_row_and_adds_up(ward):
    from reports.dashboard import CHILD_COLUMNS, dashboard

    data = dashboard(ward.commune, 2025)
    own = data["own_row"]
    assert own["name"] == "Hội Khuyến học phường Bạch Đằng (số liệu riêng)"
    for key, _label in CHILD_COLUMNS:
        if key in ("share", "families"):
            continue
        rows = sum(row["values"][key] for row in data["children"]) + own["values"][key]
        assert rows == data["figures"].get(key), key


# Item 3: stocks are read at the period's end, flows summed ---------------------------------------------------


def test_term_reads_title_holders_at_the_terms_end(tree):
    """Two clans recognised in 2023 and again in 2024 (a one-year title), none in 2025: not "4/2 (200,0%)"."""
    for year in (2023, 2024):
        put_rows(tree.chapter, year, rows={"titles.dhht.registered": 2, "titles.dhht.recognised": 2})
        put_rows(tree.chapter, year, rows={"titles.dhht.holding": 2})
    put_rows(tree.chapter, 2025, rows={"titles.dhht.registered": 2, "titles.dhht.holding": 0})
    put_rows(tree.commune, 2025, rows={"baseline.clans": 2})
    f = period_figures(tree.commune, year=2025, period="term", term_start=2021)
    assert f.get("titles.dhht.recognised") == 4  # a flow: every recognition of the term
    assert f.get("titles.dhht.holding") == 0  # a stock: at the term's end
    text = " ".join(sections.learning_society(f, documents.title_types(tree.commune, 2025)).paragraphs)
    assert "4/2" not in text and "200,0%" not in text
    assert "trong nhiệm kỳ có 4 lượt dòng họ được công nhận" in text


def test_term_opening_balance_is_the_first_years(tree):
    for year, (opening, balance) in {
        2021: (10, 20),
        2022: (20, 30),
        2023: (30, 40),
        2024: (40, 50),
        2025: (50, 60),
    }.items():
        put_rows(tree.commune, year, rows={"funds.opening": opening, "funds.balance": balance, "funds.raised": 10})
    f = period_figures(tree.commune, year=2025, period="term", term_start=2021)
    assert (f.get("funds.opening"), f.get("funds.raised"), f.get("funds.balance")) == (10, 50, 60)


def test_half_year_reads_stocks_at_30_june(tree):
    put_rows(tree.chapter, 2025, "H1", rows={"members.end": 90, "members.joined": 5, "funds.balance": 7})
    put_rows(tree.chapter, 2025, "Y", rows={"members.end": 100, "members.joined": 15, "funds.balance": 9})
    f = period_figures(tree.commune, year=2025, period="H1")
    assert (f.get("members.end"), f.get("members.joined"), f.get("funds.balance")) == (90, 5, 7)


def test_family_ratio_says_which_years_households_it_divides_by(tree):
    put_rows(tree.commune, 2024, rows={"baseline.households": 400})
    put_rows(tree.chapter, 2025, rows={"titles.gdht.registered": 300, "titles.gdht.recognised": 250})
    put_rows(tree.chapter, 2025, rows={"titles.gdht.holding": 250})
    f = period_figures(tree.commune, year=2025)
    text = " ".join(sections.learning_society(f, documents.title_types(tree.commune, 2025)).paragraphs)
    assert "250/400 (62,5%) (theo số hộ năm 2024)" in text


def test_every_figure_a_summary_holds_is_declared(db):
    from learning_models.models import TitleType

    keys = {"members.end", "funds.opening", "funds.balance", "baseline.population", "units.chapter", "classes.count"}
    keys |= {f"titles.{code}.{m}" for code in TitleType.objects.values_list("code", flat=True) for m in ("registered",)}
    assert all(catalogue.find(key) is not None for key in keys)
    assert catalogue.figure("funds.opening").is_stock and catalogue.figure("funds.opening").at == "start"
    assert not catalogue.figure("titles.gdht.recognised").is_stock
    assert catalogue.figure("titles.gdht.holding").is_stock
    with pytest.raises(KeyError, match="chưa được khai báo"):
        catalogue.figure("members.khong_co")


def test_reports_hold_no_list_of_figure_names():
    """Issue 20: the kind of a figure is declared, never guessed from its name in reports/."""
    from pathlib import Path

    for module in (Path(__file__).resolve().parents[2] / "reports").glob("*.py"):
        source = module.read_text()
        assert "STOCK_PREFIXES" not in source and "FLOW_SUFFIXES" not in source, module.name


# Item 4: the fund paragraph states the opening balance and the change -----------------------------------------


def test_fund_paragraph_states_opening_and_change_on_last_year(tree):
    put_rows(
        tree.commune, 2024, rows={"funds.opening": 30_000_000, "funds.raised": 40_000_000, "funds.balance": 50_000_000}
    )
    put_rows(tree.commune, 2024, rows={"funds.spent": 20_000_000})
    put_rows(
        tree.commune, 2025, rows={"funds.opening": 50_000_000, "funds.raised": 45_000_000, "funds.spent": 60_000_000}
    )
    put_rows(tree.commune, 2025, rows={"funds.balance": 35_000_000})
    f = period_figures(tree.commune, year=2025)
    text = " ".join(sections.study_promotion(f).paragraphs)
    assert "số dư đầu kỳ 50.000.000 đồng" in text
    assert "huy động được 45.000.000 đồng, tăng 5.000.000 đồng (12,5%) so với năm 2024" in text
    assert "đã chi 60.000.000 đồng, tăng 40.000.000 đồng (200,0%) so với năm 2024" in text
    assert "số dư cuối kỳ 35.000.000 đồng, giảm 15.000.000 đồng so với năm 2024" in text


# Item 8: words ------------------------------------------------------------------------------------------------


def test_numbered_district_keeps_its_word_in_the_place(tree):
    district = UnitFactory(
        parent=tree.province, kind="association", level="district", host="", name="Quận 3", division_type="quận"
    )
    ward = UnitFactory(
        parent=tree.province, kind="association", level="commune", host="", name="Phường 12", division_type="phường"
    )
    assert documents.default_place(district) == "Quận 3"
    assert documents.default_place(ward) == "Phường 12"
    assert documents.default_place(tree.commune) == "Bạch Đằng"


def test_report_titles_do_not_double_words(tree):
    year = Report(unit=tree.commune, year=2025, period=Report.Period.YEAR)
    half = Report(unit=tree.commune, year=2025, period=Report.Period.H1)
    term = Report(unit=tree.commune, year=2025, period=Report.Period.TERM, term_start=2021)
    assert year.title == "Tổng kết năm 2025"
    assert half.title == "Sơ kết 6 tháng đầu năm 2025"
    assert term.title == "Tổng kết nhiệm kỳ 2021–2025"
    for report in (year, half, term):
        for doubled in ("năm năm", "nhiệm kỳ nhiệm kỳ", "tháng đầu năm 6 tháng"):
            assert doubled not in str(report)


@pytest.mark.parametrize(
    ("current", "previous", "money", "expected"),
    [
        (12486, 11982, False, "tăng 4,2% so với năm 2022"),
        (90, 100, False, "giảm 10,0% so với năm 2022"),
        (100, 100, False, "không thay đổi so với năm 2022"),
        (100, 0, False, ""),  # a first year: nothing to compare with
        (100, None, False, ""),
        (45_000_000, 40_000_000, True, "tăng 5.000.000 đồng (12,5%) so với năm 2022"),
        (35_000_000, 50_000_000, True, "giảm 15.000.000 đồng (30,0%) so với năm 2022"),
        (35_000_000, 35_000_000, True, "không thay đổi so với năm 2022"),
    ],
)
def test_growth_phrase(current, previous, money, expected):
    from core.formatting import growth

    assert growth(current, previous, against="năm 2022", money=money) == expected


def test_no_change_never_reads_bang_so_voi(tree):
    put_rows(tree.chapter, 2024, rows={"members.end": 100})
    put_rows(tree.chapter, 2025, rows={"members.end": 100})
    text = " ".join(sections.organisation(period_figures(tree.commune, year=2025)).paragraphs)
    assert "bằng so với" not in text
    assert "Tổng số hội viên là 100 người, không thay đổi so với năm 2024." in text


def test_catalogue_reads_terms_by_kind():
    years = {2021: {"members.end": 5, "members.joined": 1}, 2022: {"members.end": 7, "members.joined": 2}}
    assert catalogue.over_years(years, [2021, 2022]) == {"members.end": 7, "members.joined": 3}


def test_dashboard_export_has_the_own_row_and_the_total(ward, client_for, officer):
    from django.urls import reverse
    from openpyxl import load_workbook

    from reports.dashboard import CHILD_COLUMNS

    response = client_for(officer).get(reverse("reports:unit_dashboard_xlsx", args=[ward.commune.pk]), {"year": 2025})
    lines = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[2:]
    assert lines[-2][1] == "Hội Khuyến học phường Bạch Đằng (số liệu riêng)" and lines[-1][1] == "Tổng cộng"
    for index, (key, _label) in enumerate(CHILD_COLUMNS, start=2):
        if key not in ("share", "families"):
            assert sum(line[index] for line in lines[:-1]) == lines[-1][index], key
