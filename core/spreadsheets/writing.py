"""Writing .xlsx files: the one writer of every spreadsheet the application produces — exports of a kind's
rows, the blank template with its "Hướng dẫn" sheet, and tables (dashboards, a report's statistical return)
through `table_xlsx`. Every value goes through `neutralise`, so no file the application writes holds a formula.

Exports and templates use the kind's columns and headers, so an export imports back unchanged and the template
is exactly what the importer reads. Text a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) is written with a leading "'"; the importer takes the "'" off again.
"""

import datetime
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.text import strip_controls

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

    # Kinds of personal data also have `personal = True`, `export_personal_scope(user, queryset)` (the rows the
    # user may take out as people; raises ExportRefused) and `export_logged(user, queryset, purpose)`.


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text that looks like a formula is kept as text, and control
    characters (which the file format cannot hold) are left out, so stored text never makes an export fail."""
    if isinstance(value, str):
        value = strip_controls(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    return value


def _cell(sheet, value, number_format: str = "", bold: bool = False):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=neutralise(value))
    if number_format and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        cell.number_format = NUMBER_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _number(value):
    """A Decimal as the number a spreadsheet holds: whole đồng and counts as int, anything else as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _shown(value, number_format: str) -> str:
    """Roughly what a cell shows, to fit its column's width."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{value * 100:.1f}%"
        if isinstance(value, float) and value != int(value):
            return f"{value:,.2f}"
        return f"{int(value):,}"
    if isinstance(value, datetime.date):
        return "00/00/0000"
    return str(value)


TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 6, 50
# Wider than this (in characters, all columns together) prints on a landscape page.
PORTRAIT_MAX_WIDTH = 95


def table_xlsx(
    *,
    sheet_title: str,
    header: list[str],
    rows: Iterable[list],
    title: str = "",
    total: list | None = None,
    formats: dict[int, str] | None = None,
    widths: dict[int, int] | None = None,
    frozen_columns: int = 0,
) -> bytes:
    """A one-sheet table that opens ready to read and to print: an optional bold title line, a bold header on a
    coloured band (frozen, with the first `frozen_columns` columns, e.g. the code and the name of each row), the
    rows and an optional bold total row. Whole numbers and money are numbers with a thousands grouping; `formats`
    gives another number format per column index (0-based). Columns are as wide as their content (capped;
    `widths` overrides one). Printed: A4, landscape when the table is wide, one page wide, the header row
    repeated on every page, the title in the page header. Every value is neutralised (no formula)."""
    formats = formats or {}
    rows = [[_number(value) for value in values] for values in rows]
    total = [_number(value) for value in total] if total is not None else None
    columns = max([len(header), *(len(values) for values in rows), len(total or [])])

    def number_format(index: int, value) -> str:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return ""
        if index in formats:
            return formats[index]
        return NUMBER_FORMAT if isinstance(value, int) or value == int(value) else "#,##0.00"

    fitted = []
    for index in range(columns):
        texts = [header[index] if index < len(header) else ""]
        for values in [*rows, *([total] if total else [])]:
            if index < len(values):
                texts.append(_shown(values[index], number_format(index, values[index])))
        # A header wraps onto two lines rather than widen a column of short numbers.
        longest = max(max((len(text) for text in texts[1:]), default=0), (len(texts[0]) + 1) // 2 + 1)
        fitted.append(min(TABLE_MAX_WIDTH, max(TABLE_MIN_WIDTH, longest + 2)))
    for index, width in (widths or {}).items():
        if index < columns:
            fitted[index] = width

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(neutralise(sheet_title)[:31].replace("/", "-"))
    for index, width in enumerate(fitted):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    header_row = 2 if title else 1
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape" if sum(fitted) > PORTRAIT_MAX_WIDTH else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if title:
        # "&" starts a code in a page header: doubled, it prints itself.
        sheet.oddHeader.center.text = neutralise(title).replace("&", "&&")
        sheet.oddHeader.center.size = 10
        sheet.oddFooter.right.text = "Trang &P/&N"
        sheet.append([_cell(sheet, title, bold=True)])
    sheet.append(_header_row(sheet, [neutralise(text) for text in header]))
    for values in rows:
        sheet.append([_cell(sheet, value, number_format(index, value)) for index, value in enumerate(values)])
    if total is not None:
        sheet.append([_cell(sheet, value, number_format(index, value), bold=True) for index, value in enumerate(total)])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


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


class ExportRefused(Exception):
    """An export the user may not make, or one without the purpose personal data needs; Vietnamese message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def export_xlsx(kind: SheetKind, user, unit=None, stream=None, *, purpose: str = "") -> tuple[io.BytesIO, int]:
    """The rows `user` may see (under `unit`), as .xlsx; returns (stream, number of rows). Every export is logged
    (DataExport) with its row count; a kind of personal data (`kind.personal`) is exported only for a stated
    purpose, and only the rows the kind lets this user take out as people (`kind.export_personal_scope`)."""
    from core.history import command_line
    from core.models import DataExport
    from core.text import nfc, person_name

    purpose = nfc(purpose)[:255]
    personal = getattr(kind, "personal", False)
    if personal and not purpose:
        raise ExportRefused("Hãy ghi mục đích xuất danh sách: đây là dữ liệu cá nhân (Luật 91/2025/QH15).")
    queryset = kind.export_queryset(user, unit)
    if personal:
        queryset = kind.export_personal_scope(user, queryset)
        kind.export_logged(user, queryset, purpose)
    count = 0

    def counted():
        nonlocal count
        for values in kind.export_rows(queryset):
            count += 1
            yield values

    stream = write_rows(kind, counted(), stream)
    authenticated = user if getattr(user, "is_authenticated", False) else None
    DataExport.objects.create(
        kind=kind.name,
        unit=unit,
        user=authenticated,
        user_name=(person_name(authenticated) if authenticated else command_line())[:255],
        purpose=purpose,
        personal=personal,
        rows=count,
    )
    return stream, count


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
