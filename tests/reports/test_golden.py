"""Golden reports (issue 13): a term report and a half-year report of the dataset in golden.py, every figure
asserted. The expected figures were worked out by hand from the facts listed in golden.py's docstring:

term 2021–2025   members at the end 6 + 2 = 8 (6 at the end of 2020: +33,3%); joined 2 + 1 + 1 = 4, left 2;
                 fund: opening of 2021 5.000.000, raised 4 × 2.000.000 + 4.000.000, spent 5 × 1.500.000,
                 balance 9.500.000; classes 4 with 40 + 35 + 30 + 25 people; clans registered and recognised
                 2 a year in 3 years (6, flows), holding 2 at the end of 2025 (a stock) of 4 clans;
                 households 3 registered, 2 recognised, of 2.600
first half 2025  members on 30 June 5 + 3 = 8 (7 a year before: +14,3%); joined 1; fund: opening 7.000.000,
                 raised 3.000.000 (2.000.000 a year before), nothing spent, balance 10.000.000 (8.500.000);
                 one class of 30; registrations by June: 3 households, 2 clans (2 a year before)
"""

import io
import subprocess

import pytest

from reports import documents
from reports.models import Report

from . import golden

COLUMNS = [
    "Chi hội",
    "Ban khuyến học",
    "Dân số",
    "Hội viên cuối kỳ",
    "Kết nạp mới",
    "Quỹ: số dư đầu kỳ (đồng)",
    "Quỹ: huy động (đồng)",
    "Quỹ: đã chi (đồng)",
    "Quỹ: số dư (đồng)",
    "Cá nhân được khen",
    "Tiền thưởng (đồng)",
    "Lớp TTHTCĐ",
]


@pytest.fixture
def dataset(tree):
    golden.build(tree)
    return tree


def render(unit, period, tmp_path):
    report = Report.objects.create(
        unit=unit, year=2025, period=period, term_start=2021 if period == Report.Period.TERM else None
    )
    content = documents.build_content(report)
    pdf, _pages = documents.render_pdf(content)
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return content, " ".join(text.split())


def returns(content) -> tuple[list[tuple], list[tuple]]:
    """The statistical return as the .xlsx and the .docx hold it: [(name, *values)] for each row and the total."""
    from docx import Document
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(documents.render_xlsx(content)), read_only=True).active
    xlsx = [row[1:] for row in list(sheet.iter_rows(values_only=True))[2:]]
    table = Document(io.BytesIO(documents.render_docx(content))).tables[-1]
    docx = [(row.cells[0].text, *[int(cell.text.replace(".", "")) for cell in row.cells[1:]]) for row in table.rows[1:]]
    return xlsx, docx


def nested_parentheses(text: str) -> list[str]:
    """The passages of `text` where a parenthesis opens inside another one (the house style writes none)."""
    found, depth = [], 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth == 2:
                found.append(text[max(0, index - 60) : index + 40])
        elif char == ")":
            depth = max(0, depth - 1)
    return found


