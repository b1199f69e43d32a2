"""Run the tree benchmark with one command; results in benchmarks/results/tree.md (copied into the docs by hand).

    python benchmarks/run.py            (or: make bench)

Uses its own PostgreSQL database `kh_bench` (BENCH_DATABASE_URL to change it), fills it once with
`generate_dataset --scale province --tree-only`, then measures. Never run it against a database in use.
"""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench"


def create_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
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
    common.configure("BENCH_DATABASE_URL", DEFAULT_URL)
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks import tree
    from chapters.models import Unit
    from core.formatting import number

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("generate_dataset", scale="province", tree_only=True)
    common.require_dataset()
    results, context = tree.run()
    lines = [
        "",
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
    common.write_results("tree", lines)


if __name__ == "__main__":
    main()
