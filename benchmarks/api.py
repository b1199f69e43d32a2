"""The API at province scale (issue 17): a figures call, pages of 100 members, a bulk push of title records.

    python benchmarks/api.py                  all three, then docs/benchmarks.md is rewritten in place
    python benchmarks/api.py --bulk 0         without the bulk push (which writes to the bench database)
    python benchmarks/api.py --scale ward     on a ward dataset (a quick check of the script itself)

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL), filled once with `generate_dataset`, and
Redis database 5 (BENCH_REDIS_URL) as the cache and the rate-limit counter, as in production. Requests go
through Django's test client with a personal token, so they include authentication, scoping, throttling,
serialisation and the access log: everything but the network.

1. Figures: GET /api/v1/units/<province>/figures/?year=… — the first call (roll-ups cached by earlier runs may
   be warm) and then 30 calls; median, 95th percentile, queries.
2. Members: 30 pages of 100 members of the province, following the cursor; median, 95th percentile, queries.
3. Bulk: POST /api/v1/title-records/bulk/ of N learning-family records of one commune (their scores: the rows
   already registered are updated, the others registered), through the import machinery inline (the sync
   limit is raised for the run, so the time is the machinery's own); rows per second.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_MEMBERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_bench_members")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.update(
    DJANGO_SETTINGS_MODULE="khuyenhoc.settings",
    KHUYENHOC_ENV="development",
    DJANGO_DEBUG="false",
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    API_RATE_LIMIT="1000000/minute",
    CELERY_TASK_ALWAYS_EAGER="true",
)
YEAR = 2025  # the last full year of the dataset: figures are read for it
PUSH_YEAR = 2026  # title records are pushed for the year after (the dataset's own are recognised and locked)
SECTION = "## API"
ROUNDS = 30


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def timed(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - start
    assert response.status_code in (200, 201, 202), (response.status_code, response.content[:500])
    return elapsed, len(queries), response


def summary(label: str, times: list[float], queries: int) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {label} | {ms(statistics.median(times))} | {ms(p95)} | {ms(max(times))} | {queries} |"


def bench_user(province):
    from django.contrib.auth import get_user_model

    from api.services import token_create
    from chapters.models import Role

    user, _ = get_user_model().objects.get_or_create(username="bench_api_tinh", defaults={"first_name": "Đo"})
    Role.objects.get_or_create(user=user, unit=province, kind=Role.Kind.SECRETARY)
    _token, secret = token_create(user=user, name="đo tốc độ", days=1)
    return user, secret


def bulk_rows(commune, count: int) -> list[dict]:
    from members.models import Household

    households = (
        Household.objects.filter(unit__path__startswith=commune.path)
        .exclude(code="")
        .select_related("unit")
        .order_by("pk")[:count]
    )
    scores = {"1.1": 9, "1.2": 8, "1.3": 8, "2": 24, "3": 17, "4": 16}
    note = f"Đo tốc độ API lúc {time.strftime('%H:%M:%S %d/%m/%Y')}"  # new each run: the rows really change
    return [
        {
            "unit_code": household.unit.code,
            "title": "gdht",
            "year": PUSH_YEAR,
            "household_code": household.code,
            "registered_on": f"{PUSH_YEAR}-01-15",
            "scores": scores,
            "evidence": note,
        }
        for household in households
    ]


def write_section(lines: list[str]) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    block = "\n".join([SECTION, "", *lines]).rstrip() + "\n"
    if SECTION + "\n" in text:
        before, _, rest = text.partition(SECTION + "\n")
        after = re.search(r"\n## ", rest)
        text = before + block + (rest[after.start() :] if after else "")
    else:
        text = text.rstrip() + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bulk", type=int, default=10_000, help="title records pushed (0: none)")
    parser.add_argument("--scale", default="province", choices=["province", "ward"])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings

    from chapters.models import Unit
    from core.formatting import number
    from members.models import Member

    call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        call_command("generate_dataset", scale=args.scale)
    # The unit whose figures and members are read: the dataset's province, or the ward's commune.
    top = Unit.Level.PROVINCE if args.scale == "province" else Unit.Level.COMMUNE
    chapter = Member.objects.select_related("unit").order_by("pk").first().unit
    province = next(unit for unit in chapter.ancestors(include_self=True) if unit.level == top)
    _user, secret = bench_user(province)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    members = Member.objects.filter(unit__path__startswith=province.path).count()
    lines = [
        f"`python benchmarks/api.py` trên `{DATABASE_URL.rsplit('/', 1)[-1]}` ({province.display_name}, "
        f"{number(members)} hội viên), bộ đệm Redis, {os.cpu_count()} lõi, ngày {time.strftime('%d/%m/%Y')}. "
        "Qua Django test client với token (gồm xác thực, phạm vi, giới hạn tần suất, nhật ký truy cập).",
        "",
        "| yêu cầu | trung vị | p95 | lớn nhất | số truy vấn |",
        "|---|---|---|---|---|",
    ]

    url = f"/api/v1/units/{province.pk}/figures/"
    first, queries, _ = timed(lambda: client.get(url, {"year": YEAR}))
    lines.append(f"| số liệu của {province.display_name}, lần đầu | {ms(first)} | | | {queries} |")
    times = []
    for _ in range(ROUNDS):
        elapsed, queries, _ = timed(lambda: client.get(url, {"year": YEAR}))
        times.append(elapsed)
    lines.append(summary("số liệu của đơn vị (year, cây quá khứ)", times, queries))
    print(lines[-1], flush=True)

    times, next_url = [], f"/api/v1/members/?unit={province.pk}&page_size=100"
    for _ in range(ROUNDS):
        elapsed, queries, response = timed(lambda url=next_url: client.get(url))
        times.append(elapsed)
        next_url = response.json()["next"] or next_url
    lines.append(summary("một trang 100 hội viên (theo con trỏ)", times, queries))
    print(lines[-1], flush=True)

    if args.bulk:
        commune = (
            Unit.objects.filter(path__startswith=province.path, level=Unit.Level.COMMUNE, active_until__isnull=True)
            .order_by("pk")
            .first()
        ) or province
        rows = bulk_rows(commune, args.bulk)
        with override_settings(IMPORT_SYNC_MAX_ROWS=len(rows) + 1):
            elapsed, queries, response = timed(
                lambda: client.post(
                    "/api/v1/title-records/bulk/",
                    {"unit": commune.pk, "rows": rows},
                    content_type="application/json",
                )
            )
        counts = response.json().get("counts", {})
        lines.append(
            f"| đẩy {number(len(rows))} hồ sơ danh hiệu của {commune.display_name} ({number(counts.get('new', 0))} "
            f"mới, {number(counts.get('changed', 0))} đổi) | {ms(elapsed)} | | | {queries} |"
        )
        lines += ["", f"Đẩy hồ sơ danh hiệu: {number(round(len(rows) / elapsed))} dòng/giây."]
        print(lines[-3], lines[-1], flush=True)
    if args.scale == "ward":
        lines += [
            "",
            "Dữ liệu quy mô một xã, máy dùng chung đang chạy kiểm thử của người khác: chỉ để thử kịch bản. Mục tiêu "
            "của issue 17 (số liệu tỉnh < 150 ms, trang 100 hội viên < 100 ms) đo trên `kh_bench_members`.",
        ]
        if args.bulk:
            lines.append(
                "Đẩy hồ sơ đã có (cập nhật điểm) chạy đúng đường ghi của bộ máy nhập tệp: `bulk_update_with_history` "
                "(câu UPDATE … CASE của Django) chiếm phần lớn thời gian."
            )
    if not args.no_write:
        write_section(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
