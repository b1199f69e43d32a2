"""The README's first command, exactly as a user runs it: it sets up, loads the demo, serves pages and runs
background tasks; Ctrl-C stops everything."""

import http.cookiejar
import re
import signal
import socket
import subprocess
import urllib.parse
import urllib.request

import pytest

from chapters.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import ROOT, VENV_BIN, clean_env, stop_group, tail, wait_until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def test_readme_first_command_serves_the_demo_and_runs_background_tasks(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "run.log"
    env = clean_env(KHUYENHOC_VAR_DIR=str(tmp_path / "var"), HOST="127.0.0.1", PORT=str(port))
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_until(lambda: status(f"{base}/dang-nhap/") == 200, timeout=240, interval=1, process=process, log=log)
        text = log.read_text()
        assert f"http://127.0.0.1:{port}/" in text and "thuky" in text and DEMO_PASSWORD in text

        # Log in with a demo login, as a person would: the form, its CSRF token, the redirect to the home page.
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = browser.open(f"{base}/dang-nhap/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "thuky", "password": DEMO_PASSWORD, "next": "/"}
        ).encode()
        home = browser.open(f"{base}/dang-nhap/", data=data, timeout=30)
        page = home.read().decode()
        assert home.status == 200 and home.url.rstrip("/") == base
        assert "Nguyễn Thị Hoa" in page and "Chi hội tổ dân phố số 3" in page

        # A background task through the broker on disk, on both queues, answered by the worker run.sh started.
        ping = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", "ping_worker", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert ping.returncode == 0, ping.stdout + ping.stderr + tail(log)
        assert "Hàng đợi default: worker đã trả lời" in ping.stdout
        assert "Hàng đợi pdf: worker đã trả lời" in ping.stdout
    finally:
        # Ctrl-C: the terminal sends SIGINT to the whole foreground group.
        stopped = stop_group(process, sig=signal.SIGINT, timeout=90)
    assert stopped, "the web server or the worker outlived Ctrl-C:\n" + tail(log)
    assert status(f"{base}/dang-nhap/") is None
