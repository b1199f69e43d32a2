"""Dashboards at province scale, and a mixed load of secretaries and officers through gunicorn (issue 9); the
national dashboard on the country dataset (issue 19).

    python benchmarks/dashboards.py                 both parts, written to benchmarks/results/dashboards.md
    python benchmarks/dashboards.py --pages-only    part 1 only
    python benchmarks/dashboards.py --duration 20   seconds per load step (default 20)
    python benchmarks/dashboards.py --steps 2,4,6,8 only these load steps (concurrent users), to compare code
    python benchmarks/dashboards.py --cpu-mix 600   only the CPU of each kind of request of the mix, 600 requests
                                                    run one at a time in this process (the steadiest comparison of
                                                    two versions of the code), to benchmarks/results/dashboards_cpu.md
    python benchmarks/dashboards.py --workers 5 --threads 2   the load through another shape of gunicorn
    python benchmarks/dashboards.py --country       the national dashboard (central association → provinces)
                                                    and a province's, cold and warm through gunicorn, on
                                                    BENCH_COUNTRY_DATABASE_URL (default kh_bench_country, filled
                                                    with `generate_dataset --scale country`), written to
                                                    benchmarks/results/dashboards_country.md

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL), filled once with
`generate_dataset --scale province` (it measures the province the dataset was generated in), and Redis
database 5 (BENCH_REDIS_URL) as the cache, as in production.

1. Pages: the province's dashboard and those of ten communes, as the whole page a user gets (view, queries,
   template) through Django's test client: "cold" right after every cached roll-up was forgotten (a new
   generation, as after `rebuild_summaries`), then warm; median, 95th percentile, largest, query count.
2. Mixed load: gunicorn as in production (`--workers 3 --threads 4`, persistent database connections; the options of
   the same names try another shape) on 127.0.0.1; virtual users on keep-alive HTTP connections (the standard
   library's http.client), each request drawn from a mix of secretaries' pages, a secretary adding a member (form,
   then POST), and officers' dashboards of the province and of communes. The number of users grows step by step; each
   step reports requests per second and latencies. The sustained rate is the best step whose 95th percentile stays
   under 300 ms. Each step also says what a request cost in CPU (read from /proc on Linux): in the gunicorn
   processes, in PostgreSQL's, and on the whole machine (load generator, worker and Redis included). Requests per
   second swing ±10 % from run to run on a shared machine; CPU per request is the steadier figure to compare two
   versions of the code by.
Members added by the load are kept (named "Hội viên Đo Tải …"); the bench users are created once.
"""

import argparse
import contextlib
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
COUNTRY_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_country"
COUNTRY_SECTION = "## Bảng điều khiển toàn quốc"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
YEAR = 2025  # the last full year of the dataset
PASSWORD = "bench-load-2025"
SECTION = "## Bảng điều khiển và tải hỗn hợp"
STEPS = [1, 2, 4, 6, 8, 12, 16]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:.0f}"


# Part 1 -----------------------------------------------------------------------------------------------------


