"""Recognition at scale (issue #13, item 9): review, propose and recognise 20,000 title records in one action
each, through the same service as the screen, written to docs/benchmarks.md.

    python benchmarks/titles_bulk.py [--records 20000]

Uses its own PostgreSQL database (BENCH_TITLES_BULK_DATABASE_URL, default `kh_titles_bulk_bench`), rebuilt
on every run: one commune with 20 chapters of 1,000 households, every household registered for "Gia đình học
tập" and scored. Then measures, each as one call of `records_bulk_apply` on the commune's whole selection:
the chapters' review meeting, the commune's proposal and the recognition by one decision (history rows and
summaries included), and the screen that counts the selection before the user confirms.
Tests never assert timings; these numbers are for comparing versions.
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
DATABASE_URL = os.environ.get(
    "BENCH_TITLES_BULK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_titles_bulk_bench"
)
os.environ.update(
    DJANGO_SETTINGS_MODULE="khuyenhoc.settings",
    KHUYENHOC_ENV="development",
    DJANGO_DEBUG="false",
    DATABASE_URL=DATABASE_URL,
    CELERY_TASK_ALWAYS_EAGER="true",
    LOGIN_THROTTLE_ENABLED="false",
)
os.environ.pop("REDIS_URL", None)
HEADING = "## Danh hiệu: bình xét, đề nghị, công nhận hàng loạt"
CHAPTERS = 20


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


def fill(records: int, year: int):
    """A province, a commune, CHAPTERS chapters and `records` households registered and scored for `year`."""
    from django.db import connection

    from chapters.models import Unit
    from chapters.services.tree import unit_create
    from learning_models.models import TitleType
    from learning_models.services.records import ScoreEntry, records_score, registration_bulk_create
    from members.models import Household

    start = datetime.date(2010, 1, 1)
    province = unit_create(
        kind=Unit.Kind.ASSOCIATION, level=Unit.Level.PROVINCE, code="BT", name="Tỉnh Đo Tốc Độ", active_from=start
    )
    commune = unit_create(
        kind=Unit.Kind.ASSOCIATION, level=Unit.Level.COMMUNE, code="BT-X", name="Xã Đo Tốc Độ", parent=province,
        active_from=start, division_type="xã",
    )  # fmt: skip
    per_chapter = records // CHAPTERS
    for number in range(CHAPTERS):
        chapter = unit_create(
            kind=Unit.Kind.CHAPTER, level=Unit.Level.GRASSROOTS, host=Unit.Host.RESIDENTIAL, code=f"BT-X-{number:02d}",
            name=f"Chi hội thôn {number + 1}", parent=commune, active_from=start,
        )  # fmt: skip
        households = [
            Household(unit=chapter, head_name=f"Nguyễn Văn Hộ {number}-{n}", code=f"H{n:05d}")
            for n in range(per_chapter)
        ]
        for household in households:
            household.prepare()
        Household.objects.bulk_create(households, batch_size=2000)
    family = TitleType.objects.get(code="gdht")
    created = registration_bulk_create(title_type=family, year=year, unit=commune)
    full = {"1.1": 10, "1.2": 9, "1.3": 8, "2": 25, "3": 18, "4": 17}
    records_score([ScoreEntry(record, full, "") for record in created])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return commune, family


def bench(records: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from learning_models.services.records import records_bulk_apply, records_selection

    year = datetime.date.today().year - 1
    started = time.monotonic()
    commune, family = fill(records, year)
    result = {"fill": time.monotonic() - started}
    print(f"  filled in {result['fill']:.0f} s", flush=True)
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    params = {"unit": commune.pk, "year": year, "action": "review", "title": "gdht", "meets_threshold": "on"}
    url = reverse("learning_models:records_bulk")
    client.get(url, params)
    timings = []
    for _ in range(5):
        begun = time.perf_counter()
        response = client.get(url, params)
        timings.append(time.perf_counter() - begun)
    from core.formatting import number

    assert response.status_code == 200, response.status_code
    assert f"Thao tác sẽ áp dụng cho {number(records)} hồ sơ" in response.content.decode()
    result["screen_ms"] = statistics.median(timings) * 1000
    steps = [
        ("review", {"review_date": datetime.date(year, 12, 5), "note": "Biên bản họp bình xét"}),
        ("propose", {"proposed_on": datetime.date(year, 12, 10)}),
        (
            "recognise",
            {
                "decision_number": "999/QĐ-UBND",
                "decision_date": datetime.date(year, 12, 20),
                "decision_issuer": "UBND xã Đo Tốc Độ",
            },
        ),
    ]
    for action, action_params in steps:
        selection = records_selection(
            user=user, unit=commune, year=year, title_type=family, action=action, meets_threshold=True
        )
        begun = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            count = records_bulk_apply(
                selection=selection, action=action, expected=selection.count(), actor=user, **action_params
            )
        result[action] = time.monotonic() - begun
        print(f"  {action}: {result[action]:.1f} s, {len(queries)} queries", flush=True)
        result[f"{action}_queries"] = len(queries)
        assert count == records, (action, count)
    from learning_models.models import TitleRecord

    result["history_rows"] = TitleRecord.history.count()
    result["records"] = records
    return result


def machine() -> str:
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} lõi, Python {platform.python_version()}, PostgreSQL {postgres}; tải trung bình lúc đo "
        f"{load:.1f} (máy dùng chung)"
    )


def write_docs(result: dict) -> None:
    from core.formatting import decimal, number

    records = number(result["records"])
    lines = [
        HEADING,
        "",
        f"Đo bằng `python benchmarks/titles_bulk.py` trên cơ sở dữ liệu riêng: một xã, {CHAPTERS} chi hội, "
        f"{records} hộ đăng ký «Gia đình học tập» và đã chấm điểm. Mỗi bước là một lần thao tác trên cả lựa chọn "
        "(cả xã, «đạt điểm công nhận»), qua đúng dịch vụ của màn hình: khóa các hồ sơ, kiểm tra từng hồ sơ, ghi "
        "theo nhóm giá trị, một dòng lịch sử mỗi hồ sơ, làm mới số liệu tổng hợp.",
        "",
        f"- Ngày đo: {datetime.date.today():%d/%m/%Y}; máy: {machine()}",
        "",
        "| Bước | Thời gian (giây) | Số truy vấn |",
        "|---|---:|---:|",
        f"| Màn hình đếm số hồ sơ sẽ áp dụng (trung vị, ms) | {result['screen_ms']:.0f} ms | |",
        f"| Ghi nhận họp bình xét {records} hồ sơ | {decimal(result['review'], 1)} | {result['review_queries']} |",
        f"| Đề nghị công nhận {records} hồ sơ | {decimal(result['propose'], 1)} | {result['propose_queries']} |",
        f"| Công nhận {records} hồ sơ theo một quyết định | {decimal(result['recognise'], 1)} | "
        f"{result['recognise_queries']} |",
        "",
        f"Trước đây mỗi lần gửi trang chỉ được 100 hồ sơ: {records} hồ sơ là {number(result['records'] // 100)} lần "
        "gửi cho mỗi bước. Bảng lịch sử hồ sơ có "
        f"{number(result['history_rows'])} dòng sau khi đo (đăng ký, chấm điểm và ba bước trên).",
        "",
        "- Thời gian gần như tỷ lệ với số hồ sơ: đọc và khóa các hồ sơ, kiểm tra từng hồ sơ trong Python, một câu",
        "  `UPDATE … WHERE id IN (…)` cho mỗi nhóm hồ sơ nhận cùng giá trị mới (mỗi 10.000 hồ sơ), dòng lịch sử ghi",
        "  bằng `COPY`. Trước khi ghi lịch sử bằng `COPY` và bỏ phép nối bảng khi đọc, cùng phép đo mất khoảng 31–32",
        "  giây mỗi bước.",
        "",
    ]
    out = ROOT / "docs" / "benchmarks.md"
    text = out.read_text()
    if HEADING in text:
        begin = text.index(HEADING)
        rest = text[begin + len(HEADING) :]
        following = rest.find("\n## ")
        text = text[:begin] + (rest[following + 1 :] if following >= 0 else "")
    out.write_text(text.rstrip() + "\n\n" + "\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    options = parser.parse_args()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = bench(options.records)
    print(result, flush=True)
    write_docs(result)


if __name__ == "__main__":
    main()
