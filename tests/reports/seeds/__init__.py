"""Datasets for the seed reports (domain.md §8), written as the spreadsheets a secretary would import.

Each seed module describes its data in Python and writes it into a temporary folder as .xlsx (small sheets, as
secretaries keep them) or .csv (the row-heavy lists), with the Vietnamese headers of the import templates
(docs/import-formats.md). `load()` then runs `import_data KIND FILE` for each file, in the order a secretary
would: units, baseline figures, members, households, clans, fund vouchers, awards, titles, classes. Nothing
here writes to the database directly, except what the application has no import format for (opening a fund, a
province adopting its own criteria set), which goes through the same service as its screen.
"""

import csv
import datetime
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lò", "Cầm"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Đình", "Công", "Ngọc"]
MIDDLE_FEMALE = ["Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Phương", "Kim", "Thúy", "Bích"]
GIVEN_MALE = (
    "An Bình Cường Dũng Đức Giang Hải Hùng Khánh Long Minh Nam Phong Quân Sơn Tài Thắng Trung Tuấn Việt".split()
)
GIVEN_FEMALE = "Anh Chi Dung Đào Hà Hạnh Hoa Hương Lan Linh Mai Nga Nhung Oanh Phương Quỳnh Thảo Trang Vân Yến".split()


def person_name(index: int, female: bool) -> str:
    """A Vietnamese full name, different for each index below 58,800."""
    middle = MIDDLE_FEMALE if female else MIDDLE_MALE
    given = GIVEN_FEMALE if female else GIVEN_MALE
    i = index
    g, i = given[i % len(given)], i // len(given)
    m, i = middle[i % len(middle)], i // len(middle)
    f, i = FAMILY[i % len(FAMILY)], i // len(FAMILY)
    # Past 2,800 names a second middle name keeps them apart ("Nguyễn Văn Minh An").
    extra = "" if i == 0 else f" {(GIVEN_FEMALE if female else GIVEN_MALE)[(i - 1) % 20]}"
    return f"{f} {m}{extra} {g}"


def fmt(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def split(total: int, parts: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """`total` split into `parts` whole numbers of at least `minimum`, uneven like real chapters, summing exactly."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = (total - minimum * parts) / sum(weights)
    values = [minimum + int(w * scale) for w in weights]
    for index in range(total - sum(values)):  # what rounding left over, one each
        values[index % parts] += 1
    assert sum(values) == total and min(values) >= minimum
    return values


@dataclass
class Sheet:
    """One file to import: its kind, headers (as in the template) and rows."""

    kind: str
    name: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    fmt: str = "xlsx"  # "xlsx" or "csv"

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.{self.fmt}"
        if self.fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(self.headers)
            writer.writerows(self.rows)
            path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(self.name[:31])
            sheet.append(self.headers)
            for row in self.rows:
                sheet.append(row)
            workbook.save(path)
        return path


def load(folder: Path, sheets: list[Sheet]) -> dict[str, float]:
    """Write each sheet and import it with `import_data` (full scope, as an operator would). Returns the seconds
    each import took, for the test's report."""
    import time

    timings = {}
    for sheet in sheets:
        path = sheet.write(folder)
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        try:
            call_command("import_data", sheet.kind, str(path), stdout=out, stderr=err)
        except Exception as error:
            raise AssertionError(
                f"import_data {sheet.kind} {path.name} failed: {error}\n{err.getvalue()[:3000]}"
            ) from error
        timings[sheet.name] = time.perf_counter() - started
        assert "0 có lỗi" in out.getvalue(), out.getvalue() + err.getvalue()[:3000]
    return timings