def measure_pages(province, communes, officer) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from chapters.summaries import summaries_changed

    client = logged_in(officer)
    lines = [
        "| Trang | Lần đầu, bộ đệm trống (ms) | Trung vị (ms) | Phân vị 95 (ms) | Lớn nhất (ms) | Số truy vấn |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def get(unit):
        started = time.perf_counter()
        response = client.get(reverse("reports:unit_dashboard", args=[unit.pk]), {"year": YEAR})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    summaries_changed(None)  # every cached roll-up forgotten
    cold = get(province)
    timings = [get(province) for _ in range(30)]
    with CaptureQueriesContext(connection) as queries:
        get(province)
    lines.append(
        f"| Tỉnh ({province.display_name}, {province.children.filter(active_until__isnull=True).count()} xã) | "
        f"{ms(cold)} | "
        f"{ms(statistics.median(timings))} | {ms(percentile(timings, 0.95))} | {ms(max(timings))} | "
        f"{len(queries.captured_queries)} |"
    )
    colds, warms = [], []
    for commune in communes:
        colds.append(get(commune))
        warms.extend(get(commune) for _ in range(10))
    with CaptureQueriesContext(connection) as queries:
        get(communes[0])
    lines.append(
        f"| {len(communes)} xã (mỗi xã 10 lần) | {ms(statistics.median(colds))} (trung vị) | "
        f"{ms(statistics.median(warms))} | {ms(percentile(warms, 0.95))} | {ms(max(warms))} | "
        f"{len(queries.captured_queries)} |"
    )
    return lines


def measure_http(pages: list[tuple[str, object]], cookie: str, colds: int = 5, warms: int = 30) -> list[str]:
    """Dashboards through gunicorn with a real HTTP client (keep-alive http.client), cold and warm: each cold
    request is the first after every cached roll-up was forgotten (a new generation, as after
    `rebuild_summaries` or a Redis restart: the tree snapshot and every total are computed again); the warm ones
    follow. p50 and p95 of each."""
    from django.urls import reverse

    from chapters.summaries import summaries_changed

    lines = [
        "| Trang | Lạnh: trung vị (ms) | Lạnh: phân vị 95 (ms) | Ấm: trung vị (ms) | Ấm: phân vị 95 (ms) "
        "| Số lần (lạnh + ấm) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    with gunicorn_server():
        user = VirtualUser(cookie)
        user.request("GET", "/")
        for label, unit in pages:
            path = reverse("reports:unit_dashboard", args=[unit.pk]) + f"?year={YEAR}"

            def get(path=path, label=label):
                started = time.perf_counter()
                status, _text = user.request("GET", path)
                assert status == 200, (label, status)
                return time.perf_counter() - started

            get()  # the worker's first request (imports, connections) is not a dashboard's time
            cold = []
            for _ in range(colds):
                summaries_changed(None)
                cold.append(get())
            warm = [get() for _ in range(warms)]
            print(f"  {label}: lạnh {ms(statistics.median(cold))} ms, ấm {ms(statistics.median(warm))} ms", flush=True)
            lines.append(
                f"| {label} | {ms(statistics.median(cold))} | {ms(percentile(cold, 0.95))} | "
                f"{ms(statistics.median(warm))} | {ms(percentile(warm, 0.95))} | {colds} + {warms} |"
            )
    return lines


def country_pages(province_code: str | None):
    """The national association, the province asked for (default: the one with most communes) and its officer."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from chapters.models import Role, Unit

    central = Unit.objects.filter(level=Unit.Level.CENTRAL, active_until__isnull=True).order_by("pk").first()
    if central is None:
        raise SystemExit("Không có hội cấp trung ương: tạo dữ liệu bằng `generate_dataset --scale country`.")
    provinces = Unit.objects.filter(parent=central, active_until__isnull=True)
    if province_code:
        province = provinces.get(code=province_code.zfill(2))
    else:
        province = provinces.annotate(n=Count("children")).order_by("-n", "code").first()
    User = get_user_model()
    officer, created = User.objects.get_or_create(username="bench_load_tw", defaults={"first_name": "Đo"})
    if created:
        officer.set_password(PASSWORD)
        officer.save()
    Role.objects.get_or_create(user=officer, unit=central, kind=Role.Kind.OFFICER)
    return central, province, officer


def main_country(args) -> None:
    """The national dashboard (central association → provinces) and a province's, on the country dataset."""
    common.configure(
        "BENCH_COUNTRY_DATABASE_URL",
        COUNTRY_URL,
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=common.BENCH_REDIS_URL,
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"),
        LOGIN_THROTTLE_ENABLED="false",
    )
    import django

    django.setup()
    from chapters.models import CommuneTotal, Summary, Unit
    from core.formatting import number

    common.require_dataset()
    central, province, officer = country_pages(args.province)
    provinces = Unit.objects.filter(parent=central, active_until__isnull=True).count()
    communes = Unit.objects.filter(level=Unit.Level.COMMUNE, active_until__isnull=True).count()
    lines = [
        f"`python benchmarks/dashboards.py --country` trên `{common.database_name()}` ({central.display_name}: "
        f"{provinces} tỉnh, {number(communes)} xã, {number(common.dataset_units().count())} chi hội và ban, "
        f"{number(Summary.objects.count())} dòng tổng hợp, {number(CommuneTotal.objects.count())} dòng cộng dồn "
        f"của xã), bộ đệm Redis, gunicorn {shape_text()}, {os.cpu_count()} lõi, ngày {time.strftime('%d/%m/%Y')}, "
        f"tải trung bình lúc bắt đầu {common.load_average()}; số liệu năm {YEAR}.",
        "",
    ]
    lines += measure_http(
        [
            (f"Toàn quốc ({central.display_name}, {provinces} tỉnh)", central),
            (
                f"Tỉnh ({province.display_name}, {province.children.filter(active_until__isnull=True).count()} xã)",
                province,
            ),
        ],
        session_for(officer),
        colds=args.colds,
        warms=args.warms,
    )
    lines += ["", f"Tải trung bình lúc kết thúc: {common.load_average()}."]
    common.write_results("dashboards_country", [COUNTRY_SECTION, "", *lines])


# Part 2 -----------------------------------------------------------------------------------------------------


class VirtualUser:
    """One keep-alive connection with a logged-in session."""

    def __init__(self, cookie: str):
        self.cookie = cookie
        self.csrf = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": f"sessionid={self.cookie}; csrftoken={self.csrf}", "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-CSRFToken": self.csrf,
                    "Referer": f"http://127.0.0.1:{PORT}{path}",
                }
            )
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                self.csrf = value.split(";", 1)[0].split("=", 1)[1]
        return response.status, text


