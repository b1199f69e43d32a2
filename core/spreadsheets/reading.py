"""Reading an uploaded file safely: size first, then the real type by content, then a zip-bomb guard, then the
cells (design.md §5).

Order matters: the size is checked before a byte is read (a 50 MB file is refused from its size alone); the
type comes from the first bytes, never from the name (a program renamed .xlsx is refused); an .xlsx is a zip
whose central directory is checked (total uncompressed size, compression ratio, the worksheets' cell area)
before anything is decompressed into memory. Cells are read with python-calamine (.xlsx, .xls, .ods) or the csv
module (UTF-8 with or without BOM, UTF-16, Windows-1258), and only non-empty rows are kept, so a sheet whose
used range runs to row 1,048,576 costs a fraction of a second.
"""

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from core.formatting import number

from .encodings import decode_text

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PROGRAM_SIGNATURES = {
    b"MZ": "chương trình Windows (.exe, .dll)",
    b"\x7fELF": "chương trình Linux",
    b"\xca\xfe\xba\xbe": "chương trình macOS",
    b"\xcf\xfa\xed\xfe": "chương trình macOS",
    b"\xce\xfa\xed\xfe": "chương trình macOS",
    b"#!": "tập lệnh (script)",
}
OTHER_SIGNATURES = {
    b"%PDF": "tài liệu PDF",
    b"\x89PNG": "ảnh PNG",
    b"\xff\xd8\xff": "ảnh JPEG",
    b"Rar!": "tệp nén RAR",
    b"7z\xbc\xaf": "tệp nén 7z",
    b"\x1f\x8b": "tệp nén gzip",
}
SHEET_TYPES = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97–2003 (.xls)", "ods": "OpenDocument (.ods)", "csv": "CSV"}
MAX_ZIP_ENTRIES = 5000


class FileRejected(Exception):
    """A file refused as a whole; `message` is Vietnamese and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The non-empty rows of one sheet: (row number as Excel shows it, cells)."""

    name: str
    rows: list[tuple[int, list]] = field(default_factory=list)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB".replace(".", ",") if size >= 1024 * 1024 else f"{number(size)} byte"


def check_size(size: int) -> None:
    maximum = settings.UPLOAD_MAX_BYTES
    if size > maximum:
        raise FileRejected(
            f"Tệp quá lớn ({_mb(size)}); hệ thống chỉ nhận tệp đến {_mb(maximum)}. "
            "Hãy chia dữ liệu thành nhiều tệp nhỏ hơn rồi nhập lần lượt."
        )
    if size == 0:
        raise FileRejected("Tệp rỗng: không có dữ liệu nào để nhập.")


