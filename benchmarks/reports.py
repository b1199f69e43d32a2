"""The year-end rush: reports per minute on real Celery workers of the `pdf` queue, 1–3 workers (issue 19).

    python benchmarks/reports.py                      1, 2 and 3 workers, 24 commune reports a run, 3 runs
    python benchmarks/reports.py --workers 1,2 --reports 12 --runs 3 --province-runs 3

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL), filled once with
`generate_dataset --scale province`; it refuses a database without the dataset's marker. Redis: the cache in
database 5 (BENCH_REDIS_URL), the Celery broker in database 6 (BENCH_BROKER_URL). Files go to a temporary
folder (KHUYENHOC_VAR_DIR), removed at the end.

For each number of workers N: start N real workers (`celery -A khuyenhoc worker --queues pdf --concurrency 1`,
as docs/operations.md runs them), give each one report to warm up (Django loaded, fonts and stylesheets parsed:
a long-running worker), then, per run, ask for the year report of K distinct communes of the dataset's province
through `report_request_run` (the service the page calls) and time from the first request to the last finished
run: reports per minute = K / that time. The render time on the worker (started → finished, from the run rows)
is given too. With one worker, the province's report is rendered --province-runs times, one after the other.

The report rows the benchmark asks for stay (one per commune and year, as a secretary would make them); the
runs it made, and their files, are deleted at the end. Results: benchmarks/results/reports.md, with the
projection for the whole country (3,321 communes and 34 provinces) with the worker counts of docs/operations.md.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
YEAR = 2025  # the last full year of the dataset
COUNTRY_COMMUNES, COUNTRY_PROVINCES = 3321, 34
# docs/operations.md: one pdf-worker by default (docker-compose.yml), "--scale pdf-worker=2" as its example of
# growing; a third machine is what the curve here extrapolates to.
OPERATIONS_WORKERS = (1, 2, 3)
TIMEOUT = 1800  # seconds a run may take before the benchmark gives up


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    workers = []
    for index in range(count):
        workers.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "khuyenhoc",
                    "worker",
                    "--queues",
                    "pdf",
                    "--concurrency",
                    "1",
                    "--pool",
                    "prefork",
                    "--hostname",
                    f"bench-pdf-{index + 1}-{os.getpid()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def request(units, made: list[int]) -> list[int]:
    """Ask for the year report of each unit, as the page does; returns the runs' ids."""
    from reports.services import report_get_or_create, report_request_run

    ids = []
    for unit in units:
        report = report_get_or_create(unit=unit, year=YEAR)
        run = report_request_run(report=report)
        made.append(run.pk)
        ids.append(run.pk)
    return ids


def wait(ids: list[int], workers: list[subprocess.Popen]) -> float:
    """Seconds until every run of `ids` is finished (failed runs stop the benchmark)."""
    from reports.models import ReportRun

    started = time.perf_counter()
    while True:
        states = list(ReportRun.objects.filter(pk__in=ids).values_list("status", "error"))
        failed = [error for status, error in states if status == ReportRun.Status.FAILED]
        if failed:
            raise SystemExit(f"Một lần tạo báo cáo bị lỗi: {failed[0]}")
        if all(status == ReportRun.Status.DONE for status, _error in states):
            return time.perf_counter() - started
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("Một worker đã dừng giữa chừng.")
        if time.perf_counter() - started > TIMEOUT:
            raise SystemExit("Quá thời gian chờ các worker.")
        time.sleep(0.1)


def render_seconds(ids: list[int]) -> list[float]:
    from reports.models import ReportRun

    return [
        (finished - started).total_seconds()
        for started, finished in ReportRun.objects.filter(pk__in=ids).values_list("started_at", "finished_at")
    ]


