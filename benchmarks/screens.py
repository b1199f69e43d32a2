"""The main journeys' pages through real HTTP (issue 18): time per page (median, 95th percentile) and page weight.

    python benchmarks/screens.py                         the demo data (target: p95 < 300 ms)
    python benchmarks/screens.py --dataset province      the province dataset (target: p95 < 500 ms)
    python benchmarks/screens.py --repeats 3             a quick check that every page answers

Results go to benchmarks/results/screens-<dataset>.md (never to the docs; copy by hand what is worth keeping).

- demo: builds its own database `kh_bench_screens` (BENCH_SCREENS_DATABASE_URL) from nothing as the README's first
  command does (migrate, load_divisions --history, seed_demo) and logs the demo accounts in.
- province: the province dataset every benchmark reads, `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL), filled
  once with `generate_dataset --scale province` (`--scale ward` for a small one, if the database is empty); the
  script only adds three bench accounts (secretary of a chapter with members, officer and administrator of the
  province). The demo run refuses to rebuild that database.

Gunicorn is started as scripts/run.sh does (DEBUG off, 2 workers × 4 threads); each page is asked `--repeats`
times on a keep-alive connection after a first, uncounted request. The weight of a page is its HTML plus every
stylesheet and script it links (images: none), as sent (no compression) and gzipped.
"""

import argparse
import gzip
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DATASETS = {
    "demo": ("BENCH_SCREENS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_bench_screens"),
    "province": ("BENCH_MEMBERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_bench_members"),
}
SHARED = "kh_bench_members"  # the province dataset every benchmark reads: measured here, never rebuilt
VAR = Path(os.environ.get("BENCH_SCREENS_VAR", "/tmp/kh_bench_screens"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
PASSWORD = "khuyenhoc2025"  # seed_demo's; the province dataset's bench accounts get it too
REPEATS = 30
TARGETS = {"demo": 300, "province": 500}  # p95 in ms (issue 18)


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args, "-v0"], cwd=ROOT, check=True, env=os.environ)


class Client:
    def __init__(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://127.0.0.1:{PORT}{path}",
                }
            )
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content

    def login(self, username: str) -> None:
        _status, page = self.request("GET", "/dang-nhap/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request(
            "POST", "/dang-nhap/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        )
        assert status == 302, f"login of {username} failed ({status})"


def journey(who: dict[str, str], chapter, member, fund, province) -> list[tuple[str, str, str]]:
    """(who, what, address) of the journeys' pages: a secretary's, a province officer's, an administrator's."""
    from django.urls import reverse

    secretary, officer, administrator = who["secretary"], who["officer"], who["administrator"]
    rows = [
        (secretary, "Trang chủ", reverse("home")),
        (secretary, "Danh sách hội viên", reverse("members:member_list")),
        (secretary, "Hội viên chưa nộp hội phí", reverse("members:member_list") + f"?unit={chapter.pk}&dues=unpaid"),
        (secretary, "Thêm nhanh hội viên", reverse("members:member_quick_add")),
        (secretary, "Thêm hội viên (đầy đủ)", reverse("members:member_create")),
        (secretary, "Bảng chấm điểm gia đình", reverse("learning_models:record_table", args=[chapter.pk, 2025])),
        (secretary, "Tìm hội viên (phiếu thu)", reverse("members:member_search") + "?q=nguyen"),
        (officer, "Tổng hợp tỉnh (bảng + bản đồ)", reverse("reports:unit_dashboard", args=[province.pk])),
        (officer, "Xuất Excel tổng hợp tỉnh", reverse("reports:unit_dashboard_xlsx", args=[province.pk])),
        (officer, "Nhập, xuất Excel", reverse("imports:job_list")),
        (administrator, "Tìm đơn vị (ô chọn đơn vị)", reverse("chapters:unit_search") + "?q=phuong&action=manage"),
    ]
    if member is not None:
        rows.insert(5, (secretary, "Hồ sơ hội viên", reverse("members:member_detail", args=[member.pk])))
    if fund is not None:
        rows.insert(7, (secretary, "Lập phiếu thu", reverse("funds:transaction_create", args=[fund.pk, "thu"])))
    return rows


def demo_pages() -> list[tuple[str, str, str]]:
    from chapters.models import Unit
    from funds.models import Fund
    from members.models import Member

    chapter = Unit.objects.get(code="00167-01")
    member = Member.objects.filter(unit=chapter).order_by("pk").first()
    fund = Fund.objects.filter(unit=chapter).first() or Fund.objects.filter(unit=chapter.parent).first()
    province = Unit.objects.get(code="01", active_until__isnull=True)
    who = {"secretary": "thuky", "officer": "canbo_tinh", "administrator": "quantri"}
    return journey(who, chapter, member, fund, province)


def province_pages() -> list[tuple[str, str, str]]:
    """The dataset's province and its busiest chapter, with bench accounts made once (password PASSWORD)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from chapters.models import Role, Unit
    from funds.models import Fund
    from members.models import Member

    common.require_dataset()
    province = common.dataset_province()
    chapter = (
        common.dataset_units()
        .filter(level=Unit.Level.GRASSROOTS, active_until__isnull=True)
        .annotate(n=Count("members"))
        .order_by("-n", "pk")
        .first()
    )
    User = get_user_model()

    def account(username: str, unit, kind) -> str:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": "Đo", "last_name": "Màn"})
        if created:
            user.set_password(PASSWORD)
            user.save()
        Role.objects.get_or_create(user=user, unit=unit, kind=kind)
        return username

    who = {
        "secretary": account("bench_screens_ch", chapter, Role.Kind.SECRETARY),
        "officer": account("bench_screens_tinh", province, Role.Kind.OFFICER),
        "administrator": account("bench_screens_qt", province, Role.Kind.ADMINISTRATOR),
    }
    member = Member.objects.filter(unit=chapter).order_by("pk").first()
    fund = Fund.objects.filter(unit=chapter).first() or Fund.objects.filter(unit=chapter.parent).first()
    return journey(who, chapter, member, fund, province)


def weight(client: Client, html: bytes, seen: dict[str, bytes]) -> tuple[int, int]:
    total = [html]
    for path in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        key = path.decode()
        if key not in seen:
            seen[key] = client.request("GET", key)[1]
        total.append(seen[key])
    return sum(len(part) for part in total), sum(len(gzip.compress(part)) for part in total)


def database(url: str, dataset: str = "demo") -> str:
    """The database's name; the demo run drops and rebuilds its database, so never the shared dataset's."""
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    if dataset == "demo" and name == SHARED:
        raise SystemExit(f"Không dựng lại {SHARED}: đó là bộ dữ liệu tỉnh mà mọi phép đo dùng chung.")
    return name


def prepare(dataset: str, url: str, scale: str) -> None:
    """demo: a new database as the README's first command makes it; province: filled once, then reused."""
    name = database(url, dataset)
    if dataset == "demo":
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        manage("migrate", "--noinput")
        # The whole country's reform history, as scripts/run.sh loads it (seed_demo alone loads Hanoi's): the
        # database the README's first command leaves.
        manage("load_divisions", "--history")
        manage("seed_demo")
        return
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    manage("migrate", "--noinput")
    filled = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from benchmarks import common; print(common.dataset_units().exists())",
        ],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not filled.endswith("True"):  # the shell prints its automatic imports first
        manage("load_divisions")
        manage("generate_dataset", "--scale", scale)


