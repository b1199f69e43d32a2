"""Issue 15, item 5: behind the documented reverse proxy, login throttling counts the user's own address (from
the proxy's X-Forwarded-For), not the proxy's. The test runs a real HTTP reverse proxy in front of the live
server; clients reach it from different loopback addresses (127.0.0.2, 127.0.0.3)."""

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from chapters.client_ip import client_ip
from tests.factories import UserFactory

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def proxy_to(upstream: str) -> ThreadingHTTPServer:
    """A minimal reverse proxy as nginx is configured in docs/operations.md: it appends the address it received
    the request from to X-Forwarded-For and passes the request on."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            seen = headers.pop("X-Forwarded-For", None)
            headers["X-Forwarded-For"] = f"{seen}, {self.client_address[0]}" if seen else self.client_address[0]
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Browser:
    """A client at its own address, keeping its cookies."""

    def __init__(self, proxy: ThreadingHTTPServer, address: str):
        self.port, self.address, self.cookies = proxy.server_address[1], address, {}

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, source_address=(self.address, 0), timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        page = response.read().decode()
        connection.close()
        return response.status, page

    def login(self, username, password):
        _status, page = self.request("GET", "/dang-nhap/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            "POST", "/dang-nhap/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )[0]


@pytest.fixture
def proxy(live_server, settings):
    settings.PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1"]
    server = proxy_to(live_server.url)
    yield server
    server.shutdown()
    server.server_close()


def test_wrong_passwords_from_one_address_behind_the_proxy_do_not_lock_out_the_user_elsewhere(proxy):
    UserFactory(username="thuky")
    attacker, user = Browser(proxy, "127.0.0.2"), Browser(proxy, "127.0.0.3")
    for _ in range(5):
        attacker.login("thuky", "sai-mat-khau")
    assert attacker.login("thuky", "mat-khau-1") == 429  # the guesser's address is locked out
    assert user.login("thuky", "mat-khau-1") == 302  # the real user, elsewhere, logs in


class Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_the_client_address_trusts_only_the_configured_number_of_proxies(settings):
    settings.PROXY_COUNT = 1
    assert client_ip(Request("10.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_ip(Request("10.0.0.1", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"  # a forged first entry
    assert client_ip(Request("10.0.0.1")) == "10.0.0.1"
    assert client_ip(Request("10.0.0.1", "not-an-address")) == "10.0.0.1"
    settings.PROXY_COUNT = 2
    assert client_ip(Request("10.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    settings.PROXY_COUNT = 0
    assert client_ip(Request("10.0.0.1", "203.0.113.9")) == "10.0.0.1"  # no proxy: the header is the client's
