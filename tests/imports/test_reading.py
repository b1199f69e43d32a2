"""Whole-file checks before any cell is read: size, real type, zip bombs; and reading every format."""

import pathlib
import time
import zipfile

import pytest

from chapters.imports.baseline import baseline_kind
from core.spreadsheets.headers import find_header
from core.spreadsheets.reading import FileRejected, read_file
from tests.imports.conftest import csv_bytes, xls_bytes, xlsx_bytes

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, text) -> str:
    if isinstance(text, int):
        return f'<c r="{ref}"><v>{text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def raw_xlsx(path: pathlib.Path, rows: list[list], *, empty_rows_to: int = 0, far_cell: str = "") -> pathlib.Path:
    """An .xlsx written by hand: `rows` from A1, then (optionally) rows of empty-string cells down to
    `empty_rows_to` — what a sheet "used" to row 1,048,576 looks like — or one cell far away."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/')
            sheet.write(b'spreadsheetml/2006/main"><sheetData>')
            for number, row in enumerate(rows, start=1):
                cells = "".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(row))
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            chunk = []
            for number in range(len(rows) + 1, empty_rows_to + 1):
                chunk.append(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t></t></is></c></row>')
                if len(chunk) == 10000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write("".join(chunk).encode())
            if far_cell:
                row_number = "".join(ch for ch in far_cell if ch.isdigit())
                sheet.write(f'<row r="{row_number}">{_cell(far_cell, "x")}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_50_mb_file_is_refused_from_its_size_without_being_read(tmp_path, monkeypatch):
    big = tmp_path / "lon.xlsx"
    with big.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing written

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(pathlib.Path, "open", no_reading)
    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    with pytest.raises(FileRejected, match=r"Tệp quá lớn \(50 MB\).*20 MB"):
        read_file(big)


def test_a_renamed_program_is_refused(write_file):
    path = write_file("danh-sach.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run")
    with pytest.raises(FileRejected, match="chương trình Windows"):
        read_file(path)


def test_an_empty_file_and_a_pdf_are_refused(write_file):
    with pytest.raises(FileRejected, match="Tệp rỗng"):
        read_file(write_file("rong.xlsx", b""))
    with pytest.raises(FileRejected, match="tài liệu PDF"):
        read_file(write_file("bao-cao.xlsx", b"%PDF-1.7\n..."))


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            zeros = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros, a few dozen KB compressed
                sheet.write(zeros)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(FileRejected, match="bom nén"):
        read_file(path)


def test_a_zip_whose_total_size_is_too_big_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10_000
    path = tmp_path / "to.xlsx"
    path.write_bytes(xlsx_bytes([["Mã", "Năm"]] + [[f"ma-{i}", 2024] for i in range(500)]))
    with pytest.raises(FileRejected, match="bom nén"):
        read_file(path)


def test_a_word_document_is_refused(tmp_path):
    path = tmp_path / "van-ban.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(FileRejected, match="văn bản Word"):
        read_file(path)


def test_a_cell_far_away_that_would_fill_memory_is_refused(tmp_path):
    path = raw_xlsx(tmp_path / "xa.xlsx", [["Mã", "Năm"]], far_cell="XFD1048576")
    with pytest.raises(FileRejected, match="vùng dữ liệu quá lớn"):
        read_file(path)


def test_a_sheet_used_down_to_row_1048576_reads_fast_and_keeps_only_data(tmp_path):
    path = raw_xlsx(tmp_path / "dai.xlsx", [["Mã đơn vị", "Năm"], ["10001-01", 2024]], empty_rows_to=1_048_576)
    started = time.monotonic()
    read = read_file(path)
    assert time.monotonic() - started < 20  # seconds, on a loaded 2-core machine; typically about one
    assert [number for number, _cells in read.sheets[0].rows] == [1, 2]
    match = find_header(read.sheets, baseline_kind)
    assert (match.row_number, [number for number, _cells in match.data_rows]) == (1, [2])


def test_xls_csv_and_xlsx_give_the_same_cells(write_file):
    rows = [["Mã đơn vị", "Năm", "Tên đơn vị"], ["10001-01", 2024, "Chi hội tổ dân phố số 1"]]
    for name, data in [
        ("a.xlsx", xlsx_bytes(rows)),
        ("a.xls", xls_bytes(rows)),
        ("a.csv", csv_bytes(rows)),
        ("b.csv", csv_bytes(rows, encoding="cp1258", delimiter=";")),
        ("c.csv", b"\xef\xbb\xbf" + csv_bytes(rows)),
    ]:
        read = read_file(write_file(name, data))
        cells = read.sheets[0].rows[1][1]
        assert [str(cells[0]), int(float(cells[1])), cells[2]] == ["10001-01", 2024, "Chi hội tổ dân phố số 1"], name


def test_the_type_comes_from_the_content_not_the_name(write_file):
    read = read_file(write_file("that-ra-la-xlsx.csv", xlsx_bytes([["Mã", "Năm"]])))
    assert read.file_type == "xlsx"
