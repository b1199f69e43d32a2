"""load_divisions --history (issue 14): the country before 1 July 2025 with its lineage.

The whole country is loaded once for this module (about half a minute) inside a transaction rolled back at the
end; the tests that write load one province (--province) on their own.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from chapters.models import Lineage, ParentLink, Summary, Unit, UnitName
from chapters.services.tree import representative_ids_today, tree_on

D = datetime.date
LAST_DAY, REFORM_DAY = D(2025, 6, 30), D(2025, 7, 1)
A = Unit.Kind.ASSOCIATION


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_divisions", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "history": Unit.history.count(),
        "parent_links": ParentLink.objects.count(),
        "names": UnitName.objects.count(),
        "lineage": Lineage.objects.count(),
        "summaries": Summary.objects.count(),
    }


def open_counts(day: datetime.date) -> dict[str, int]:
    units = Unit.objects.filter(kind=A).open_on(day)
    return {level: units.filter(level=level).count() for level in ("province", "district", "commune")}


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        output = run(history=True)
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def loaded(country, db):
    return country


def test_counts_by_level_before_and_after_the_reform(loaded):
    output, _err = loaded
    assert open_counts(D(2024, 12, 31)) == {"province": 63, "district": 696, "commune": 10035}
    assert open_counts(LAST_DAY) == {"province": 63, "district": 696, "commune": 10035}
    assert open_counts(REFORM_DAY) == {"province": 34, "district": 0, "commune": 3321}
    assert "Xã, phường, thị trấn: 10035 — thêm mới 10035" in output
    assert "tiếp tục hoạt động sau sắp xếp 34" in output
    # The unit counts the reports read: Hà Nội had 30 districts and 526 communes at the end of 2024.
    hanoi = Unit.objects.get(kind=A, level="province", code="01")
    past = [unit for unit, _depth in tree_on(hanoi, D(2024, 12, 31))]
    assert sum(u.level == "district" for u in past) == 30 and sum(u.level == "commune" for u in past) == 526
    today = [unit for unit, _depth in tree_on(hanoi, REFORM_DAY)]
    assert sum(u.level == "district" for u in today) == 0 and sum(u.level == "commune" for u in today) == 126


def test_a_divided_commune_names_its_primary_successor(loaded):
    quan_hoa = Unit.objects.get(kind=A, level="commune", code="00169")
    assert (quan_hoa.name, quan_hoa.division_type, quan_hoa.active_until) == ("Phường Quan Hoa", "phường", LAST_DAY)
    assert quan_hoa.parent.name == "Quận Cầu Giấy" and quan_hoa.parent.division_type == "quận"
    links = {link.successor.name: link for link in Lineage.objects.filter(predecessor=quan_hoa)}
    assert set(links) == {"Phường Cầu Giấy", "Phường Nghĩa Đô"}
    assert {name: link.primary for name, link in links.items()} == {"Phường Cầu Giấy": False, "Phường Nghĩa Đô": True}
    assert {link.kind for link in links.values()} == {Lineage.Kind.SPLIT}
    assert all(link.on == REFORM_DAY for link in links.values())
    # Many communes merged into one: Phường Hoàn Kiếm took whole communes (and parts of divided ones).
    hoan_kiem = Unit.objects.get(kind=A, level="commune", code="00070", active_until__isnull=True)
    merged = Lineage.objects.filter(successor=hoan_kiem, kind=Lineage.Kind.MERGE)
    assert merged.count() >= 2 and all(link.primary for link in merged)
    hang_trong = Unit.objects.get(kind=A, level="commune", code="00070", active_until=LAST_DAY)
    assert hang_trong.name == "Phường Hàng Trống"
    assert Lineage.objects.filter(predecessor=hang_trong, successor=hoan_kiem).exists()
    merge = merged.first()
    # Coordinates are kept, for the old and the new units.
    assert 20.9 < quan_hoa.latitude < 21.1 and 105.7 < quan_hoa.longitude < 105.9
    assert Unit.objects.get(pk=merge.successor_id).latitude is not None


def test_a_province_that_carried_on_is_one_unit_across_both_periods(loaded):
    hanoi = Unit.objects.filter(kind=A, level="province", code="01")
    assert hanoi.count() == 1
    hanoi = hanoi.get()
    assert (hanoi.active_from, hanoi.active_until) == (None, None)
    assert hanoi.is_open_on(D(2024, 12, 31)) and hanoi.is_open_on(REFORM_DAY)
    # Bắc Giang kept its code (24) and took Bắc Ninh's name: the name of the day is printed.
    bac_ninh = Unit.objects.get(kind=A, level="province", code="24")
    assert bac_ninh.name == "Tỉnh Bắc Ninh"
    assert bac_ninh.as_on(D(2024, 12, 31)).name == "Tỉnh Bắc Giang"
    assert {u.name for u, d in tree_on(bac_ninh, D(2024, 12, 31)) if d == 1} >= {"Thành phố Bắc Giang"}
    old_bac_ninh = Unit.objects.get(kind=A, level="province", code="27")
    assert old_bac_ninh.active_until == LAST_DAY
    assert Lineage.objects.filter(predecessor=old_bac_ninh, successor=bac_ninh, primary=True).exists()


def test_a_province_that_merged_closes_with_its_districts(loaded):
    ha_giang = Unit.objects.get(kind=A, level="province", code="02")
    tuyen_quang = Unit.objects.get(kind=A, level="province", code="08")
    assert (ha_giang.name, ha_giang.active_until) == ("Tỉnh Hà Giang", LAST_DAY)
    link = Lineage.objects.get(predecessor=ha_giang)
    assert (link.successor, link.kind, link.primary) == (tuyen_quang, Lineage.Kind.MERGE, True)
    districts = Unit.objects.filter(kind=A, level="district", parent=ha_giang)
    assert districts.count() == 11 and {d.active_until for d in districts} == {LAST_DAY}
    # A district's own facts follow today's province.
    assert set(Lineage.objects.filter(predecessor__in=districts).values_list("successor", flat=True)) == {
        tuyen_quang.pk
    }
    # Today's tree of the merged province gathers Hà Giang's communes (through their successors).
    today = representative_ids_today(tuyen_quang)
    assert ha_giang.pk in today
    assert Unit.objects.filter(pk__in=today, level="commune", active_until=LAST_DAY).count() == 193 + 137


def test_an_island_district_without_communes_is_succeeded_by_its_special_zone(loaded):
    con_dao = Unit.objects.get(kind=A, level="district", code="755")
    successor = Lineage.objects.get(predecessor=con_dao).successor
    assert (successor.name, successor.division_type) == ("Đặc khu Côn Đảo", "đặc khu")


def test_the_second_run_changes_nothing(loaded):
    before = row_counts()
    output, _err = run(history=True)
    assert row_counts() == before
    assert "không có thay đổi" in output
