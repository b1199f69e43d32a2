"""Issue 15, item 1: every format is bounded before it is expanded (declared rows × columns), and the reading
process has a hard memory ceiling of its own."""

import zipfile

import pytest

from core.spreadsheets.reading import FileRejected, read_file
from tests.imports.conftest import xls_bytes

ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">
<table:table-row><table:table-cell office:value-type="string"><text:p>Mã</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Năm</text:p></table:table-cell></table:table-row>
{rows}
<table:table-row table:number-rows-repeated="1048000">
<table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
BOMB_ROW = (
    '<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="string" '
    'table:number-columns-repeated="{columns}"><text:p>x</text:p></table:table-cell></table:table-row>'
)


def ods(path, rows: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", ODS_CONTENT.replace("\n<", "<").format(rows=rows))
    return path


def test_an_ods_with_repeated_rows_and_columns_is_refused_before_it_is_expanded(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 100_000  # the real limit is 15 million: the same bomb, smaller
    path = ods(tmp_path / "bom.ods", BOMB_ROW.format(rows=2_000, columns=100))
    assert path.stat().st_size < 3000
    with pytest.raises(FileRejected, match="vùng dữ liệu quá lớn"):
        read_file(path)


def test_an_ods_with_only_empty_repeated_rows_reads_normally(tmp_path, settings):
    """LibreOffice writes empty rows repeated to the end of the sheet: they hold no cell and cost nothing."""
    settings.IMPORT_MAX_CELLS = 100_000
    read = read_file(ods(tmp_path / "binh-thuong.ods", BOMB_ROW.format(rows=3, columns=2)))
    assert [cells[:2] for _number, cells in read.sheets[0].rows] == [["Mã", "Năm"], ["x", "x"], ["x", "x"], ["x", "x"]]


def test_an_xls_with_cells_far_apart_is_refused_before_it_is_read(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 100_000
    rows = [["Mã", "Năm"]] + [[None] * 2 for _ in range(2_000)]
    rows[-1] = [None] * 199 + ["xa"]
    path = tmp_path / "xa.xls"
    path.write_bytes(xls_bytes(rows))
    with pytest.raises(FileRejected, match="vùng dữ liệu quá lớn"):
        read_file(path)


def test_a_csv_row_with_too_many_columns_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 100_000
    path = tmp_path / "rong.csv"
    path.write_text("Mã,Năm\n" + "x," * 20_000 + "\n" + "\n".join(f"a{i},2024" for i in range(10)), encoding="utf-8")
    with pytest.raises(FileRejected, match="vùng dữ liệu quá lớn"):
        read_file(path)


def test_the_reading_process_has_a_memory_ceiling(tmp_path, settings):
    """Past every estimate (the limits set out of the way), the reader itself cannot grow beyond its ceiling:
    the file is refused and this process is untouched."""
    settings.IMPORT_MAX_CELLS = 10**12
    settings.IMPORT_READ_MEMORY_MB = 64
    path = ods(tmp_path / "bom.ods", BOMB_ROW.format(rows=200_000, columns=100))
    with pytest.raises(FileRejected, match="bộ nhớ"):
        read_file(path)