def fmt(values: list[float], digits: int = 1) -> str:
    low, middle, high = common.spread(values)
    return f"{low:.{digits}f} / {middle:.{digits}f} / {high:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2,3", help="numbers of pdf workers, e.g. 1,2,3")
    parser.add_argument("--reports", type=int, default=24, help="commune reports per run (distinct communes)")
    parser.add_argument("--runs", type=int, default=3, help="runs per number of workers (at least 3)")
    parser.add_argument("--province-runs", type=int, default=3, help="renders of the province report (1 worker)")
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",") if part.strip()]

    files = tempfile.mkdtemp(prefix="bench-reports-")
    common.configure(
        "BENCH_MEMBERS_DATABASE_URL",
        DEFAULT_URL,
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=common.BENCH_REDIS_URL,
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"),
        KHUYENHOC_VAR_DIR=files,
    )
    import django

    django.setup()
    from django.core.management import call_command

    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Unit
    from core.formatting import number
    from reports.models import ReportRun

    common.require_dataset()
    call_command("migrate", verbosity=0)
    province = common.dataset_province()
    communes = list(
        Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE, active_until__isnull=True)
        .order_by("code")
        .distinct()
    )
    # Communes with the dataset's chapters first (every commune of a province-scale dataset has them).
    with_data = set(Unit.objects.filter(notes=MARKER, parent__in=communes).values_list("parent_id", flat=True))
    communes.sort(key=lambda unit: (unit.pk not in with_data, unit.code))
    needed = max(counts) + args.reports * args.runs
    if len(communes) < needed:
        raise SystemExit(f"Cần {needed} xã khác nhau, tỉnh của dữ liệu chỉ có {len(communes)}.")

    env = dict(os.environ)
    made: list[int] = []
    rows, province_lines, province_seconds = [], [], 0.0
    try:
        for count in counts:
            print(f"{count} worker...", flush=True)
            workers = start_workers(count, env)
            try:
                # The warm-up takes communes from the end of the list: the measured runs get those with data.
                pool = iter(communes[: len(communes) - max(counts)])
                warm = request(communes[len(communes) - count :], made)
                wait(warm, workers)
                rates, renders = [], []
                for _run in range(args.runs):
                    ids = request([next(pool) for _ in range(args.reports)], made)
                    elapsed = wait(ids, workers)
                    rates.append(args.reports / elapsed * 60)
                    renders += render_seconds(ids)
                    print(f"  {args.reports} báo cáo xã: {elapsed:.1f} s, {rates[-1]:.1f} báo cáo/phút", flush=True)
                rows.append((count, rates, renders))
                if count == 1 and args.province_runs:
                    seconds, ends = [], []
                    for _run in range(args.province_runs):
                        ids = request([province], made)
                        ends.append(wait(ids, workers))
                        seconds += render_seconds(ids)
                    pages = ReportRun.objects.get(pk=ids[0]).pages
                    province_seconds = common.spread(seconds)[1]
                    province_lines = [
                        f"| Báo cáo tỉnh ({province.display_name}, {pages} trang), 1 worker | "
                        f"{fmt(seconds)} s trên worker; {fmt(ends)} s từ lúc yêu cầu |",
                    ]
            finally:
                stop_workers(workers)
    finally:
        runs = ReportRun.objects.filter(pk__in=made)
        for run in runs:
            for field in (run.pdf, run.docx, run.xlsx):
                if field:
                    field.delete(save=False)
        runs.delete()
        shutil.rmtree(files, ignore_errors=True)

    lines = [
        f"- Dữ liệu: {province.display_name}, {len(with_data)} xã có dữ liệu của generate_dataset; năm {YEAR}; "
        f"{os.cpu_count()} lõi; mỗi lượt {args.reports} báo cáo xã khác nhau, {args.runs} lượt mỗi số worker "
        "(mỗi worker đã làm nóng bằng một báo cáo).",
        "",
        "| Worker pdf | Báo cáo xã/phút (nhỏ nhất / trung vị / lớn nhất) | Theo tỉ lệ với 1 worker | "
        "Một báo cáo xã trên worker (s) |",
        "|---:|---:|---:|---:|",
    ]
    # One worker's rate: measured with one worker when it was run, else the first count's rate per worker.
    base = next((common.spread(r)[1] for c, r, _ in rows if c == 1), 0) or (
        common.spread(rows[0][1])[1] / rows[0][0] if rows else 0
    )
    for count, rates, renders in rows:
        median = common.spread(rates)[1]
        lines.append(f"| {count} | {fmt(rates)} | {median / (base * count):.0%} | {fmt(renders, 2)} |")
    if province_lines:
        lines += ["", "| Báo cáo tỉnh | Thời gian (nhỏ nhất / trung vị / lớn nhất) |", "|---|---|", *province_lines]
    if rows:
        per_worker = base  # reports per minute of one worker; N workers on N machines: N times that
        province_minutes = province_seconds / 60
        lines += [
            "",
            f"Dự tính cho cả nước ({number(COUNTRY_COMMUNES)} xã và {COUNTRY_PROVINCES} tỉnh; một worker mỗi máy, "
            "tăng tuyến tính theo số máy như docs/operations.md; tốc độ một worker đo ở trên):",
            "",
            "| Worker pdf | Giờ cho một lượt dựng | Giờ nếu mỗi báo cáo dựng 3 lần |",
            "|---:|---:|---:|",
        ]
        for workers in OPERATIONS_WORKERS:
            minutes = (COUNTRY_COMMUNES / per_worker + COUNTRY_PROVINCES * province_minutes) / workers
            lines.append(f"| {workers} | {minutes / 60:.1f} | {3 * minutes / 60:.1f} |")
    common.write_results("reports", lines)


if __name__ == "__main__":
    main()
