"""load_divisions --history for one province (--province): what the loader writes over hand-keyed units, and the
rules that keep a chapter keyed later under an old commune where the lineage leads (issue 14)."""

import datetime

import pytest

from chapters.models import Lineage, Summary, Unit
from chapters.services import tree as tree_services
from chapters.services.tree import tree_on
from tests.chapters.test_divisions_history import LAST_DAY, REFORM_DAY, A, open_counts, run

D = datetime.date


@pytest.mark.django_db
def test_hand_keyed_units_are_adopted_and_their_chapters_follow_the_lineage():
    run(province="01")
    hanoi = Unit.objects.get(code="01")
    district = tree_services.unit_create(
        kind=A, level="district", code="005", name="Quận Cầu Giấy", division_type="quận", parent=hanoi,
        active_from=D(1997, 1, 1),
    )  # fmt: skip
    quan_hoa = tree_services.unit_create(
        kind=A, level="commune", code="00169", name="Phường Quan Hoa", division_type="phường", parent=district,
        active_from=D(1997, 1, 1),
    )  # fmt: skip
    chapter = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER, level="grassroots", host=Unit.Host.SCHOOL, code="QH-01",
        name="Chi hội Trường Tiểu học Quan Hoa", parent=quan_hoa, active_from=D(2008, 3, 26),
    )  # fmt: skip

    output, _err = run(province="01", history=True)

    assert Unit.objects.filter(code="005").count() == 1 and Unit.objects.filter(code="00169").count() == 1
    assert "Huyện, quận, thị xã, thành phố thuộc tỉnh: 30 — thêm mới 29, đã có 1." in output
    quan_hoa.refresh_from_db()
    district.refresh_from_db()
    assert quan_hoa.active_until == LAST_DAY and district.active_until == LAST_DAY
    nghia_do = Unit.objects.get(code="00160", active_until__isnull=True)
    assert Lineage.objects.get(predecessor=quan_hoa, primary=True).successor == nghia_do
    chapter.refresh_from_db()
    assert chapter.parent == nghia_do and chapter.parent_on(D(2024, 12, 31)) == quan_hoa
    # The adopted district now holds its loaded communes too.
    past = {unit.name: depth for unit, depth in tree_on(hanoi, D(2024, 12, 31))}
    assert past["Quận Cầu Giấy"] == 1 and past["Phường Dịch Vọng"] == 2 and past[chapter.name] == 3


@pytest.mark.django_db
def test_a_chapter_keyed_later_under_a_loaded_old_commune_follows_its_primary_successor():
    run(province="01", history=True)
    dich_vong = Unit.objects.get(code="00166", level="commune")
    chapter = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER, level="grassroots", host=Unit.Host.RESIDENTIAL, code="DV-06",
        name="Chi hội tổ dân phố Dịch Vọng 6", parent=dich_vong, active_from=D(2010, 1, 1),
    )  # fmt: skip
    chapter.refresh_from_db()
    assert chapter.parent.name == "Phường Cầu Giấy"
    assert chapter.parent_on(D(2024, 12, 31)) == dich_vong and chapter.parent_on(REFORM_DAY).name == "Phường Cầu Giấy"
    # A chapter that closed before the reform stays where it was.
    closed = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER, level="grassroots", host=Unit.Host.RESIDENTIAL, code="DV-07",
        name="Chi hội tổ dân phố Dịch Vọng 7", parent=dich_vong, active_from=D(2010, 1, 1),
        active_until=D(2020, 12, 31),
    )  # fmt: skip
    closed.refresh_from_db()
    assert closed.parent == dich_vong


@pytest.mark.django_db
def test_a_province_is_loaded_with_the_provinces_merged_into_it():
    output, _err = run(province="08", history=True)
    assert "Tỉnh, thành phố: 2 — thêm mới 1, đã có 0, tiếp tục hoạt động sau sắp xếp 1." in output
    assert open_counts(D(2024, 12, 31)) == {"province": 2, "district": 18, "commune": 330}
    assert open_counts(REFORM_DAY) == {"province": 1, "district": 0, "commune": 124}
    tuyen_quang = Unit.objects.get(code="08")
    # The unit counts of the past year reach the summaries the dashboards read.
    assert Summary.objects.get(unit__code="02", year=2024, period="Y", figure="units.association.province").value == 1
    assert Summary.objects.filter(unit=tuyen_quang, year=2024, figure="units.association.province").exists()


def test_the_package_missing_is_a_clear_error(monkeypatch, db):
    import importlib.util

    from django.core.management import CommandError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "vietnamadminunits" else real(name)
    )
    with pytest.raises(CommandError, match="pip install vietnamadminunits"):
        run(province="01", history=True)


@pytest.mark.django_db
def test_a_units_file_of_old_chapters_puts_them_where_the_lineage_leads(tmp_path):
    import io

    from django.core.management import call_command

    run(province="01", history=True)
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Nơi tổ chức", "Mã đơn vị cấp trên", "Hoạt động từ"],
        ["DV-08", "Chi hội tổ dân phố Dịch Vọng 8", "Khu dân cư", "00166", "01/01/2012"],
    ]
    path = tmp_path / "chi-hoi.csv"
    path.write_text("\n".join(",".join(row) for row in rows), encoding="utf-8")
    call_command("import_data", "units", str(path), "--on", "2024", stdout=io.StringIO())
    chapter = Unit.objects.get(code="DV-08")
    dich_vong = Unit.objects.get(code="00166", level="commune")
    assert chapter.parent_on(D(2024, 12, 31)) == dich_vong
    assert chapter.parent.name == "Phường Cầu Giấy" and chapter.is_open_on(REFORM_DAY)