def scenario(people, member_ids):
    """The mix: what one request of a virtual user is, drawn by weight. Returns (name, weight, action)."""
    from django.urls import reverse

    def province_dashboard(user):
        return [("GET", reverse("reports:unit_dashboard", args=[people["province"]]) + f"?year={YEAR}", None)]

    def commune_dashboard(user):
        # A commune's officer opens her own commune; the province's officer drills down to any commune.
        commune = user.unit or random.choice(people["communes"])
        return [("GET", reverse("reports:unit_dashboard", args=[commune]) + f"?year={YEAR}", None)]

    def member_search(user):
        word = random.choice(["nguyen", "tran thi", "van hung", "le", "pham", "hoa", "minh", "lan"])
        return [("GET", reverse("members:member_list") + "?" + urlencode({"q": word}), None)]

    def member_detail(user):
        return [("GET", reverse("members:member_detail", args=[random.choice(member_ids[user.unit])]), None)]

    def quick_add(user):
        number = random.randrange(10**6)
        return [
            ("GET", reverse("members:member_quick_add"), None),
            (
                "POST",
                reverse("members:member_quick_add"),
                {
                    "full_name": f"Hội viên Đo Tải {number}",
                    "birth_year": str(random.randint(1945, 2000)),
                    "gender": random.choice("MF"),
                    "phone": "",
                    "unit": str(user.unit),
                    "joined_on": "15/11/2026",
                    "confirm_duplicate": "True",
                },
            ),
        ]

    return [
        ("Thư ký: trang chủ (việc còn thiếu)", 15, "secretary", lambda user: [("GET", reverse("home"), None)]),
        ("Thư ký: danh sách hội viên", 15, "secretary", lambda user: [("GET", reverse("members:member_list"), None)]),
        ("Thư ký: tìm hội viên", 10, "secretary", member_search),
        ("Thư ký: hồ sơ hội viên", 10, "secretary", member_detail),
        ("Thư ký: thêm nhanh hội viên (mở form + lưu)", 10, "secretary", quick_add),
        ("Cán bộ xã: bảng điều khiển xã", 15, "commune", commune_dashboard),
        ("Cán bộ tỉnh: bảng điều khiển tỉnh", 15, "province", province_dashboard),
        (
            "Cán bộ tỉnh: tiến độ các xã",
            5,
            "province",
            lambda user: [
                ("GET", reverse("reports:unit_completeness", args=[people["province"]]) + f"?year={YEAR}", None)
            ],
        ),
        ("Cán bộ tỉnh: bảng điều khiển một xã", 5, "province", commune_dashboard),
    ]


CPU_GROUPS = {
    "gunicorn": lambda command: "gunicorn" in command and "khuyenhoc.wsgi" in command,
    "postgres": lambda command: command.startswith("postgres"),
}


def cpu_snapshot() -> dict | None:
    """CPU clock ticks (user + system) used so far by each gunicorn and PostgreSQL process, and by the whole
    machine (None where /proc is missing)."""
    if not os.path.exists("/proc/stat"):
        return None
    processes = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode("utf-8", "replace")
            group = next((name for name, match in CPU_GROUPS.items() if match(command)), None)
            if group is None:
                continue
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        processes[entry] = (group, int(fields[11]) + int(fields[12]))
    with open("/proc/stat") as file:
        machine = file.readline().split()[1:]
    busy = sum(int(value) for index, value in enumerate(machine) if index not in (3, 4))  # all but idle, iowait
    return {"processes": processes, "machine": busy}


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds between two snapshots, by group and for the machine. A process that ended in between (a
    database connection closed) is not counted: its last ticks cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(CPU_GROUPS, 0.0)
    for pid, (group, ticks) in after["processes"].items():
        used[group] += (ticks - before["processes"].get(pid, (group, 0))[1]) / tick
    used["machine"] = (after["machine"] - before["machine"]) / tick
    return used


