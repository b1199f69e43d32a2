"""Writing .xlsx files: exports of a kind's rows and the blank template with its "Hướng dẫn" sheet.

Both use the kind's columns and headers, so an export imports back unchanged and the template is exactly what
the importer reads. Text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) is written with a leading "'"; the importer takes the "'" off again.
"""

import datetime
import io
from collections.abc import Iterable
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
NUMBER_FORMAT = "#,##0"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="9C1C1C")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetKind(Protocol):
    """What the writer needs of an import kind (chapters.imports.kinds.ImportKind implements it)."""

    label: str
    description: str
    columns: list[Any]  # each with header, width, help, example, required, aliases, parser

    def export_queryset(self, user, unit=None): ...

    def export_rows(self, queryset) -> Iterable[list]: ...


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text that looks like a formula is kept as text."""
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    return value


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=neutralise(value))
    if isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        cell.number_format = NUMBER_FORMAT
    return cell


def _header_row(sheet, texts: list[str]):
    from openpyxl.cell import WriteOnlyCell

    row = []
    for text in texts:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        row.append(cell)
    return row


def write_rows(kind: SheetKind, rows: Iterable, stream=None) -> io.BytesIO:
    """The kind's columns as an .xlsx in `stream` (a new BytesIO by default), one row per item of `rows`."""
    stream = stream or io.BytesIO()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(kind.label[:31].replace("/", "-"))
    for index, column in enumerate(kind.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append(_header_row(sheet, [column.header for column in kind.columns]))
    for values in rows:
        sheet.append([_cell(sheet, value) for value in values])
    workbook.save(stream)
    stream.seek(0)
    return stream


def export_xlsx(kind: SheetKind, user, unit=None, stream=None) -> tuple[io.BytesIO, int]:
    """The rows `user` may see (under `unit`), as .xlsx; returns (stream, number of rows)."""
    count = 0

    def counted():
        nonlocal count
        for values in kind.export_rows(kind.export_queryset(user, unit)):
            count += 1
            yield values

    return write_rows(kind, counted(), stream), count


def template_xlsx(kind: SheetKind) -> io.BytesIO:
    """A blank sheet with the Vietnamese headers, and a "Hướng dẫn" sheet explaining every column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.label[:31].replace("/", "-")
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        labels = getattr(column.parser, "labels", None)
        if labels:
            listing = ",".join(labels)
            if len(listing) < 250:
                validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
                validation.error = "Hãy chọn một giá trị trong danh sách."
                sheet.add_data_validation(validation)
                validation.add(f"{get_column_letter(index)}2:{get_column_letter(index)}5000")
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 80
    guide.column_dimensions["D"].width = 26
    guide.append([f"Mẫu nhập: {kind.label}"])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([kind.description])
    guide.merge_cells("A2:D2")
    guide["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    guide.row_dimensions[2].height = 60
    guide.append(
        [
            "Ghi dữ liệu từ dòng 2 của trang đầu, mỗi dòng một bản ghi. Có thể dùng bảng tính sẵn có: tên cột được "
            "nhận ra dù viết hoa, không dấu hay khác đôi chút, các cột không dùng sẽ được bỏ qua."
        ]
    )
    guide.merge_cells("A3:D3")
    guide["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    guide.row_dimensions[3].height = 45
    guide.append([])
    guide.append(["Cột", "Bắt buộc", "Cách ghi", "Ví dụ"])
    for cell in guide[5]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for column in kind.columns:
        names = ", ".join(f"«{alias}»" for alias in column.aliases[:6])
        text = column.help + (f" Cũng nhận tên cột: {names}." if names else "")
        guide.append([column.header, "Có" if column.required else "", text, column.example])
        guide.cell(row=guide.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


PERCENT_FORMAT = "0.0%"


def write_table(
    *,
    title: str,
    sheet_name: str,
    headers: list[str],
    rows: Iterable[list],
    widths: list[int],
    formats: list[str | None] | None = None,
    totals: list | None = None,
    stream=None,
) -> io.BytesIO:
    """A table that opens ready to print: a title line, a bold coloured header row frozen under it, column
    widths, number formats per column (NUMBER_FORMAT, PERCENT_FORMAT, …), a bold totals row, landscape A4
    fitted to the page width with the header repeated on every page. Values only, never formulas."""
    stream = stream or io.BytesIO()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31].replace("/", "-")
    formats = formats or [None] * len(headers)
    sheet.append([neutralise(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in rows:
        sheet.append([neutralise(value) for value in values])
    if totals is not None:
        sheet.append([neutralise(value) for value in totals])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for line in sheet.iter_rows(min_row=3):
        for cell, number_format in zip(line, formats, strict=False):
            if number_format and isinstance(cell.value, int | float):
                cell.number_format = number_format
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3" if len(headers) > 2 else "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.save(stream)
    stream.seek(0)
    return stream