def percentile_95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="demo")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"lần đo mỗi trang (mặc định {REPEATS})")
    parser.add_argument("--scale", choices=("province", "ward"), default="province", help="cỡ generate_dataset")
    options = parser.parse_args()
    variable, default_url = DATASETS[options.dataset]
    VAR.mkdir(parents=True, exist_ok=True)
    url = common.configure(variable, default_url, KHUYENHOC_VAR_DIR=str(VAR), LOGIN_THROTTLE_ENABLED="false")
    database(url, options.dataset)
    prepare(options.dataset, url, options.scale)
    import django

    django.setup()
    rows = demo_pages() if options.dataset == "demo" else province_pages()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "khuyenhoc.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ,
    )
    try:
        for _ in range(100):
            try:
                Client().request("GET", "/dang-nhap/")
                break
            except OSError:
                time.sleep(0.2)
        clients: dict[str, Client] = {}
        seen: dict[str, bytes] = {}
        what_data = "dữ liệu mẫu (`seed_demo`)" if options.dataset == "demo" else "bộ dữ liệu tỉnh (`generate_dataset`)"
        lines = [
            "",
            f"Dữ liệu: {what_data}; gunicorn 2 worker × 4 luồng như `scripts/run.sh` (DEBUG tắt), PostgreSQL. Mỗi "
            f"trang {options.repeats} lần trên một kết nối giữ mở; lần đầu không tính. Mục tiêu: phân vị 95 dưới "
            f"{TARGETS[options.dataset]} ms, trang dưới 300 KB. Trọng lượng: HTML cùng mọi CSS, JS trang dùng (không "
            "có ảnh, không tải gì từ ngoài).",
            "",
            "| Người dùng | Trang | Trung vị (ms) | Phân vị 95 (ms) | Trọng lượng (KB) | Nén gzip (KB) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for who, what, path in rows:
            client = clients.get(who)
            if client is None:
                client = clients[who] = Client()
                client.login(who)
            status, body = client.request("GET", path)
            assert status == 200, f"{what}: {status}"
            times = []
            for _ in range(options.repeats):
                start = time.perf_counter()
                client.request("GET", path)
                times.append((time.perf_counter() - start) * 1000)
            p95 = percentile_95(times)
            raw, packed = (
                weight(client, body, seen) if b"<html" in body[:200] else (len(body), len(gzip.compress(body)))
            )
            median = statistics.median(times)
            lines.append(f"| {who} | {what} | {median:.0f} | {p95:.0f} | {raw / 1024:.0f} | {packed / 1024:.0f} |")
        lines.append("")
    finally:
        server.terminate()
        server.wait(timeout=20)
    common.write_results(f"screens-{options.dataset}", lines)


if __name__ == "__main__":
    main()
