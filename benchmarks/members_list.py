"""Speed of the member list with a search on a province's 3,000,000 members (issue 4: < 200 ms median).

    python benchmarks/members_list.py

Uses its own database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL to change it), filled once with
`generate_dataset --scale province`. Each search is the whole page as a user gets it (the view, its queries and
the template), through Django's test client, as the province's administrator, a commune's secretary and a
chapter's secretary. Prints a Markdown table for docs/benchmarks.md.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
REPEAT = 15


def _plan(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return " → ".join(line.strip().split("  (")[0] for line in lines if "Scan" in line)[:300]


def search_sample(province, index: int):
    """A member the default list shows (still a member: the list hides those who left), the `index`-th of the
    province's in id order (wrapping around), so a search for her name finds her."""
    from members.models import Member

    current = Member.objects.filter(unit__path__startswith=province.path, left_on__isnull=True).order_by("pk")
    return current[index % current.count()]


def main() -> None:
    common.configure("BENCH_MEMBERS_DATABASE_URL", DEFAULT_URL, LOGIN_THROTTLE_ENABLED="false")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client then keeps each response's context (the totals shown)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Role, Unit
    from members.filters import MemberFilterForm
    from members.models import Member
    from tests.factories import UserFactory

    if "members_member" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        call_command("generate_dataset", scale="province")
    common.require_dataset()
    chapter = Unit.objects.filter(notes=MARKER, members__isnull=False).order_by("pk").first()
    province = Unit.objects.get(pk__in=chapter.ancestor_ids, level=Unit.Level.PROVINCE)
    commune = chapter.parent
    sample = search_sample(province, 12345)
    same_chapter = Member.objects.filter(unit=chapter, left_on__isnull=True).order_by("pk").first()
    total = Member.objects.count()

    results = []
    with transaction.atomic():
        users = {}
        for name, unit, kind in [
            ("bench_admin", province, Role.Kind.ADMINISTRATOR),
            ("bench_commune", commune, Role.Kind.SECRETARY),
            ("bench_chapter", chapter, Role.Kind.SECRETARY),
        ]:
            user = UserFactory(username=name)
            Role.objects.create(user=user, unit=unit, kind=kind)
            users[name] = user
        cases = [
            ("bench_admin", "Cả tỉnh", sample.name_key),
            ("bench_admin", "Cả tỉnh", " ".join(sample.name_key.split()[-2:])),
            ("bench_admin", "Cả tỉnh", sample.phone[:7] if sample.phone else "0912"),
            ("bench_admin", "Cả tỉnh", sample.card_number.lower() or "th-0000123"),
            ("bench_admin", "Cả tỉnh", "nguyen van hung"),
            ("bench_commune", "Một xã", sample.name_key.split()[-1]),
            ("bench_commune", "Một xã", "tran thi"),
            ("bench_chapter", "Một chi hội", same_chapter.name_key.split()[-1]),
            ("bench_chapter", "Một chi hội", ""),
            ("bench_commune", "Một xã", ""),
            ("bench_admin", "Cả tỉnh", ""),
        ]
        url = reverse("members:member_list")
        all_timings = []
        for username, scope, query in cases:
            client = Client()
            client.force_login(users[username], backend="django.contrib.auth.backends.ModelBackend")
            params = {"q": query} if query else {}
            response = client.get(url, params)  # warm
            assert response.status_code == 200, response.status_code
            timings = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                response = client.get(url, params)
                timings.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            if query:
                all_timings.extend(timings)
            results.append(
                {
                    "scope": scope,
                    "query": query or "(không tìm, trang đầu)",
                    "median": statistics.median(timings),
                    "max": max(timings),
                    "queries": len(queries),
                    "found": response.context["totals"]["count"],
                }
            )
        form = MemberFilterForm({"q": sample.name_key}, user=users["bench_admin"], units=Unit.objects.none())
        qs = form.apply(Member.objects.filter(unit__path__startswith=province.path)).order_by("sort_key", "pk")[:50]
        plan = _plan(*qs.query.sql_with_params())
        transaction.set_rollback(True)

    lines = [
        "",
        "## Hội viên: danh sách có tìm kiếm",
        "",
        f"`python benchmarks/members_list.py` trên `{common.database_name()}` ({total:,} hội viên".replace(",", ".")
        + ", `generate_dataset --scale province`). Mỗi dòng: cả trang danh sách (view, truy vấn, template) qua "
        f"Django test client, trung vị của {REPEAT} lần.",
        "",
        "| Phạm vi | Tìm | Trung vị (ms) | Chậm nhất (ms) | Số truy vấn | Tìm thấy |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in results:
        found = f"{row['found']:,}".replace(",", ".")
        lines.append(
            f"| {row['scope']} | `{row['query']}` | {row['median']:.1f} | {row['max']:.1f} | {row['queries']} | "
            f"{found} |"
        )
    lines += [
        "",
        f"- Trung vị chung của các lần tìm: {statistics.median(all_timings):.1f} ms (mục tiêu < 200 ms).",
        f"- Kế hoạch truy vấn trang đầu khi tìm trong cả tỉnh: `{plan}`",
        "",
    ]
    common.write_results("members_list", lines)


if __name__ == "__main__":
    main()