def test_golden_term_report(dataset, tmp_path):
    content, text = render(dataset.commune, Report.Period.TERM, tmp_path)
    assert "Tổng kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập nhiệm kỳ 2021–2025" in text
    assert "Toàn phường có 2 chi hội khuyến học (trong đó có 1 chi hội khu dân cư, 1 chi hội trường học)." in text
    assert "Tổng số hội viên là 8 người, tăng 33,3% so với nhiệm kỳ 2016–2020, đạt tỷ lệ 0,1% dân số." in text
    assert "Trong kỳ, kết nạp mới 4 hội viên; 2 hội viên ra khỏi danh sách" in text
    assert (
        "Quỹ khuyến học toàn phường có số dư đầu kỳ 5.000.000 đồng; huy động được 12.000.000 đồng; "
        "đã chi 7.500.000 đồng; số dư cuối kỳ 9.500.000 đồng." in text
    )
    assert (
        "“Gia đình học tập”: 3 hộ đăng ký; trong nhiệm kỳ có 2 lượt hộ được công nhận, đạt 66,7% số đăng ký; "
        "tỷ lệ so với tổng số là 2/2.600 (0,1%), chưa đạt chỉ tiêu 70%"
        " (chỉ tiêu đến năm 2025 theo Quyết định 387/QĐ-TTg ngày 25/3/2022); "
        "đến cuối nhiệm kỳ đang giữ danh hiệu 2 hộ." in text
    )
    assert (
        "“Dòng họ học tập”: 6 dòng họ đăng ký; trong nhiệm kỳ có 6 lượt dòng họ được công nhận, đạt 100,0% số "
        "đăng ký; tỷ lệ so với tổng số là 2/4 (50,0%), chưa đạt chỉ tiêu 65%"
        " (chỉ tiêu đến năm 2025 theo Quyết định 387/QĐ-TTg ngày 25/3/2022); đến cuối nhiệm kỳ đang giữ danh hiệu "
        "2 dòng họ." in text
    )
    assert "Trung tâm học tập cộng đồng đã mở 4 lớp với 130 lượt người tham gia." in text
    assert text.count("Tổng cộng") == 1
    assert not nested_parentheses(text), nested_parentheses(text)

    expected = [
        ("Chi hội tổ dân phố số 1", 1, 0, 0, 6, 3, 0, 0, 0, 0, 0, 0, 0),
        ("Chi hội Trường Tiểu học Bạch Đằng", 1, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0),
        ("Hội Khuyến học phường Bạch Đằng (số liệu riêng)", 0, 0, 10_400, 0, 0, 5_000_000, 12_000_000, 7_500_000)
        + (9_500_000, 0, 0, 4),
        ("Tổng cộng", 2, 0, 10_400, 8, 4, 5_000_000, 12_000_000, 7_500_000, 9_500_000, 0, 0, 4),
    ]
    assert [header for header, _money in content["return_columns"]] == COLUMNS
    xlsx, docx = returns(content)
    assert xlsx == expected and docx == expected


def test_golden_half_year_report(dataset, tmp_path):
    content, text = render(dataset.commune, Report.Period.H1, tmp_path)
    assert "Sơ kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập 6 tháng đầu năm 2025" in text
    assert "Bạch Đằng, ngày 15 tháng 7 năm 2025" in text
    assert "Tổng số hội viên là 8 người, tăng 14,3% so với 6 tháng đầu năm 2024, đạt tỷ lệ 0,1% dân số." in text
    assert "Trong kỳ, kết nạp mới 1 hội viên." in text
    assert (
        "Quỹ khuyến học toàn phường có số dư đầu kỳ 7.000.000 đồng; huy động được 3.000.000 đồng, tăng 1.000.000 "
        "đồng (50,0%) so với 6 tháng đầu năm 2024; đã chi 0 đồng; số dư cuối kỳ 10.000.000 đồng, tăng 1.500.000 "
        "đồng so với 6 tháng đầu năm 2024." in text
    )
    assert "“Gia đình học tập”: 3 hộ đăng ký." in text
    assert "“Dòng họ học tập”: 2 dòng họ đăng ký, không thay đổi so với 6 tháng đầu năm 2024." in text
    assert "tỷ lệ so với tổng số" not in text  # nothing is recognised by June
    assert "Trung tâm học tập cộng đồng đã mở 1 lớp với 30 lượt người tham gia." in text
    assert text.count("Tổng cộng") == 1

    expected = [
        ("Chi hội tổ dân phố số 1", 1, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0),
        ("Chi hội Trường Tiểu học Bạch Đằng", 1, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0),
        ("Hội Khuyến học phường Bạch Đằng (số liệu riêng)", 0, 0, 10_400, 0, 0, 7_000_000, 3_000_000, 0)
        + (10_000_000, 0, 0, 1),
        ("Tổng cộng", 2, 0, 10_400, 8, 1, 7_000_000, 3_000_000, 0, 10_000_000, 0, 0, 1),
    ]
    xlsx, docx = returns(content)
    assert xlsx == expected and docx == expected
