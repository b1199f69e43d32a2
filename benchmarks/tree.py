"""Speed of the organisation tree on a province (design.md §10): subtree look-ups and `tree_on`.

Run through `python benchmarks/run.py`, which prepares the `kh_bench` database with
`generate_dataset --scale province`. Each measurement is the median of several runs, with its query count.
"""

import datetime
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chapters.models import Unit
from chapters.services.tree import subtree_ids_on, tree_on
from chapters.summaries import rollup, rollup_children


def measure(label: str, function, *, repeat: int = 15) -> dict:
    function()  # warm the caches
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        function()
    size = len(result) if hasattr(result, "__len__") else result
    return {
        "label": label,
        "median_ms": statistics.median(timings) * 1000,
        "max_ms": max(timings) * 1000,
        "queries": len(queries),
        "size": size,
    }


def subtree_plan(unit: Unit) -> str:
    """How PostgreSQL answers a subtree look-up: the path prefix must use the varchar_pattern_ops index."""
    sql, params = Unit.objects.filter(path__startswith=unit.path).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return " → ".join(line.strip().split("  (")[0] for line in plan if "Scan" in line or "Index" in line)


def run() -> tuple[list[dict], dict]:
    province = max(
        Unit.objects.filter(level=Unit.Level.PROVINCE, active_until__isnull=True),
        key=lambda unit: Unit.objects.subtree(unit).count(),
    )
    commune = Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE).order_by("-code").first()
    today = timezone.localdate()
    year_end = datetime.date(today.year - 1, 12, 31)
    results = [
        measure("Cây con của tỉnh: đếm (một truy vấn theo đường dẫn)", lambda: Unit.objects.subtree(province).count()),
        measure(
            "Cây con của tỉnh: danh sách mã",
            lambda: list(Unit.objects.subtree(province).values_list("pk", flat=True)),
        ),
        measure(
            "Cây con của một xã: danh sách đơn vị",
            lambda: list(Unit.objects.subtree(commune).values_list("pk", "name")),
        ),
        measure(f"subtree_ids_on(tỉnh, {year_end:%d/%m/%Y})", lambda: subtree_ids_on(province, year_end)),
        measure("tree_on(tỉnh, hôm nay)", lambda: tree_on(province, today), repeat=7),
        measure(f"tree_on(tỉnh, {year_end:%d/%m/%Y})", lambda: tree_on(province, year_end), repeat=7),
        measure("tree_on(xã, hôm nay)", lambda: tree_on(commune, today)),
        measure(
            f"rollup(tỉnh, năm {year_end.year}): mọi chỉ tiêu",
            lambda: rollup(province, year=year_end.year),
            repeat=7,
        ),
        measure(
            f"rollup_children(tỉnh, năm {year_end.year})",
            lambda: rollup_children(province, year=year_end.year),
            repeat=7,
        ),
    ]
    context = {
        "province": province.display_name,
        "units": Unit.objects.subtree(province).count(),
        "communes": Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE).count(),
        "commune": commune.display_name,
        "commune_units": Unit.objects.subtree(commune).count(),
        "plan": subtree_plan(commune) if connection.vendor == "postgresql" else "",
    }
    return results, context
