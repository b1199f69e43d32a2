"""Issue 18, done when: the main journeys at 390×844 (a secretary on her phone) and 1366×900 (a province officer
on a laptop), with axe-core on every screen (no serious or critical violation), keyboard-only where it matters,
and screenshots saved to docs/screens/ for the guide."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chapters.models import Role
from funds.services import fund_create
from learning_models.models import TitleType
from learning_models.services.records import registration_bulk_create
from members.models import Member
from members.services import member_create
from tests.e2e.test_dashboard import _chapter_with
from tests.e2e.test_screens_seen import catalogue  # noqa: F401 (fixture)
from tests.factories import CommuneFactory, RoleFactory, UserFactory
from tests.learning_models.conftest import YEAR, families  # noqa: F401 (fixture)

from .conftest import assert_accessible, login, overflows, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py


def _check(page, name: str) -> None:
    assert not overflows(page), f"{name} scrolls sideways"
    assert_accessible(page, name)
    screenshot(page, name)


def test_secretary_journey_on_a_phone(phone390, tree, secretary, families, catalogue):  # noqa: F811
    page = phone390
    member_create(
        unit=tree.chapter, joined_on=datetime.date(2020, 1, 1), full_name="Trần Thị Thu", birth_year=1958, gender="F"
    )
    fund = fund_create(unit=tree.chapter)
    registration_bulk_create(title_type=TitleType.objects.get(code="gdht"), year=YEAR, unit=tree.chapter)
    login(page, "thuky", PASSWORD)
    _check(page, "trang-chu")

    # Add a member with the keyboard only (a phone's keyboard, or a laptop's without a mouse).
    page.goto(reverse("members:member_quick_add"))
    _check(page, "them-nhanh")
    page.keyboard.type("Nguyễn Thị Hồng Nhung")  # the name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("1965")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # the gender radios: Nam → Nữ
    page.focus("[name=phone]")
    page.keyboard.type("0912345678")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    nhung = Member.objects.get(full_name="Nguyễn Thị Hồng Nhung")
    assert nhung.gender == "F" and nhung.birth_year == 1965

    page.goto(reverse("members:member_list"))
    _check(page, "hoi-vien")
    page.goto(reverse("members:member_detail", args=[nhung.pk]))
    _check(page, "hoi-vien-chi-tiet")
    page.goto(reverse("funds:transaction_create", args=[fund.pk, "thu"]))
    _check(page, "phieu-thu")
    page.goto(reverse("learning_models:record_table", args=[tree.chapter.pk, YEAR]) + "?title=gdht")
    _check(page, "cham-diem")


def test_province_officer_journey_on_a_laptop(laptop, tree, tmp_path):
    page = laptop
    year = timezone.localdate().year
    third = CommuneFactory(parent=tree.province, name="Xã Yên Lạc", code="10003", division_type="xã")
    for commune, (lat, lon) in (
        (tree.commune, (21.03, 105.85)),
        (tree.other_commune, (21.10, 105.70)),
        (third, (20.95, 105.95)),
    ):
        commune.latitude, commune.longitude = lat, lon
        commune.save()
    _chapter_with(tree.chapter, population=100, members=6, year=year)
    _chapter_with(tree.outside_chapter, population=100, members=5, year=year)
    officer = UserFactory(username="canbo_tinh", first_name="Bình", last_name="Trần Văn")
    RoleFactory(user=officer, unit=tree.province, kind=Role.Kind.OFFICER)
    RoleFactory(user=officer, unit=tree.province, kind=Role.Kind.SECRETARY)
    login(page, "canbo_tinh", PASSWORD)
    _check(page, "trang-chu")
    page.goto(reverse("reports:unit_dashboard", args=[tree.province.pk]))
    _check(page, "tong-hop-tinh")
    page.goto(reverse("reports:report_list", args=[tree.province.pk]))
    _check(page, "bao-cao")

    csv = tmp_path / "hoi-vien.csv"
    csv.write_text(
        "Mã chi hội,Họ và tên,Giới tính,Năm sinh,Ngày vào hội\n"
        "10001-01,Hoàng Văn Nam,Nam,1958,01/03/2020\n"
        "10001-01,Bùi Thị Yến,Nữ,1962,31/02/2021\n",
        encoding="utf-8",
    )
    page.goto(reverse("imports:job_create") + "?kind=members")
    _check(page, "nhap-excel")
    page.select_option("[name=unit]", str(tree.province.pk))
    page.set_input_files("[name=file]", str(csv))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _check(page, "nhap-excel-xem-truoc")
    page.goto(reverse("imports:job_list"))
    _check(page, "nhap-xuat-excel")