def detect_type(head: bytes) -> str:
    """ "xlsx" (a zip: .xlsx or .ods), "xls" (OLE2) or "csv" (text), from the first bytes of the file."""
    for signature, what in PROGRAM_SIGNATURES.items():
        if head.startswith(signature):
            raise FileRejected(
                f"Tệp này là {what}, không phải bảng tính, dù tên tệp có thể ghi .xlsx hoặc .xls. "
                "Vì an toàn, hệ thống không nhận tệp này. Hãy mở bảng tính bằng Excel và lưu lại thành .xlsx."
            )
    if head.startswith(ZIP_SIGNATURES):
        return "xlsx"
    if head.startswith(OLE_SIGNATURE):
        return "xls"
    for signature, what in OTHER_SIGNATURES.items():
        if head.startswith(signature):
            raise FileRejected(f"Tệp này là {what}, không phải bảng tính. Hãy chọn tệp Excel (.xlsx, .xls) hoặc .csv.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text (Excel's "Unicode text")
    if b"\x00" in head or sum(byte < 9 or 13 < byte < 32 for byte in head) > len(head) // 100 + 1:
        raise FileRejected(
            "Tệp không phải là bảng tính Excel (.xlsx, .xls) hay tệp .csv. "
            "Hãy mở tệp bằng Excel và lưu lại thành .xlsx."
        )
    return "csv"


# Excel writes the reference as the first attribute (<row r="12" ...>, <c r="B12" ...>): literal prefixes keep
# the scan at the speed of memchr.
_ROW_NUMBER = re.compile(rb"<row r=\"(\d+)\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"[A-Z]*\d*:?([A-Z]{1,3})\d+\"")


def _column_number(letters: bytes) -> int:
    result = 0
    for letter in letters:
        result = result * 26 + letter - 64
    return result


def _beyond(column: int) -> re.Pattern:
    """Cells whose column is past `column` (1-based): the rare cells a scan has to look at one by one."""
    if column >= 26:
        letters = rb"[A-Z]{3}" if column >= 702 else rb"[A-Z]{2,3}"
    else:
        letters = rb"(?:[" + bytes([65 + column]) + rb"-Z]|[A-Z]{2,3})"
    return re.compile(rb"<c r=\"(" + letters + rb")\d")


def _worksheet_area(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) of the cells in one worksheet, streamed in chunks (never all in memory).

    The sheet's <dimension> gives a first guess of the last column; only cells beyond it are looked at one by
    one, so a sheet used down to row 1,048,576 is scanned at the speed of decompression."""
    last_row, last_column, tail, pattern = 0, 0, b"", None
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            if pattern is None:
                dimension = _DIMENSION.search(data[:4096])
                last_column = _column_number(dimension.group(1)) if dimension else 0
                pattern = _beyond(last_column)
            rows = _ROW_NUMBER.findall(data, max(0, len(data) - 200_000))
            if rows:
                last_row = max(last_row, int(rows[-1]))
            for letters in set(pattern.findall(data)):
                column = _column_number(letters)
                if column > last_column:
                    last_column = column
                    pattern = _beyond(last_column)
            tail = data[-300:]
    return last_row, last_column


def _refuse_area(rows: int, columns: int) -> None:
    if rows * columns > _limit("IMPORT_MAX_CELLS", 15_000_000):
        raise FileRejected(
            f"Một trang tính có vùng dữ liệu quá lớn ({number(rows)} dòng × {number(columns)} cột). "
            "Hãy xóa các dòng, cột thừa ở cuối trang tính rồi lưu lại."
        )


# OpenDocument repeats a row or a cell with an attribute instead of writing it out: a 3 KB file can declare
# 200,000 rows of 100 filled cells. The tags are read as a stream and the repeats multiplied out, without
# building anything.
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s>/])([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb'number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'number-columns-repeated="(\d+)"')


def _ods_area(archive: zipfile.ZipFile) -> None:
    """Refuse a sheet whose filled cells (repeats counted) span more than IMPORT_MAX_CELLS; empty rows and cells
    repeated to the end of a sheet (what LibreOffice writes) count for nothing, as calamine keeps none of them."""
    last_row = last_column = row = column = row_last = 0
    repeat_rows, tail = 1, b""
    with archive.open("content.xml") as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            end = 0
            for match in _ODS_TAG.finditer(data):
                closing, name, attributes, empty = match.groups()
                end = match.end()
                if name == b"table" and not closing:
                    _refuse_area(last_row, last_column)
                    last_row = last_column = row = 0
                elif name == b"table-row":
                    if not closing:
                        found = _ROWS_REPEATED.search(attributes)
                        repeat_rows, column, row_last = int(found.group(1)) if found else 1, 0, 0
                    if closing or empty:
                        if row_last:
                            last_row, last_column = row + repeat_rows, max(last_column, row_last)
                            _refuse_area(last_row, last_column)
                        row += repeat_rows
                elif not closing:
                    found = _COLUMNS_REPEATED.search(attributes)
                    repeat = int(found.group(1)) if found else 1
                    column += repeat
                    if not empty or b"value-type" in attributes:
                        row_last = column
            tail = data[end:] if len(data) - end < 1 << 16 else data[-4096:]
    _refuse_area(last_row, last_column)


# BIFF records of .xls cells: row and column come first in each; MULRK and MULBLANK end with their last column.
_XLS_CELLS = {0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x0006, 0x00D6, 0x0207}
_XLS_MULTI = {0x00BD, 0x00BE}


def guard_xls(path: Path) -> None:
    """The .xls counterpart of the zip guard: the cells' rows and columns are read from the records (never
    trusting the declared dimensions), sheet by sheet, before calamine builds its dense grid."""
    import struct

    from xlrd.compdoc import CompDoc, CompDocError

    try:
        document = CompDoc(path.read_bytes(), logfile=io.StringIO())
        stream = document.get_named_stream("Workbook") or document.get_named_stream("Book")
    except (CompDocError, struct.error, IndexError, ValueError):
        return  # not a readable compound document: calamine says so in its own words
    if not stream:
        return
    position, size = 0, len(stream)
    last_row = last_column = 0
    while position + 4 <= size:
        record, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        if record == 0x0809:  # BOF: a new sheet
            _refuse_area(last_row, last_column)
            last_row = last_column = 0
        elif record in _XLS_CELLS and length >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
        elif record in _XLS_MULTI and length >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            column = struct.unpack_from("<H", stream, body + length - 2)[0]
            last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
        position = body + length
    _refuse_area(last_row, last_column)


def guard_zip(path: Path) -> str:
    """Refuse zip bombs and zips that are not spreadsheets, looking only at the central directory and streaming
    the worksheets. Returns "xlsx" or "ods"."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRejected("Tệp .xlsx bị hỏng hoặc không đọc được. Hãy mở bằng Excel và lưu lại thành .xlsx.") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRejected("Tệp nén có quá nhiều thành phần: đây không phải bảng tính bình thường.")
        names = {entry.filename for entry in entries}
        total = sum(entry.file_size for entry in entries)
        max_total = _limit("IMPORT_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024)
        max_ratio = _limit("IMPORT_MAX_ZIP_RATIO", 200)
        bomb = total > max_total or any(
            entry.file_size > 1024 * 1024 and entry.file_size > max_ratio * max(entry.compress_size, 1)
            for entry in entries
        )
        if bomb:
            raise FileRejected(
                f"Tệp .xlsx này khi giải nén chiếm {_mb(total)}, bất thường so với dung lượng tệp "
                "(có thể là «bom nén» gây treo máy). Hệ thống không mở tệp này. "
                "Hãy mở bằng Excel, xóa các vùng thừa và lưu lại."
            )
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.sp"):
            kind = "ods"
        elif any(name.startswith("word/") for name in names):
            raise FileRejected("Tệp này là văn bản Word, không phải bảng tính. Hãy chọn tệp Excel (.xlsx, .xls).")
        else:
            raise FileRejected("Tệp nén này không phải bảng tính Excel. Hãy chọn tệp .xlsx, .xls hoặc .csv.")
        for entry in entries:
            if kind == "xlsx" and entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                _refuse_area(*_worksheet_area(archive, entry))
        if kind == "ods" and "content.xml" in names:
            _ods_area(archive)
    return kind


def _is_empty(cell) -> bool:
    return cell is None or cell == "" or (isinstance(cell, str) and not cell.strip())


def _keep_row(rows: list, number: int, cells: list) -> None:
    for cell in cells:
        if not _is_empty(cell):
            rows.append((number, list(cells)))
            return


def _read_workbook(path: Path, file_type: str) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, ValueError, OSError) as error:
        what = SHEET_TYPES.get(file_type, file_type)
        raise FileRejected(
            f"Không đọc được tệp {what}: tệp bị hỏng hoặc đặt mật khẩu. "
            "Hãy mở bằng Excel, bỏ mật khẩu và lưu lại thành .xlsx."
        ) from error
    sheets = []
    try:
        for index, name in enumerate(workbook.sheet_names):
            try:
                sheet = workbook.get_sheet_by_index(index)
            except Exception:  # noqa: BLE001 - a chart sheet or an unreadable one: skip it, read the others
                continue
            start = sheet.start
            if start is None:
                sheets.append(Sheet(name=name))
                continue
            first_row, first_column = start
            rows: list[tuple[int, list]] = []
            for offset, cells in enumerate(sheet.iter_rows()):
                if cells.count("") == len(cells):
                    continue  # the usual empty row, skipped at C speed
                _keep_row(rows, first_row + offset + 1, [None] * first_column + cells if first_column else cells)
            sheets.append(Sheet(name=name, rows=rows))
    except CalamineError as error:
        raise FileRejected("Không đọc được nội dung bảng tính: tệp bị hỏng.") from error
    finally:
        workbook.close()
    return sheets


