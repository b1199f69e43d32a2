"""The API at province scale (issue 17): a figures call, pages of 100 members, a bulk push of title records.

    python benchmarks/api.py                  all three (10,000 title records pushed)
    python benchmarks/api.py --bulk 0         without the bulk push (which writes to the bench database)
    python benchmarks/api.py --bulk 2000      a smaller push (a ward dataset has 6,000 households in all)

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL), filled once with `generate_dataset` (the
script refuses a database that `generate_dataset` did not fill, and never generates one itself), and Redis
database 5 (BENCH_REDIS_URL) as the cache and the rate-limit counter, as in production. Requests go through
Django's test client with a personal token of a secretary of the dataset's province, so they include
authentication, scoping, throttling, serialisation and the access log: everything but the network. Results in
benchmarks/results/api.md (a person copies what is worth keeping into docs/benchmarks.md).

1. Figures: GET /api/v1/units/<province>/figures/?year=… — the first call (roll-ups cached by earlier runs may
   be warm) and then 30 calls; median, 95th percentile, queries. Target: median < 150 ms.
2. Members: 30 pages of 100 members of the province, following the cursor; median, 95th percentile, queries.
   Target: median < 100 ms.
3. Bulk: POST /api/v1/title-records/bulk/ of N (10,000) "Gia đình học tập" records of one commune's households
   with their scores, inline (the sync limit is raised for the run, so the time is the machinery's own, not a
   queue's); rows per second. Next to it, the import machinery without the API: N other households of the same
   commune, the same columns as a file, through `job_create` → `job_validate` → `job_commit` (what a secretary's
   upload runs); rows per second. Both sets are in the same state (on a first run every record is new; later
   runs update the scores and evidence of the records the earlier run registered), and the counts are printed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
YEAR = 2025  # the last full year of the dataset: figures are read for it
PUSH_YEAR = 2026  # title records are pushed for the year after (the dataset's own are recognised and locked)
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


def bulk_commune(province, count: int):
    """The first open commune (in id order) with `count` coded households, else the one with the most."""
    from chapters.models import Unit
    from members.models import Household

    communes = Unit.objects.filter(
        path__startswith=province.path, level=Unit.Level.COMMUNE, active_until__isnull=True
    ).order_by("pk")
    best, best_count = province, -1
    for commune in communes:
        have = Household.objects.filter(unit__path__startswith=commune.path).exclude(code="").count()
        if have >= count:
            return commune
        if have > best_count:
            best, best_count = commune, have
    return best


def bulk_rows(commune, count: int, offset: int = 0) -> list[dict]:
    """`count` title records of the commune's coded households, from the `offset`-th on (in id order)."""
    from members.models import Household

    households = (
        Household.objects.filter(unit__path__startswith=commune.path)
        .exclude(code="")
        .select_related("unit")
        .order_by("pk")[offset : offset + count]
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


def machinery_import(rows: list[dict], commune, user):
    """The same rows as a file through the import machinery, as an upload would go (validate, then commit)."""
    from api.bulk import rows_to_csv
    from core.imports import jobs

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-titles.csv"
        rows_to_csv("titles", rows, path)
        start = time.perf_counter()
        job, read = jobs.job_create(kind="titles", path=path, file_name=path.name, unit=commune, user=user)
        job = jobs.job_validate(job, read)
        assert job.status == job.Status.VALID, (job.status, job.message, job.errors[:5])
        job = jobs.job_commit(job, user=user)
        elapsed = time.perf_counter() - start
    assert job.status == job.Status.DONE, (job.status, job.message)
    return elapsed, job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bulk", type=int, default=10_000, help="title records pushed (0: none)")
    args = parser.parse_args()

    url = common.configure(
        "BENCH_MEMBERS_DATABASE_URL",
        DEFAULT_URL,
        REDIS_URL=REDIS_URL,
        API_RATE_LIMIT="1000000/minute",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings

    from core.formatting import number
    from members.models import Member

    common.require_dataset()
    call_command("migrate", verbosity=0)  # this branch's migrations, if the dataset was made before them
    province = common.dataset_province()
    user, secret = bench_user(province)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    members = Member.objects.filter(unit__path__startswith=province.path).count()
    lines = [
        f"`python benchmarks/api.py` trên `{url.rsplit('/', 1)[-1]}` ({province.display_name}, "
        f"{number(members)} hội viên), bộ đệm Redis, {os.cpu_count()} lõi. Qua Django test client với token "
        "(gồm xác thực, phạm vi, giới hạn tần suất, nhật ký truy cập).",
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
    lines.append(summary(f"số liệu của tỉnh năm {YEAR} (mục tiêu trung vị < 150 ms)", times, queries))
    print(lines[-1], flush=True)

    times, next_url = [], f"/api/v1/members/?unit={province.pk}&page_size=100"
    for _ in range(ROUNDS):
        elapsed, queries, response = timed(lambda url=next_url: client.get(url))
        assert len(response.json()["results"]) == 100, "a page of fewer than 100 members"
        times.append(elapsed)
        next_url = response.json()["next"] or next_url
    lines.append(summary("một trang 100 hội viên của tỉnh, theo con trỏ (mục tiêu trung vị < 100 ms)", times, queries))
    print(lines[-1], flush=True)

    if args.bulk:
        commune = bulk_commune(province, 2 * args.bulk)
        pushed = bulk_rows(commune, args.bulk)
        uploaded = bulk_rows(commune, args.bulk, offset=args.bulk)
        with override_settings(IMPORT_SYNC_MAX_ROWS=len(pushed) + 1):
            elapsed, queries, response = timed(
                lambda: client.post(
                    "/api/v1/title-records/bulk/",
                    {"unit": commune.pk, "rows": pushed},
                    content_type="application/json",
                )
            )
        body = response.json()
        assert body.get("status") == "done", body
        counts = body.get("counts", {})
        lines.append(
            f"| API: đẩy {number(len(pushed))} hồ sơ danh hiệu của {commune.display_name} "
            f"({number(counts.get('new', 0))} mới, {number(counts.get('changed', 0))} đổi) | {ms(elapsed)} | | "
            f"| {queries} |"
        )
        api_rate = len(pushed) / elapsed
        rate_lines = [f"- API `POST /title-records/bulk/`: {number(round(api_rate))} dòng/giây."]
        if uploaded:
            machinery, job = machinery_import(uploaded, commune, user)
            done = job.counts or {}
            lines.append(
                f"| bộ máy nhập tệp, không qua API: {number(len(uploaded))} hồ sơ khác của cùng xã "
                f"({number(done.get('new', 0))} mới, {number(done.get('changed', 0))} đổi) | {ms(machinery)} | | | |"
            )
            rate = len(uploaded) / machinery
            rate_lines.append(
                f"- Bộ máy nhập tệp (job_create → job_validate → job_commit), cùng dữ liệu: "
                f"{number(round(rate))} dòng/giây; API đạt {api_rate / rate:.0%} tốc độ đó."
            )
        if len(pushed) < args.bulk:
            rate_lines.append(
                f"- Chỉ có {number(len(pushed))} hộ có mã trong {commune.display_name}: "
                f"chưa đo được {number(args.bulk)} dòng."
            )
        lines += ["", *rate_lines]
        print(*lines[-len(rate_lines) :], sep="\n", flush=True)
    common.write_results("api", lines)


if __name__ == "__main__":
    main()
