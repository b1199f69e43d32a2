"""Issue 9, done when: a province officer sees on one page which communes are behind, drills down to the chapter
that is late, and what a secretary enters shows on the dashboard at the next look."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chapters.models import BaselineFigure, Role
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from members.services import member_create
from tests.factories import CommuneFactory, RoleFactory, UnitFactory, UserFactory

from .conftest import login, overflows

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py


def _chapter_with(chapter, *, population: int, members: int, year: int) -> None:
    record_save(BaselineFigure(unit=chapter, year=year, population=population))
    summaries_refresh(unit_ids=[chapter.pk], years=[year], providers=["baseline"])
    for n in range(members):
        member_create(
            unit=chapter, joined_on=datetime.date(year, 1, 10), full_name=f"Hội viên {n}", birth_year=1960, gender="M"
        )


def test_province_officer_finds_the_commune_behind_and_the_late_chapter(page, tree, secretary):
    year = timezone.localdate().year
    third = CommuneFactory(parent=tree.province, name="Xã Yên Lạc", code="10003", division_type="xã")
    third_chapter = UnitFactory(parent=third, name="Chi hội thôn Nam", code="10003-01")
    _chapter_with(tree.chapter, population=100, members=6, year=year)
    _chapter_with(tree.outside_chapter, population=100, members=5, year=year)
    # The third commune: few members for its people. Its chapter entered nothing but its population.
    _chapter_with(third_chapter, population=400, members=1, year=year)
    officer = UserFactory(username="canbo_tinh", first_name="Bình", last_name="Trần Văn")
    RoleFactory(user=officer, unit=tree.province, kind=Role.Kind.OFFICER)

    login(page, "canbo_tinh", PASSWORD)
    with page.expect_navigation():
        page.click("nav.mainnav >> text=Tổng hợp")
    assert page.locator("h1").inner_text().startswith(tree.province.display_name)
    assert "1/3 đơn vị tỷ lệ hội viên trên dân số thấp" in page.inner_text("#children")
    weak = page.locator("#children tr.weak")
    assert weak.count() == 1 and third.display_name in weak.first.inner_text()
    members = page.locator(".stat[data-figure='members.end'] .value").inner_text()
    assert members == "12"

    with page.expect_navigation():
        page.click("text=Chỉ xem đơn vị chậm")
    assert page.locator("#children tbody tr").count() == 1

    # Drill down: the late commune's progress names its chapter and what it lacks.
    with page.expect_navigation():
        page.click("#children tbody tr >> text=tiến độ")
    assert page.locator("h1").inner_text().startswith("Tiến độ nhập liệu")
    late = page.locator("table tbody tr.weak")
    assert late.count() == 1 and "Chi hội thôn Nam" in late.first.inner_text()

    # Freshness: the secretary of another chapter adds a member; the officer's next look counts her.
    member_create(
        actor=secretary,
        unit=tree.chapter,
        joined_on=timezone.localdate(),
        full_name="Đỗ Thị Mai",
        birth_year=1990,
        gender="F",
    )
    page.goto(reverse("reports:unit_dashboard", args=[tree.province.pk]))
    assert page.locator(".stat[data-figure='members.end'] .value").inner_text() == "13"


def test_the_dashboard_reads_on_a_phone(phone_page, tree, officer):
    _chapter_with(tree.chapter, population=100, members=3, year=timezone.localdate().year)
    login(phone_page, "canbo", PASSWORD)
    phone_page.goto(reverse("reports:unit_dashboard", args=[tree.commune.pk]))
    assert "Chi hội tổ dân phố số 1" in phone_page.inner_text("#children")
    assert not overflows(phone_page), "the dashboard scrolls sideways on a phone"
