"""Speed of the learning-model titles at province scale (issue 7), written to benchmarks/results/titles.md.

    python benchmarks/titles_bench.py               (province: 3.5 million households, 7 million records)
    python benchmarks/titles_bench.py --scale ward  (a quick run on one commune)

Uses its own PostgreSQL database (BENCH_TITLES_DATABASE_URL, default `kh_titles_bench`), filled once with the
tree of `generate_dataset` and the members and titles datasets. Then measures:
- importing 100,000 household title records (registrations with scores for every criterion) through the import
  pipeline with full validation, history and summaries (target: under 90 s);
- opening a chapter's score table of 2,000 households (target: under 300 ms), and the other titles screens.
Tests never assert timings; these numbers are for comparing versions.

It refuses a database that holds units `generate_dataset` did not make (never measure, let alone change, real
data), and the import runs in a transaction that is rolled back: it deletes nothing, and refuses a year that
already has title records.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_titles_bench"
HEADING = "## Danh hiệu học tập (learning_models)"
IMPORT_ROWS = 100_000
TABLE_HOUSEHOLDS = 2_000
BENCH_CHAPTER = "BENCH-TITLES"


def create_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def machine() -> str:
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    return f"{os.cpu_count()} lõi, Python {platform.python_version()}, PostgreSQL {postgres}"


def guard() -> None:
    """Refuse a database with units that `generate_dataset` did not make: an empty one is filled, a dataset's
    is measured, anything else is left alone."""
    from chapters.models import Unit

    if Unit.objects.exists():
        common.require_dataset()


def fill(scale: str) -> None:
    """The tree (generate_dataset --tree-only), then the members and titles datasets, once."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from chapters.dataset import DatasetContext
    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Unit
    from learning_models import dataset as titles_dataset
    from learning_models.models import TitleRecord
    from members import dataset as members_dataset

    if TitleRecord.objects.exists():
        return
    if not Unit.objects.filter(notes=MARKER).exists():
        call_command("generate_dataset", scale=scale, tree_only=True)
    chapters = Unit.objects.filter(notes=MARKER)
    province = common.dataset_province()
    year = timezone.localdate().year
    ctx = DatasetContext(
        scale=scale,
        province_id=province.pk,
        commune_ids=sorted(set(chapters.values_list("parent_id", flat=True))),
        chapter_ids=list(chapters.order_by("pk").values_list("pk", flat=True)),
        years=[year - 1, year],
    )
    for label, module in (("members", members_dataset), ("learning_models", titles_dataset)):
        started = time.monotonic()
        with transaction.atomic():
            module.generate(ctx)
        print(f"  {label}: {time.monotonic() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for label, value in ctx.counts.items():
        print(f"  {label}: {value}")


def write_sheet(path: Path, households, year: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(["DANH SÁCH ĐĂNG KÝ VÀ CHẤM ĐIỂM GIA ĐÌNH HỌC TẬP"])
    sheet.append(["STT", "Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Chủ hộ", "Ngày đăng ký", "Điểm 1.1",
                  "Điểm 1.2", "Điểm 1.3", "Điểm 2", "Điểm 3", "Điểm 4", "Ghi chú"])  # fmt: skip
    for number, (unit_code, code, head) in enumerate(households, start=1):
        strong = number % 10
        sheet.append([number, unit_code, "Gia đình học tập", year, code, head, f"10/01/{year}", 10, 9 if strong else 6,
                      8, 25 if strong else 15, 18, "17,5", ""])  # fmt: skip
    workbook.save(path)


def bench_import(year: int, tmp: Path) -> dict:
    """100,000 households of the dataset register with scores for `year` through the import pipeline."""
    from django.db import connection, transaction

    from learning_models.models import TitleRecord
    from members.models import Household

    if TitleRecord.objects.filter(year=year).exists():
        raise SystemExit(
            f"Đã có hồ sơ danh hiệu năm {year} trong {common.database_name()}: không đo (và không xóa) dữ liệu "
            "không do lệnh này tạo."
        )
    rows = list(
        Household.objects.exclude(code="")
        .exclude(unit__code=BENCH_CHAPTER)
        .order_by("unit_id", "pk")
        .values_list("unit__code", "code", "head_name")[:IMPORT_ROWS]
    )
    path = tmp / "titles-100k.xlsx"
    write_sheet(path, rows, year)
    timings = {}
    with transaction.atomic():
        timings.update(_import(path))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM learning_models_titlerecord")
            table_rows = cursor.fetchone()[0]
        created = TitleRecord.objects.filter(year=year).count()
        transaction.set_rollback(True)  # what the import wrote goes away with it: nothing is deleted
    return {**timings, "rows": len(rows), "created": created, "table_rows": table_rows}


def _import(path: Path) -> dict:
    from chapters.imports.kinds import ImportContext
    from core.imports import pipeline
    from core.spreadsheets.reading import read_file
    from learning_models.imports import titles_kind

    timings = {}
    started = time.monotonic()
    read = read_file(path)
    timings["read"] = time.monotonic() - started
    ctx = ImportContext(kind=titles_kind, reason="Đo tốc độ nhập")
    started = time.monotonic()
    result = pipeline.validate(titles_kind, ctx, read)
    timings["validate"] = time.monotonic() - started
    if not result.ok:
        raise SystemExit(f"Tệp đo tốc độ có lỗi: {result.error_list(titles_kind)[:5]}")
    started = time.monotonic()
    pipeline.commit(titles_kind, ctx, result)
    timings["commit"] = time.monotonic() - started
    return timings


def bench_chapter(year: int):
    """A residential chapter with 2,000 households registered for `year`, a third of them scored."""
    from chapters.models import Unit
    from learning_models.models import TitleType
    from learning_models.services.records import ScoreEntry, records_score, registration_bulk_create
    from members.models import Household

    chapter = Unit.objects.filter(code=BENCH_CHAPTER).first()
    if chapter is None:
        from chapters.services.tree import unit_create

        commune = Unit.objects.filter(level=Unit.Level.COMMUNE, children__isnull=False).order_by("pk").first()
        chapter = unit_create(
            kind=Unit.Kind.CHAPTER, level=Unit.Level.GRASSROOTS, host=Unit.Host.RESIDENTIAL, code=BENCH_CHAPTER,
            name="Chi hội tổ dân phố đo tốc độ", parent=commune, active_from=datetime.date(2015, 1, 1),
        )  # fmt: skip
        households = [Household(unit=chapter, head_name=f"Nguyễn Văn Hộ {n}", code=f"B{n:05d}") for n in range(2000)]
        for household in households:
            household.prepare()
        Household.objects.bulk_create(households, batch_size=2000)
    family = TitleType.objects.get(code="gdht")
    if not chapter.title_records.filter(year=year, title_type=family).exists():
        created = registration_bulk_create(title_type=family, year=year, unit=chapter)
        records = created[: len(created) // 3]
        scores = {"1.1": 10, "1.2": 9, "1.3": 8, "2": 25, "3": 18, "4": 17}
        for record in records:
            record.unit = chapter
        records_score([ScoreEntry(record, scores, "") for record in records])
    return chapter


def measure(label: str, client, url: str, repeat: int = 15) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm up
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return {
        "label": label,
        "median_ms": statistics.median(timings) * 1000,
        "max_ms": max(timings) * 1000,
        "queries": len(queries),
        "bytes": len(response.content),
    }


def bench_screens(chapter, year: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    table = reverse("learning_models:record_table", args=[chapter.pk, year]) + "?title=gdht"
    commune = chapter.parent
    province = commune.parent
    return [
        measure("Bảng chấm điểm chi hội 2.000 hộ: trang đầu (100 hộ, 6 ô điểm mỗi hộ)", client, table),
        measure("Bảng chấm điểm chi hội 2.000 hộ: trang cuối", client, table + "&page=20"),
        measure(
            "Danh sách hồ sơ của một xã (lọc năm, danh hiệu)",
            client,
            reverse("learning_models:registration_list") + f"?unit={commune.pk}&year={year}&title=gdht",
        ),
        measure(
            "Đề nghị, công nhận của một xã (bước chờ đề nghị)",
            client,
            reverse("learning_models:proposal_list", args=[commune.pk, year - 1]) + "?title=gdht",
        ),
        measure(
            "Số liệu danh hiệu của xã (title_figures từ bảng tổng hợp)",
            client,
            reverse("learning_models:title_summary") + f"?unit={commune.pk}&year={year - 1}",
        ),
        measure(
            "Số liệu danh hiệu của tỉnh và 166 xã trực thuộc",
            client,
            reverse("learning_models:title_summary") + f"?unit={province.pk}&year={year - 1}",
            repeat=5,
        ),
    ]


def write_report(machine: str, scale: str, imported: dict, screens: list[dict]) -> None:
    from core.formatting import decimal, number

    total = imported["read"] + imported["validate"] + imported["commit"]
    lines = [
        HEADING,
        "",
        "Đo bằng `python benchmarks/titles_bench.py` trên cơ sở dữ liệu riêng, quy mô "
        f"`{scale}` (cây đơn vị của `generate_dataset`, hộ gia đình của phân hệ hội viên, mỗi hộ một hồ sơ "
        "«Gia đình học tập» mỗi năm trong hai năm).",
        "",
        f"- Ngày đo: {datetime.date.today():%d/%m/%Y}; máy: {machine}",
        f"- Bảng hồ sơ danh hiệu khi đo: {number(imported['table_rows'])} dòng",
        "",
        "### Nhập 100.000 hồ sơ hộ gia đình (đăng ký và chấm đủ 6 tiêu chí), kiểm tra đầy đủ",
        "",
        "| Bước | Thời gian (giây) |",
        "|---|---:|",
        f"| Đọc tệp .xlsx ({number(imported['rows'])} dòng) | {decimal(imported['read'], 1)} |",
        f"| Kiểm tra (mọi dòng: mã, hộ, điểm theo bộ tiêu chí, ràng buộc, năm khóa sổ) | "
        f"{decimal(imported['validate'], 1)} |",
        f"| Ghi (một giao dịch: hồ sơ, lịch sử, số liệu tổng hợp) | {decimal(imported['commit'], 1)} |",
        f"| **Tổng** (mục tiêu dưới 90 giây) | **{decimal(total, 1)}** |",
        "",
        f"{number(imported['created'])} hồ sơ được tạo, khoảng {number(int(imported['rows'] / total))} dòng/giây.",
        "",
        "### Các trang danh hiệu",
        "",
        "| Trang | Trung vị (ms) | Chậm nhất (ms) | Số truy vấn | Kích thước (byte) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in screens:
        lines.append(
            f"| {row['label']} | {row['median_ms']:.0f} | {row['max_ms']:.0f} | {row['queries']} | "
            f"{number(row['bytes'])} |"
        )
    lines += [
        "",
        "- Bảng chấm điểm chia trang 100 hộ một trang (mục tiêu mở bảng 2.000 hộ dưới 300 ms): mỗi trang chỉ đọc",
        "  100 hồ sơ theo chỉ mục (đơn vị, năm, danh hiệu, thứ tự tên) và đếm tổng số một lần; số hộ chưa đăng ký",
        "  được đếm bằng NOT EXISTS theo từng hộ (chỉ mục khóa ngoại), không quét hàng triệu hồ sơ khác của tỉnh.",
        "- Nhập: hồ sơ mới được ghi bằng COPY (hồ sơ và dòng lịch sử «+»), sau khi mọi dòng đã qua kiểm tra đầy đủ",
        "  của cơ chế nhập chung (full_clean, ràng buộc, khóa trùng, năm khóa sổ) và quy tắc riêng (điểm theo bộ",
        "  tiêu chí, hồ sơ chưa đăng ký, hồ sơ đã khóa).",
        "- Số liệu cấp tỉnh chỉ đọc bảng tổng hợp; thời gian chủ yếu là dựng cây đơn vị tại cuối năm (hai lần: cả",
        "  năm và 30/6) — xem phần «Cây tổ chức» ở trên.",
        "",
    ]
    common.write_results("titles", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["ward", "province"], default="province")
    options = parser.parse_args()
    common.configure(
        "BENCH_TITLES_DATABASE_URL", DEFAULT_URL, CELERY_TASK_ALWAYS_EAGER="true", LOGIN_THROTTLE_ENABLED="false"
    )
    create_database()
    import tempfile

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    guard()
    fill(options.scale)
    year = timezone.localdate().year
    with tempfile.TemporaryDirectory() as tmp:
        imported = bench_import(year + 1, Path(tmp))
    print(imported, flush=True)
    chapter = bench_chapter(year)
    screens = bench_screens(chapter, year)
    write_report(machine(), options.scale, imported, screens)


if __name__ == "__main__":
    main()
