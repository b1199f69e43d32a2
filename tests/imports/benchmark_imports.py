"""Speed of the units and baseline imports on 20,000 rows (design.md §10 asks for measurements, not timers in
tests). Not collected by the test run; run it on PostgreSQL with:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/pytest tests/imports/benchmark_imports.py -s

It prints rows per second for reading the file, for validation (the preview) and for the commit made in the same
process, as `import_data` does (it re-checks versions, new keys and closed years inside its transaction, writes
with history and refreshes summaries). A commit from the web, in a later request, validates the file again first.
"""

import time

from chapters.models import BaselineFigure, Unit
from core.imports import jobs
from core.models import ImportJob
from tests.factories import ProvinceFactory
from tests.imports.conftest import xlsx_bytes

COMMUNES, CHAPTERS_PER_COMMUNE, YEARS = 200, 99, 10


def _timed(label, rows, function):
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"{label}: {rows} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    return result


def test_benchmark_units_and_baseline(db, write_file):
    ProvinceFactory(code="BM", name="Tỉnh Đo Tốc Độ")
    header = ["Mã đơn vị", "Tên đơn vị", "Loại", "Cấp", "Nơi tổ chức", "Mã đơn vị cấp trên", "Hoạt động từ"]
    rows = [header]
    for c in range(COMMUNES):
        rows.append([f"BM{c:03d}", f"Phường Số {c}", "Hội Khuyến học", "Xã", "", "BM", "01/07/2025"])
        for k in range(CHAPTERS_PER_COMMUNE):
            rows.append(
                [
                    f"BM{c:03d}-{k:02d}",
                    f"Chi hội tổ dân phố số {k}",
                    "Chi hội",
                    "Cơ sở",
                    "Tổ dân phố",
                    f"BM{c:03d}",
                    "01/07/2025",
                ]
            )
    path = write_file("units.xlsx", xlsx_bytes(rows))
    count = len(rows) - 1
    job, read = _timed(
        "units: read the file", count, lambda: jobs.job_create(kind="units", path=path, file_name="u.xlsx")
    )
    _timed("units: validate (preview)", count, lambda: jobs.job_validate(job, read))
    assert job.status == ImportJob.Status.VALID, job.errors[:5]
    _timed("units: commit (same process: rechecks, write, history, summaries)", count, lambda: jobs.job_commit(job))
    assert job.status == ImportJob.Status.DONE, job.message
    assert Unit.objects.filter(code__startswith="BM").count() == count + 1

    codes = [f"BM{c:03d}-{k:02d}" for c in range(COMMUNES) for k in range(CHAPTERS_PER_COMMUNE)][: 20_000 // YEARS]
    rows = [["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số người trưởng thành", "Số đảng viên"]]
    for code in codes:
        for year in range(2015, 2015 + YEARS):
            rows.append([code, year, "1.234", "300", "900", "25"])
    path = write_file("baseline.xlsx", xlsx_bytes(rows))
    count = len(rows) - 1
    job, read = _timed(
        "baseline: read the file", count, lambda: jobs.job_create(kind="baseline", path=path, file_name="b.xlsx")
    )
    _timed("baseline: validate (preview)", count, lambda: jobs.job_validate(job, read))
    assert job.status == ImportJob.Status.VALID, job.errors[:5]
    _timed("baseline: commit (same process: rechecks, write, history, summaries)", count, lambda: jobs.job_commit(job))
    assert job.status == ImportJob.Status.DONE, job.message
    assert BaselineFigure.objects.count() == count
    assert BaselineFigure.history.count() == count