def run_step(users_by_role, mix, concurrency: int, duration: float) -> dict:
    stop = threading.Event()
    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    weights = [weight for _name, weight, _role, _action in mix]

    def worker(index: int):
        # Each thread is its own browser: its own connection, with one of the role's sessions.
        rng_users = {}
        for role, users in users_by_role.items():
            user = users[index % len(users)]
            rng_users[role] = VirtualUser(user.cookie)
            rng_users[role].unit, rng_users[role].csrf = user.unit, user.csrf
        while not stop.is_set():
            name, _weight, role, action = random.choices(mix, weights=weights)[0]
            user = rng_users[role]
            for method, path, body in action(user):
                started = time.perf_counter()
                try:
                    status, _text = user.request(method, path, body)
                except Exception:  # noqa: BLE001 - a failed request is counted, not raised
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    samples.append((f"{name}" if method == "GET" else f"{name} (POST)", elapsed, status))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    cpu_before = cpu_snapshot()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = cpu_snapshot()
    cpu = {}
    if cpu_before and cpu_after and samples:
        cpu = {name: seconds / len(samples) for name, seconds in cpu_used(cpu_before, cpu_after).items()}
    timings = [elapsed for _name, elapsed, _status in samples]
    failed = [(name, status) for name, _elapsed, status in samples if status not in (200, 302)]
    for name, status in sorted(set(failed)):
        print(f"    lỗi: {name} → {status} ({failed.count((name, status))} lần)", flush=True)
    errors = len(failed)
    return {
        "concurrency": concurrency,
        "requests": len(samples),
        "rps": len(samples) / wall,
        "median": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "p99": percentile(timings, 0.99),
        "errors": errors,
        "samples": samples,
        "cpu": cpu,  # CPU seconds per request: gunicorn, postgres, machine
    }