def _read_csv(path: Path) -> tuple[list[Sheet], str]:
    text, encoding = decode_text(path.read_bytes())
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list]] = []
    line, widest = 1, 0
    for cells in reader:
        widest = max(widest, len(cells))
        _refuse_area(reader.line_num, widest)
        _keep_row(rows, line, cells)
        line = reader.line_num + 1
    return [Sheet(name=path.name, rows=rows)], encoding


@dataclass
class ReadFile:
    file_type: str  # xlsx, xls, ods, csv
    sheets: list[Sheet]
    text_encoding: str = ""  # for CSV files

    @property
    def type_label(self) -> str:
        label = SHEET_TYPES.get(self.file_type, self.file_type)
        return f"{label}, {self.text_encoding}" if self.text_encoding else label


def _read_checked(path: Path) -> ReadFile:
    with path.open("rb") as stream:
        head = stream.read(8192)
    file_type = detect_type(head)
    if file_type == "xlsx":
        file_type = guard_zip(path)
    elif file_type == "xls":
        guard_xls(path)
    if file_type == "csv":
        sheets, encoding = _read_csv(path)
        return ReadFile(file_type="csv", sheets=sheets, text_encoding=encoding)
    return ReadFile(file_type=file_type, sheets=_read_workbook(path, file_type))


