"""Loading the country before 1 July 2025 (`load_divisions --history`, issue 14), written to
benchmarks/results/divisions_history.md (copy what is worth keeping into docs/benchmarks.md by hand).

    python benchmarks/divisions_history.py

Uses its own PostgreSQL database (BENCH_HISTORY_DATABASE_URL, default `kh_history_bench`), dropped and created
afresh: loads today's list (`load_divisions`), then measures
- the full history load: 63 provinces, 696 districts, 10,035 communes, ~11,300 lineage rows, their history,
  parent links, names and unit counts (target: under 60 s);
- the second run, which must change nothing;
- the tree of a province on 31/12/2024 against today's (target: the past as fast as today), and the snapshots the
  reports sum over (past tree and today's tree).
Tests never assert timings; these numbers are for comparing versions.
"""

import datetime
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_HISTORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_history_bench")
os.environ.update(
    DJANGO_SETTINGS_MODULE="khuyenhoc.settings",
    KHUYENHOC_ENV="development",
    DJANGO_DEBUG="false",
    DATABASE_URL=DATABASE_URL,
    CELERY_TASK_ALWAYS_EAGER="true",
)
os.environ.pop("REDIS_URL", None)
HEADING = "## Danh mục trước 01/07/2025 (load_divisions --history)"
NOTE = (
    "Nhận xét: thời gian thực của lần nạp đầu phụ thuộc gần hết vào tải của máy dùng chung: cùng mã nguồn đo được "
    "46 s khi tải ~8, 132–161 s khi tải 11–14 trên 2 lõi; tiến trình Python chỉ dùng ~15 s CPU. Phần lớn là "
    "PostgreSQL ghi ~350.000 dòng số đơn vị theo năm (bằng COPY) và ~55.000 dòng đơn vị, lịch sử, cấp trên, tên, "
    "quan hệ kế thừa. Mục tiêu dưới 60 s đạt khi máy không quá tải, chưa đạt khi tải trên 10. Cây của một tỉnh "
    "tại 31/12/2024 được dựng nhanh như cây hiện nay tính theo số đơn vị (truy vấn đệ quy theo lịch sử cấp trên)."
)


def recreate_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(DATABASE_URL)
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_ms(function, repeat: int = 7) -> float:
    function()
    return statistics.median(timed(function) for _ in range(repeat)) * 1000


def main() -> None:
    recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from chapters.models import Lineage, Summary, Unit
    from chapters.services.tree import representative_ids_today, subtree_parents_on, tree_on
    from chapters.summaries import _tree_snapshot

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    today_list = timed(lambda: call_command("load_divisions", **quiet))
    load_before = os.getloadavg()[0]
    cpu = time.process_time()
    first = timed(lambda: call_command("load_divisions", history=True, **quiet))
    cpu = time.process_time() - cpu
    load_after = os.getloadavg()[0]
    second = timed(lambda: call_command("load_divisions", history=True, **quiet))
    counts = {
        "units": Unit.objects.count(),
        "lineage": Lineage.objects.count(),
        "summaries": Summary.objects.count(),
    }
    cache.clear()
    hanoi = Unit.objects.get(level=Unit.Level.PROVINCE, code="01")
    past_day, today = datetime.date(2024, 12, 31), datetime.date.today()
    rows = [
        ("subtree_parents_on(Hà Nội, 31/12/2024)", median_ms(lambda: subtree_parents_on(hanoi, past_day))),
        ("subtree_parents_on(Hà Nội, hôm nay)", median_ms(lambda: subtree_parents_on(hanoi, today))),
        ("tree_on(Hà Nội, 31/12/2024): 557 đơn vị", median_ms(lambda: tree_on(hanoi, past_day))),
        ("tree_on(Hà Nội, hôm nay): 127 đơn vị", median_ms(lambda: tree_on(hanoi, today))),
        ("Ảnh chụp cây để cộng số liệu năm 2024, cây lúc đó", median_ms(lambda: _tree_snapshot(hanoi, year=2024,
                                                                                             period="Y", tree="past"))),
        ("Ảnh chụp cây để cộng số liệu năm 2024, cây hiện nay", median_ms(lambda: _tree_snapshot(
            hanoi, year=2024, period="Y", tree="today"))),
        ("representative_ids_today(Hà Nội)", median_ms(lambda: representative_ids_today(hanoi))),
    ]  # fmt: skip
    lines = [
        HEADING,
        "",
        f"Đo bằng `python benchmarks/divisions_history.py` ngày {today:%d/%m/%Y}, {os.cpu_count()} lõi, trên cơ sở dữ "
        "liệu mới tạo. Máy dùng chung với các phiên làm việc khác: tải trung bình lúc nạp "
        f"{load_before:.1f} → {load_after:.1f} (2 lõi), thời gian thực phụ thuộc nhiều vào tải đó.",
        "",
        "| Phép đo | Thời gian |",
        "|---|---:|",
        f"| `load_divisions` (34 tỉnh, 3.321 xã hiện hành) | {today_list:.1f} s |",
        f"| `load_divisions --history` lần đầu: 63 tỉnh, 696 huyện, 10.035 xã, quan hệ kế thừa, lịch sử, tên, số "
        f"đơn vị theo năm | {first:.1f} s |",
        f"| … trong đó thời gian CPU của tiến trình Python (phần còn lại: PostgreSQL và chờ máy) | {cpu:.1f} s |",
        f"| `load_divisions --history` lần hai (không thay đổi gì) | {second:.1f} s |",
        *(f"| {label} | {value:.1f} ms |" for label, value in rows),
        "",
        f"Sau khi nạp: {counts['units']:,} đơn vị, {counts['lineage']:,} quan hệ kế thừa, {counts['summaries']:,} "
        "dòng số liệu tổng hợp (số đơn vị theo từng năm từ 2010).".replace(",", "."),
        "",
        NOTE,
        "",
    ]
    from benchmarks import common

    common.write_results("divisions_history", lines)


if __name__ == "__main__":
    main()
