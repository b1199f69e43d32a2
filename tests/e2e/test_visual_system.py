"""Issue 18, "one visual system": the main pages on a 390 px phone and a 1366 px laptop share the design tokens,
weigh under 300 KB with local assets only, never scroll sideways, keep the header (and the names) of wide tables
in view on a laptop, and mark required fields with an error next to the field."""

import pytest
from django.urls import reverse

from funds.services import fund_create
from learning_models.models import TitleType
from learning_models.services.records import registration_bulk_create
from tests.learning_models.conftest import YEAR, families  # noqa: F401 (fixtures)

from .conftest import login, overflows, screenshot
from .test_screens_seen import PASSWORD, _member, catalogue  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STICKY = """(selector) => {
  const table = document.querySelector(selector);
  if (!table) return 'no table ' + selector;
  const head = table.querySelector('thead th');
  const first = table.querySelector('tbody tr td');
  return [getComputedStyle(head).position, first ? getComputedStyle(first).position : 'sticky'].join(',');
}"""


UNMARKED = """[...document.querySelectorAll('main .field')]
  .filter(f => f.querySelector('input[required], select[required], textarea[required]'))
  .filter(f => {
    const l = f.querySelector('label');
    return !l || !(l.querySelector('.req') || getComputedStyle(l, '::after').content.includes('*'));
  })
  .map(f => (f.querySelector('[required]') || {}).name)"""


# The page and what it loads (decoded sizes), and anything fetched from another origin.
WEIGHT = """[
  new TextEncoder().encode(document.documentElement.outerHTML).length
    + performance.getEntriesByType('resource').reduce((sum, r) => sum + (r.decodedBodySize || 0), 0),
  performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin))
]"""


@pytest.mark.parametrize("screen", ["phone390", "laptop"])
def test_main_pages_share_one_visual_system(request, screen, tree, secretary, officer, catalogue, families):  # noqa: F811
    page = request.getfixturevalue(screen)
    laptop = screen == "laptop"
    fund = fund_create(unit=tree.chapter)
    member = _member(tree.chapter, "Trần Thị Thu")
    registration_bulk_create(title_type=TitleType.objects.get(code="gdht"), year=YEAR, unit=tree.chapter)
    pages = {
        "trang-chu": (reverse("home"), None),
        "hoi-vien": (reverse("members:member_list"), "table.members"),
        "them-hoi-vien": (reverse("members:member_create"), None),
        "hoi-phi": (reverse("members:member_detail", args=[member.pk]), None),
        "phieu-thu": (reverse("funds:transaction_create", args=[fund.pk, "thu"]), None),
        "cham-diem": (
            reverse("learning_models:record_table", args=[tree.chapter.pk, YEAR]) + "?title=gdht",
            "table.score-table",
        ),
    }
    login(page, "thuky", PASSWORD)
    for name, (address, wide_table) in pages.items():
        page.goto(address)
        where = f"{name} at {page.viewport_size['width']} px"
        assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--space-3').trim()"), (
            f"{where}: no design tokens"
        )
        assert not overflows(page), f"{where}: the page scrolls sideways"
        weight, outside = page.evaluate(WEIGHT)
        assert weight < 300_000 and not outside, f"{where}: {weight} bytes, from outside: {outside}"
        if laptop and wide_table:
            assert page.evaluate(STICKY, wide_table) == "sticky,sticky", f"{where}: header or names scroll away"
        # Every field that must be filled carries a visible marker in its label.
        unmarked = page.evaluate(UNMARKED)
        assert not unmarked, f"{where}: required fields without a marker: {unmarked}"
        # docs/huong-dan.md shows the laptop's wide tables and a form's markers on a phone (the journeys' tests
        # keep the other phone screens).
        if (laptop and name in ("hoi-vien", "cham-diem")) or (not laptop and name == "them-hoi-vien"):
            screenshot(page, f"giao-dien-{name}")

    # An empty save: the errors stand next to their fields, and the field says it is invalid.
    page.goto(reverse("members:member_create"))
    page.fill("[name=full_name]", "")
    with page.expect_navigation():
        page.click("main form button[type=submit] >> nth=0")
    field = page.locator("main .field.has-error").first
    error = field.locator(".error").first
    assert error.is_visible()
    described = field.locator("input, select, textarea").first.get_attribute("aria-describedby") or ""
    assert error.get_attribute("id") in described.split()
    assert field.locator("[aria-invalid=true]").count() == 1

    page.context.clear_cookies()
    login(page, "canbo", PASSWORD)
    page.goto(reverse("reports:unit_dashboard", args=[tree.commune.pk]))
    assert not overflows(page), "the dashboard scrolls sideways"
    weight, outside = page.evaluate(WEIGHT)
    assert weight < 300_000 and not outside, f"dashboard: {weight} bytes, from outside: {outside}"
    if laptop:
        assert page.evaluate(STICKY, "#children table") == "sticky,sticky"
    if laptop:
        screenshot(page, "giao-dien-tong-hop")
