"""Run the benchmarks with one command and write docs/benchmarks.md.

    python benchmarks/run.py            (or: make bench)

Uses its own PostgreSQL database `kh_bench` (BENCH_DATABASE_URL to change it), fills it once with
`generate_dataset --scale province --tree-only`, then measures. Never run it against a database in use.
"""

import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_bench")
os.environ.update(
    DJANGO_SETTINGS_MODULE="khuyenhoc.settings",
    KHUYENHOC_ENV="development",
    DJANGO_DEBUG="false",
    DATABASE_URL=DATABASE_URL,
)
os.environ.pop("REDIS_URL", None)
NOTES_HEADING = "## Nhận xét"


def create_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(DATABASE_URL)
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} lõi ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB bộ nhớ; {platform.platform()}; "
        f"Python {platform.python_version()}; PostgreSQL {postgres}"
    )


def main() -> None:
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks import tree
    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Unit
    from core.formatting import number

    call_command("migrate", verbosity=0)
    if not Unit.objects.filter(notes=MARKER).exists():
        call_command("generate_dataset", scale="province", tree_only=True)
    results, context = tree.run()
    lines = [
        "# Đo tốc độ (benchmarks)",
        "",
        "Chạy lại bằng `python benchmarks/run.py` (hoặc `make bench`): lệnh dùng cơ sở dữ liệu riêng `kh_bench`,",
        "tạo dữ liệu một lần bằng `generate_dataset --scale province --tree-only`, rồi đo và ghi lại tệp này.",
        "Kiểm thử không bao giờ khẳng định thời gian; con số ở đây để so sánh giữa các phiên bản (design.md §10).",
        "",
        f"- Ngày đo: {datetime.date.today():%d/%m/%Y}",
        f"- Máy: {machine()}",
        f"- Dữ liệu: {context['province']} — {number(context['units'])} đơn vị, {context['communes']} hội cấp xã; "
        f"xã đo riêng: {context['commune']} ({context['commune_units']} đơn vị)",
        f"- Kế hoạch truy vấn cây con của một xã: `{context['plan']}` (cả tỉnh là gần hết bảng: quét tuần tự)",
        "",
        "## Cây tổ chức",
        "",
        "| Phép đo | Trung vị (ms) | Chậm nhất (ms) | Số truy vấn | Kết quả (số đơn vị) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['label']} | {row['median_ms']:.1f} | {row['max_ms']:.1f} | {row['queries']} | {row['size']} |"
        )
    lines.append("")
    out = ROOT / "docs" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    # The hand-written observations at the end of the file survive a new run.
    previous = out.read_text() if out.exists() else ""
    if NOTES_HEADING in previous:
        lines.append(previous[previous.index(NOTES_HEADING) :].rstrip() + "\n")
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"Đã ghi {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
