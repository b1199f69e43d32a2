"""The main journeys' pages on the demo data, through real HTTP (issue 18): time per page and page weight.

    python benchmarks/screens.py             rewrites its section of docs/benchmarks.md

Builds the database `kh_bench_screens` (BENCH_SCREENS_DATABASE_URL) from nothing as the README's first command
does (migrate, load_divisions, seed_demo), starts gunicorn as scripts/run.sh does (DEBUG off, 2 workers ×
4 threads), logs the demo accounts in through the login form, and asks each page 30 times on a keep-alive
connection. The weight of a page is its HTML plus every stylesheet and script it links (images: none), as sent
(no compression) and gzipped.
"""

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
DATABASE_URL = os.environ.get("BENCH_SCREENS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kh_bench_screens")
VAR = Path(os.environ.get("BENCH_SCREENS_VAR", "/tmp/kh_bench_screens"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "khuyenhoc.settings",
    "KHUYENHOC_ENV": "development",
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": DATABASE_URL,
    "KHUYENHOC_VAR_DIR": str(VAR),
    "LOGIN_THROTTLE_ENABLED": "false",
}
os.environ.pop("REDIS_URL", None)
os.environ.update(ENVIRONMENT)
PASSWORD = "khuyenhoc2025"  # seed_demo's
REPEATS = 30
SECTION = "## Màn hình của các công việc chính (issue 18)"


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


def pages() -> list[tuple[str, str, str]]:
    """(who, what, address) of the journeys' pages, addressed with the demo's own rows."""
    import django

    django.setup()
    from django.urls import reverse

    from chapters.models import Unit
    from funds.models import Fund
    from members.models import Member

    chapter = Unit.objects.get(code="00167-01")
    member = Member.objects.filter(unit=chapter).order_by("pk").first()
    fund = Fund.objects.filter(unit=chapter).first() or Fund.objects.filter(unit=chapter.parent).first()
    province = Unit.objects.get(code="01", active_until__isnull=True)
    rows = [
        ("thuky", "Trang chủ", reverse("home")),
        ("thuky", "Danh sách hội viên", reverse("members:member_list")),
        ("thuky", "Thêm nhanh hội viên", reverse("members:member_quick_add")),
        ("thuky", "Thêm hội viên (đầy đủ)", reverse("members:member_create")),
        ("thuky", "Hồ sơ hội viên", reverse("members:member_detail", args=[member.pk])),
        ("thuky", "Bảng chấm điểm gia đình", reverse("learning_models:record_table", args=[chapter.pk, 2025])),
        ("thuky", "Tìm hội viên (phiếu thu)", reverse("members:member_search") + "?q=nguyen"),
        ("canbo_tinh", "Tổng hợp tỉnh (bảng + bản đồ)", reverse("reports:unit_dashboard", args=[province.pk])),
        ("canbo_tinh", "Xuất Excel tổng hợp tỉnh", reverse("reports:unit_dashboard_xlsx", args=[province.pk])),
        ("canbo_tinh", "Nhập, xuất Excel", reverse("imports:job_list")),
        ("quantri", "Tìm đơn vị (ô chọn đơn vị)", reverse("chapters:unit_search") + "?q=phuong&action=manage"),
    ]
    if fund is not None:
        rows.insert(6, ("thuky", "Lập phiếu thu", reverse("funds:transaction_create", args=[fund.pk, "thu"])))
    return rows


def weight(client: Client, html: bytes, seen: dict[str, bytes]) -> tuple[int, int]:
    total = [html]
    for path in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        key = path.decode()
        if key not in seen:
            seen[key] = client.request("GET", key)[1]
        total.append(seen[key])
    return sum(len(part) for part in total), sum(len(gzip.compress(part)) for part in total)


def main() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE_URL.rsplit("/", 1)[1]])
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE_URL.rsplit("/", 1)[1]], check=True)
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput")
    manage("load_divisions")
    manage("seed_demo")
    rows = pages()
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
        lines = [
            SECTION,
            "",
            f"`python benchmarks/screens.py`: dữ liệu mẫu (`seed_demo`), gunicorn 2 worker × 4 luồng như "
            f"`scripts/run.sh` (DEBUG tắt), PostgreSQL, 2 lõi dùng chung với các phiên khác; ngày "
            f"{time.strftime('%d/%m/%Y')}. Mỗi trang {REPEATS} lần trên một kết nối giữ mở; trang đầu không tính. "
            "Trọng lượng: HTML cùng mọi CSS, JS trang dùng (không có ảnh, không tải gì từ ngoài).",
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
            for _ in range(REPEATS):
                start = time.perf_counter()
                client.request("GET", path)
                times.append((time.perf_counter() - start) * 1000)
            ordered = sorted(times)
            p95 = ordered[int(round(0.95 * (len(ordered) - 1)))]
            raw, packed = (
                weight(client, body, seen) if b"<html" in body[:200] else (len(body), len(gzip.compress(body)))
            )
            median = statistics.median(times)
            lines.append(f"| {who} | {what} | {median:.0f} | {p95:.0f} | {raw / 1024:.0f} | {packed / 1024:.0f} |")
        lines.append("")
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = "\n".join(lines)
    print(text)
    doc = ROOT / "docs" / "benchmarks.md"
    content = doc.read_text()
    if SECTION in content:
        head, _, rest = content.partition(SECTION)
        tail = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        content = head + text + tail
    else:
        content = content.rstrip("\n") + "\n\n" + text
    doc.write_text(content)


if __name__ == "__main__":
    main()