def _child(path: Path, ceiling: int, output: int) -> None:
    """In the reading process: cap the address space, read, write the pickled outcome to `output`."""
    import faulthandler
    import pickle
    import resource

    faulthandler.disable()  # an abort for lack of memory is the expected end here, not a crash to dump
    try:
        with open("/proc/self/statm") as statm:  # what the forked process already maps (pages)
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (mapped + ceiling, mapped + ceiling))
        try:
            outcome = ("ok", _read_checked(path))
        except FileRejected as error:
            outcome = ("rejected", error.message)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", ""))
    view = memoryview(data)
    while view:
        view = view[os.write(output, view[: 1 << 20]) :]


MEMORY_MESSAGE = (
    "Tệp cần quá nhiều bộ nhớ để đọc (bảng tính khai báo vùng dữ liệu rất lớn hoặc bị hỏng). Hệ thống không mở "
    "tệp này. Hãy mở bằng Excel, xóa các dòng, cột thừa rồi lưu lại thành .xlsx."
)


def _read_bounded(path: Path) -> ReadFile:
    """Read in a forked process whose address space is capped (IMPORT_READ_MEMORY_MB over what it inherits):
    whatever a file manages to declare past the estimates, the reader dies alone — calamine aborts on a failed
    allocation, which a limit inside the web or Celery process would turn into a crash of that process. A plain
    fork, not multiprocessing: Celery's pool processes are daemons, which multiprocessing forbids to have
    children."""
    import pickle

    ceiling = _limit("IMPORT_READ_MEMORY_MB", 1024) * 1024 * 1024
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(reader)
            _child(path, ceiling, writer)
        finally:
            os._exit(0)
    os.close(writer)
    chunks = []
    try:
        while chunk := os.read(reader, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(reader)
        os.waitpid(pid, 0)
    try:
        status, payload = pickle.loads(b"".join(chunks))
    except (pickle.UnpicklingError, EOFError, ValueError):
        status, payload = "memory", ""  # killed or aborted half-way: it ran out of memory
    if status == "ok":
        return payload
    if status == "rejected":
        raise FileRejected(payload)
    raise FileRejected(MEMORY_MESSAGE)


def read_file(path: Path) -> ReadFile:
    """Every check, then every sheet's non-empty rows. Raises FileRejected with a Vietnamese message.

    The size is checked here; the type, the bomb guards (every format's rows × columns, counted before anything
    is expanded) and the reading run in a child process with a memory ceiling (`_read_bounded`) where the
    platform allows it (Linux: /proc and fork), else in this process."""
    path = Path(path)
    check_size(path.stat().st_size)
    if getattr(settings, "IMPORT_READ_MEMORY_MB", 1024) and Path("/proc/self/statm").exists():
        return _read_bounded(path)
    return _read_checked(path)
