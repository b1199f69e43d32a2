"""Helpers for the import tests: spreadsheets built in the test itself (few binary fixtures are committed)."""

import csv
import io
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook


def xlsx_bytes(rows: list[list], sheets: dict[str, list[list]] | None = None) -> bytes:
    """An .xlsx with `rows` on its first sheet (and more sheets by name)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dữ liệu"
    for row in rows:
        sheet.append(row)
    for name, more in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in more:
            extra.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def xls_bytes(rows: list[list]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter).writerows(rows)
    text = stream.getvalue()
    if encoding == "cp1258":
        return cp1258(text)
    return text.encode(encoding)


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: letters with their modifier precomposed, tones combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, bytes) → a Path in a temporary folder."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def upload(write_file):
    """upload(kind, rows, user=..., unit=..., name=...) → a validated ImportJob (rows: a list of rows, or bytes)."""
    from core.imports import jobs

    def run(kind: str, rows, *, user=None, unit=None, name: str = "tep.xlsx"):
        data = rows if isinstance(rows, bytes) else xlsx_bytes(rows)
        job, read = jobs.job_create(kind=kind, path=write_file(name, data), file_name=name, unit=unit, user=user)
        return jobs.job_validate(job, read)

    return run