def wait_for_server(process) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/dang-nhap/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def query_counts(people, member_ids, accounts) -> dict[str, int]:
    """Queries of each kind of request, run once in-process as its persona ({role: (user, unit id)})."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, _weight, role, action in scenario(people, member_ids):
        user, unit = accounts[role]
        client = logged_in(user)
        for method, path, body in action(SimpleNamespace(unit=unit)):
            with CaptureQueriesContext(connection) as queries:
                response = client.post(path, body) if method == "POST" else client.get(path)
            assert response.status_code in (200, 302), (name, response.status_code)
            counts[name if method == "GET" else f"{name} (POST)"] = len(queries.captured_queries)
    return counts


CPU_MIX_SEED = 5
CPU_MIX_WARM = 100  # requests of the mix run first and not counted (imports, connections, the cache)


def cpu_mix(people, member_ids, accounts, requests: int, *, seed: int = CPU_MIX_SEED) -> dict[str, list[float]]:
    """The mix run in this process, one request at a time, drawn with a fixed seed: the CPU seconds
    (`time.thread_time`) of each request, by kind. Django's whole work for the request (middleware, view, template)
    and the test client's, without PostgreSQL's and Redis's, and without the threads of a server contending for the
    GIL: the figure to compare two versions of the code by, steadier than requests per second.
    `accounts`: {role: [(user, unit id)]}, each user logged in once."""
    from types import SimpleNamespace

    mix = scenario(people, member_ids)
    weights = [weight for _name, weight, _role, _action in mix]
    clients = {role: [(logged_in(user), unit) for user, unit in entries] for role, entries in accounts.items()}
    draw = random.Random(seed)
    random.seed(seed)  # the mix's own choices (a word to search, a member, a commune)
    samples: dict[str, list[float]] = {}
    for position in range(CPU_MIX_WARM + requests):
        name, _weight, role, action = draw.choices(mix, weights)[0]
        client, unit = draw.choice(clients[role])
        for method, path, body in action(SimpleNamespace(unit=unit)):
            start = time.thread_time()
            response = client.post(path, body) if method == "POST" else client.get(path)
            used = time.thread_time() - start
            assert response.status_code in (200, 302), (name, response.status_code)
            if position >= CPU_MIX_WARM:
                samples.setdefault(name if method == "GET" else f"{name} (POST)", []).append(used)
    return samples


def cpu_mix_lines(samples: dict[str, list[float]]) -> list[str]:
    """The table of `cpu_mix`: per kind of request, its CPU (median and mean) and its share of the mix's CPU; then
    the mean CPU of a request of the mix."""
    total = sum(sum(times) for times in samples.values())
    count = sum(len(times) for times in samples.values())
    lines = [
        "| Yêu cầu | Số lần | CPU trung vị (ms) | CPU trung bình (ms) | Phần CPU của cả bộ trộn |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, times in sorted(samples.items(), key=lambda item: -sum(item[1])):
        share = sum(times) / total * 100 if total else 0
        lines.append(
            f"| {name} | {len(times)} | {statistics.median(times) * 1000:.1f} | "
            f"{sum(times) / len(times) * 1000:.1f} | {share:.1f} % |"
        )
    lines += ["", f"- **CPU trung bình của một yêu cầu: {total / count * 1000:.1f} ms** ({count} yêu cầu)."]
    return lines


SHAPE = {"workers": 3, "threads": 4}  # gunicorn's processes and threads: production's, unless --workers/--threads


def shape_text() -> str:
    return f"{SHAPE['workers']} worker × {SHAPE['threads']} luồng"


@contextlib.contextmanager
def gunicorn_server():
    """gunicorn shaped as SHAPE (production's 3 workers × 4 threads by default) on 127.0.0.1:PORT, and one Celery
    worker of the default queue (it sums the communes' stored totals again after the secretaries' saves, on the
    same two cores), on the database, cache and broker main() configured; stopped at the end."""
    env = dict(os.environ)  # as configured by main(): the same database and cache
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "khuyenhoc", "worker", "-Q", "default", "-c", "1", "-l", "warning"],
        cwd=ROOT,
        env=env,
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "khuyenhoc.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(SHAPE["workers"]),
            "--threads",
            str(SHAPE["threads"]),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_server(server)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        drain_caught_up()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)


DRAIN_LAG: list[float] = []


def drain_caught_up(limit: float = 120.0) -> None:
    """Wait until the worker has summed every pending commune again; how long it took after the load stopped is
    written down (DRAIN_LAG)."""
    from chapters.models import CommuneTotalPending

    start = time.perf_counter()
    while CommuneTotalPending.objects.exists() and time.perf_counter() - start < limit:
        time.sleep(0.2)
    DRAIN_LAG.append(time.perf_counter() - start)


def _cpu_ms(result: dict, name: str) -> str:
    return f"{result['cpu'][name] * 1000:.1f}" if result["cpu"] else "—"


def measure_load(
    people, member_ids, sessions, duration: float, counts: dict[str, int], steps: list[int] = STEPS
) -> list[str]:
    with gunicorn_server():
        mix = scenario(people, member_ids)
        users_by_role = {}
        for role, entries in sessions.items():
            users_by_role[role] = []
            for cookie, unit in entries:
                user = VirtualUser(cookie)
                user.unit = unit
                user.request("GET", "/")  # the CSRF cookie
                users_by_role[role].append(user)
        run_step(users_by_role, mix, 4, 5)  # warm the workers and the cache
        results = []
        for concurrency in steps:
            result = run_step(users_by_role, mix, concurrency, duration)
            results.append(result)
            print(
                f"  {concurrency:>2} người dùng: {result['rps']:.1f} yêu cầu/giây, trung vị {ms(result['median'])} ms, "
                f"p95 {ms(result['p95'])} ms, lỗi {result['errors']}; CPU mỗi yêu cầu: gunicorn "
                f"{_cpu_ms(result, 'gunicorn')} ms, PostgreSQL {_cpu_ms(result, 'postgres')} ms, "
                f"cả máy {_cpu_ms(result, 'machine')} ms",
                flush=True,
            )

    lines = [
        "| Người dùng đồng thời | Yêu cầu | Yêu cầu/giây | Trung vị (ms) | Phân vị 95 (ms) | Phân vị 99 (ms) | Lỗi "
        "| CPU/yêu cầu: gunicorn (ms) | PostgreSQL (ms) | cả máy (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['concurrency']} | {r['requests']} | {r['rps']:.1f} | {ms(r['median'])} | {ms(r['p95'])} | "
            f"{ms(r['p99'])} | {r['errors']} | {_cpu_ms(r, 'gunicorn')} | {_cpu_ms(r, 'postgres')} | "
            f"{_cpu_ms(r, 'machine')} |"
        )
    good = [r for r in results if r["p95"] < 0.300 and not r["errors"]]
    best = max(good, key=lambda r: r["rps"]) if good else None
    lines.append("")
    if best:
        lines.append(
            f"- **Tốc độ bền vững với phân vị 95 dưới 300 ms: {best['rps']:.1f} yêu cầu/giây** "
            f"({best['concurrency']} người dùng đồng thời; mục tiêu ≥ 100 của issue 19)."
        )
    else:
        lines.append("- Không bước nào giữ được phân vị 95 dưới 300 ms.")
    if DRAIN_LAG:
        lines.append(
            f"- Số cộng dồn của các xã được lưu trong lúc đo đã được máy xử lý nền cộng lại hết {DRAIN_LAG[-1]:.1f} s "
            "sau khi ngừng tải (một worker Celery, cùng hai lõi)."
        )
    # Per page at the sustained step.
    chosen = best or results[0]
    by_name: dict[str, list[float]] = {}
    for name, elapsed, _status in chosen["samples"]:
        by_name.setdefault(name, []).append(elapsed)
    lines += [
        "",
        f"Từng loại yêu cầu ở bước {chosen['concurrency']} người dùng:",
        "",
        "| Yêu cầu | Số lần | Trung vị (ms) | Phân vị 95 (ms) | Số truy vấn |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, timings in sorted(by_name.items()):
        median, p95 = ms(statistics.median(timings)), ms(percentile(timings, 0.95))
        lines.append(f"| {name} | {len(timings)} | {median} | {p95} | {counts.get(name, '')} |")
    return lines


# Setup and report -------------------------------------------------------------------------------------------


def bench_people():
    """The bench users (created once): the province's officer, officers of communes, secretaries of chapters."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Role, Unit

    User = get_user_model()
    province = common.dataset_province()
    communes = list(
        Unit.objects.filter(parent=province, level=Unit.Level.COMMUNE, active_until__isnull=True).order_by("code")
    )
    sample = random.Random(9).sample(communes, 10)
    chapters = list(
        Unit.objects.filter(notes=MARKER, parent__in=sample, level=Unit.Level.GRASSROOTS)
        .annotate(n=Count("members"))
        .filter(n__gt=20)
        .order_by("pk")[:24]
    )

    def user(username, unit, kind):
        account, created = User.objects.get_or_create(
            username=username, defaults={"first_name": "Đo", "last_name": "Tải"}
        )
        if created:
            account.set_password(PASSWORD)
            account.save()
        Role.objects.get_or_create(user=account, unit=unit, kind=kind)
        return account

    officer = user("bench_load_tinh", province, Role.Kind.OFFICER)
    commune_officers = [user(f"bench_load_xa_{c.code}", c, Role.Kind.OFFICER) for c in sample]
    secretaries = [(user(f"bench_load_ch_{c.pk}", c, Role.Kind.SECRETARY), c) for c in chapters]
    return province, sample, chapters, officer, commune_officers, secretaries


def logged_in(user):
    """A test client logged in as `user`."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def session_for(user) -> str:
    return logged_in(user).cookies["sessionid"].value


def mix_people(province, communes, chapters, officer, commune_officers, secretaries):
    """What the mix draws from (`scenario`): the province and communes, up to 200 members of each chapter, and
    the accounts of each role ({role: [(user, unit id)]})."""
    from members.models import Member

    people = {"province": province.pk, "communes": [c.pk for c in communes]}
    member_ids = {
        chapter.pk: list(Member.objects.filter(unit=chapter).values_list("pk", flat=True)[:200]) for chapter in chapters
    }
    accounts = {
        "province": [(officer, None)],
        "commune": [(u, c.pk) for u, c in zip(commune_officers, communes, strict=True)],
        "secretary": [(u, chapter.pk) for u, chapter in secretaries],
    }
    return people, member_ids, accounts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages-only", action="store_true")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument(
        "--steps",
        default=",".join(map(str, STEPS)),
        help="concurrent users of each load step, comma-separated (default %(default)s)",
    )
    parser.add_argument("--country", action="store_true", help="the national and a province dashboard, country data")
    parser.add_argument("--province", help="--country: the province's code (default: the one with most communes)")
    parser.add_argument("--colds", type=int, default=5, help="cold requests per page through gunicorn")
    parser.add_argument("--warms", type=int, default=30, help="warm requests per page through gunicorn")
    parser.add_argument(
        "--cpu-mix",
        type=int,
        metavar="N",
        help="only: N requests of the mix in this process, one at a time, and the CPU of each kind of request",
    )
    parser.add_argument("--workers", type=int, default=SHAPE["workers"], help="gunicorn's processes (%(default)s)")
    parser.add_argument("--threads", type=int, default=SHAPE["threads"], help="threads per process (%(default)s)")
    args = parser.parse_args()
    SHAPE.update(workers=args.workers, threads=args.threads)
    if args.country:
        main_country(args)
        return

    common.configure(
        "BENCH_MEMBERS_DATABASE_URL",
        DEFAULT_URL,
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=common.BENCH_REDIS_URL,
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"),
        LOGIN_THROTTLE_ENABLED="false",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chapters.models import Summary
    from core.formatting import number
    from members.models import Member

    call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        call_command("generate_dataset", scale="province")
    common.require_dataset()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    province, communes, chapters, officer, commune_officers, secretaries = bench_people()
    units = 1 + sum(1 for _ in province.__class__.objects.subtree(province).values_list("pk"))
    lines = [
        f"`python benchmarks/dashboards.py` trên `{common.database_name()}` ({province.display_name}: "
        f"{number(units - 1)} "
        f"đơn vị, {number(Member.objects.count())} hội viên, {number(Summary.objects.count())} dòng tổng hợp), "
        f"bộ đệm Redis, {os.cpu_count()} lõi, PostgreSQL {postgres}, ngày {time.strftime('%d/%m/%Y')}; "
        f"số liệu năm {YEAR}.",
        "",
    ]
    if args.cpu_mix:
        people, member_ids, accounts = mix_people(province, communes, chapters, officer, commune_officers, secretaries)
        print(f"CPU của {args.cpu_mix} yêu cầu của bộ trộn, trong tiến trình này...", flush=True)
        samples = cpu_mix(people, member_ids, accounts, args.cpu_mix)
        lines += [
            f"### CPU của từng loại yêu cầu (`--cpu-mix {args.cpu_mix}`: trong một tiến trình, lần lượt từng yêu cầu, "
            f"hạt giống {CPU_MIX_SEED}, sau {CPU_MIX_WARM} yêu cầu làm nóng; chỉ CPU của Django, không có của "
            "PostgreSQL và Redis)",
            "",
            *cpu_mix_lines(samples),
        ]
        common.write_results("dashboards_cpu", [SECTION, "", *lines])
        return
    print("Trang bảng điều khiển...", flush=True)
    lines += ["### Từng trang (Django test client, cả trang)", "", *measure_pages(province, communes, officer)]
    print("Bảng điều khiển tỉnh qua gunicorn, lạnh và ấm...", flush=True)
    lines += ["", f"### Qua gunicorn ({shape_text()}), trình khách HTTP thật", ""]
    lines += measure_http([(f"Tỉnh ({province.display_name})", province)], session_for(officer), args.colds, args.warms)
    if not args.pages_only:
        print("Tải hỗn hợp qua gunicorn...", flush=True)
        people, member_ids, accounts = mix_people(province, communes, chapters, officer, commune_officers, secretaries)
        sessions = {role: [(session_for(user), unit) for user, unit in entries] for role, entries in accounts.items()}
        lines += [
            "",
            f"### Tải hỗn hợp qua gunicorn ({shape_text()}), mỗi bước {args.duration:.0f} giây",
            "",
            f"{len(secretaries)} thư ký chi hội, {len(commune_officers)} cán bộ xã, 1 cán bộ tỉnh; tỉ lệ: thư ký 60% "
            "(trang chủ, danh sách, tìm, hồ sơ, thêm nhanh hội viên: mở form rồi lưu), cán bộ xã 15%, cán bộ tỉnh 25% "
            "(bảng điều khiển tỉnh, tiến độ, bảng điều khiển xã). Máy đo chạy cả gunicorn, PostgreSQL, Redis và "
            "chương trình tạo tải.",
            "",
        ]
        counts = query_counts(people, member_ids, {role: entries[0] for role, entries in accounts.items()})
        steps = [int(step) for step in args.steps.split(",")]
        lines += measure_load(people, member_ids, sessions, args.duration, counts, steps)
    common.write_results("dashboards", [SECTION, "", *lines])


if __name__ == "__main__":
    main()
