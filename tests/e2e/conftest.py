"""Browser tests: Playwright for Python drives Debian's Chromium (/usr/bin/chromium, installed by
`scripts/setup.sh --test`; never `playwright install`) against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django's ORM calls from the test are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# As root, with no network but loopback: no sandbox, no GPU, no background connections (python-svc machine).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/setup.sh --test")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    context, page = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, page = _page(browser, live_server, **PHONE)
    yield page
    context.close()


def login(page, username: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/dang-nhap/" not in page.url, page.content()


def overflows(page) -> bool:
    """True when the page is wider than the screen (the body scrolls sideways)."""
    return page.evaluate("document.body.scrollWidth > window.innerWidth")


# Issue 18: the two screens every journey is tried on.
PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def phone390(browser, live_server):
    context, page = _page(browser, live_server, **PHONE_390)
    yield page
    context.close()


@pytest.fixture
def laptop(browser, live_server):
    context, page = _page(browser, live_server, **LAPTOP)
    yield page
    context.close()


SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def assert_accessible(page, where: str) -> None:
    """axe-core (shipped inside axe-playwright-python, nothing fetched) finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in bad)
    assert not bad, f"{where}: {detail}"


def screenshot(page, name: str) -> None:
    """The screen as a person sees it, for docs/screens/ (used in docs/huong-dan.md)."""
    SCREENS.mkdir(exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENS / f"{name}-{width}.png")
