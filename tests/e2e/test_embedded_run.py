"""Issue 18: the embedded default (scripts/run.sh, the README's first command) is safe on an office LAN: no
debug pages, Vietnamese 404 and 403 pages, static files served by the application itself. The web server is
started as the script starts it, with the environment the script sources, on the test database."""

import datetime
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from members.services import member_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mat-khau-1"  # tests/factories.py


def _script_environment(tmp_path) -> dict[str, str]:
    """The environment scripts/run.sh gives the web server, pointed at the test database."""
    base = {k: v for k, v in os.environ.items() if k not in {"KHUYENHOC_ENV", "DJANGO_DEBUG", "REDIS_URL"}}
    dump = subprocess.run(
        ["bash", "-c", "source scripts/embedded-env.sh && env -0"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        check=True,
    ).stdout.decode()
    env = dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["KHUYENHOC_VAR_DIR"] = str(tmp_path)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_server(transactional_db, tmp_path):
    port = _free_port()
    env = _script_environment(tmp_path)
    assert env["DJANGO_DEBUG"] == "false" and env["KHUYENHOC_ENV"] == "development"
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "khuyenhoc.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # until it answers (bounded: 30 s)
        try:
            urllib.request.urlopen(url + "/dang-nhap/", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail("the web server of the embedded run did not start")
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_embedded_run_has_no_debug_pages_and_serves_static_files(browser, embedded_server, tree, outsider, viewer):
    ours = member_create(
        unit=tree.chapter, joined_on=datetime.date(2020, 1, 1), full_name="Ngô Thị Lý", birth_year=1950, gender="F"
    )
    # The tests hash passwords with MD5 for speed; the embedded run checks them with Django's default hasher.
    for user in (outsider, viewer):
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, "muoi-thu", iterations=1000)
        user.save(update_fields=["password"])
    context = browser.new_context(base_url=embedded_server, locale="vi-VN")
    page = context.new_page()
    try:
        css = page.request.get("/static/css/app.css")
        assert css.status == 200 and "text/css" in css.headers["content-type"]

        page.goto("/dang-nhap/")
        page.fill("#id_username", "nguoingoai")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        # Another commune's member: a Vietnamese 404, never Django's debug page listing the addresses.
        response = page.goto(reverse("members:member_detail", args=[ours.pk]))
        assert response.status == 404
        text = page.inner_text("body")
        assert "Không tìm thấy trang" in text
        assert "URLconf" not in text and "DEBUG" not in text
        assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"  # styled
        response = page.goto("/khong-co-trang-nay/")
        assert response.status == 404 and "Không tìm thấy trang" in page.inner_text("body")
        context.clear_cookies()

        page.goto("/dang-nhap/")
        page.fill("#id_username", "kiemtra")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        response = page.goto(reverse("members:member_quick_add"))
        assert response.status == 403 and "Không có quyền" in page.inner_text("body")
        assert "Traceback" not in page.content()
    finally:
        context.close()
