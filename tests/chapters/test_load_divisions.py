import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from chapters.management.commands import load_divisions
from chapters.models import ParentLink, Summary, Unit, UnitName
from chapters.services.tree import tree_on

D = datetime.date


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command("load_divisions", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "history": Unit.history.count(),
        "parent_links": ParentLink.objects.count(),
        "names": UnitName.objects.count(),
        "summaries": Summary.objects.count(),
    }


@pytest.mark.django_db
def test_loads_todays_34_provinces_and_3321_communes():
    assert Unit.objects.count() == 0
    output = run()
    provinces = Unit.objects.filter(level=Unit.Level.PROVINCE, kind=Unit.Kind.ASSOCIATION)
    communes = Unit.objects.filter(level=Unit.Level.COMMUNE, kind=Unit.Kind.ASSOCIATION)
    assert provinces.count() == 34
    assert communes.count() == 3321
    assert "thêm mới 3321" in output

    hanoi = provinces.get(code="01")
    assert (hanoi.name, hanoi.division_type, hanoi.active_from) == ("Thành phố Hà Nội", "thành phố", D(2025, 7, 1))
    assert provinces.get(code="04").name == "Tỉnh Cao Bằng"
    hoan_kiem = communes.get(code="00070")
    assert (hoan_kiem.name, hoan_kiem.division_type, hoan_kiem.parent) == ("Phường Hoàn Kiếm", "phường", hanoi)
    assert set(communes.values_list("division_type", flat=True)) == {"xã", "phường", "đặc khu"}
    # The rows unit_create writes: a path for one-query subtrees, the first parent link and name, history.
    assert hoan_kiem.path == f"{hanoi.path}{hoan_kiem.pk}/" and hoan_kiem.depth == 2
    assert hoan_kiem.search_key == "phuong hoan kiem"
    assert Unit.objects.subtree(hanoi).count() == 1 + 126
    assert ParentLink.objects.filter(unit=hoan_kiem, parent=hanoi, valid_from=D(2025, 7, 1)).exists()
    assert UnitName.objects.filter(unit=hoan_kiem, name="Phường Hoàn Kiếm", code="00070").exists()
    assert hoan_kiem.history.count() == 1
    assert Summary.objects.filter(unit=hoan_kiem, year=2026, period="Y", figure="units.association.commune").exists()


@pytest.mark.django_db
def test_second_run_changes_nothing():
    run()
    before = counts()
    output = run()
    assert counts() == before
    assert "không có thay đổi" in output
    assert "giữ nguyên 3321" in output


def newer_list(monkeypatch):
    """The real list of Hà Nội, with one ward renamed, one gone and one new, as a later edition might have it."""
    provinces, communes = load_divisions.source()
    changed = []
    for commune in communes:
        if commune.code == "00070":
            commune = load_divisions.Division("00070", "Phường Hồ Gươm", "phường", "01")
        if commune.code == "00073":
            continue
        changed.append(commune)
    changed.append(load_divisions.Division("99001", "Phường Mới Lập", "phường", "01"))
    monkeypatch.setattr(load_divisions, "source", lambda: (provinces, changed))


@pytest.mark.django_db
def test_newer_list_renames_closes_and_opens_instead_of_duplicating(monkeypatch):
    run(province="01")
    hoan_kiem = Unit.objects.get(code="00070")
    cua_nam = Unit.objects.get(code="00073")
    units_before = Unit.objects.count()

    newer_list(monkeypatch)
    output = run(province="01", on="01/01/2026")

    assert "đổi tên 1" in output and "thêm mới 1" in output and "ngừng hoạt động 1" in output
    assert Unit.objects.count() == units_before + 1  # only the new ward
    hoan_kiem.refresh_from_db()
    assert hoan_kiem.name == "Phường Hồ Gươm"
    assert Unit.objects.filter(code="00070").count() == 1
    assert list(hoan_kiem.names.order_by("valid_from").values_list("name", "valid_until")) == [
        ("Phường Hoàn Kiếm", D(2025, 12, 31)),
        ("Phường Hồ Gươm", None),
    ]
    cua_nam.refresh_from_db()
    assert cua_nam.active_until == D(2025, 12, 31)
    new = Unit.objects.get(code="99001")
    assert new.active_from == D(2026, 1, 1) and new.parent.code == "01"
    # Reports of 2025 still print the old name.
    hanoi = Unit.objects.get(code="01")
    names_2025 = {unit.name for unit, _depth in tree_on(hanoi, D(2025, 12, 1))}
    assert "Phường Hoàn Kiếm" in names_2025 and "Phường Cửa Nam" in names_2025 and "Phường Mới Lập" not in names_2025

    before = counts()
    assert "không có thay đổi" in run(province="01", on="01/01/2026")
    assert counts() == before


@pytest.mark.django_db
def test_province_option_loads_one_province_only():
    output = run(province="1")
    assert Unit.objects.filter(level=Unit.Level.PROVINCE).count() == 1
    assert Unit.objects.filter(level=Unit.Level.COMMUNE).count() == 126
    assert "thêm mới 126" in output


@pytest.mark.django_db
def test_unknown_province_is_refused_in_vietnamese_and_saves_nothing():
    with pytest.raises(CommandError, match="Không có tỉnh, thành phố mã «77»"):
        run(province="77")
    with pytest.raises(CommandError, match="không hợp lệ"):
        run(on="31/02/2026")
    assert Unit.objects.count() == 0
