import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from chapters.management.commands.seed_demo import DEMO_PASSWORD, USERS
from chapters.models import BaselineFigure, LeadershipPosition, Lineage, Role, Term, Unit
from chapters.services.tree import tree_on

D = datetime.date


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_running_twice_gives_the_same_rows():
    seed()
    before = row_counts()
    seed()
    after = row_counts()
    assert {label: (n, after[label]) for label, n in before.items() if after[label] != n} == {}
    assert before["chapters.Unit"] > 3 + 126


@pytest.mark.django_db
def test_demo_has_a_merged_area_seen_on_both_trees():
    output = seed()
    hanoi = Unit.objects.get(code="01", level=Unit.Level.PROVINCE)
    # The city's pre-reform tree is loaded (load_divisions --history): the historic units are the loaded ones.
    district = Unit.objects.get(level=Unit.Level.DISTRICT, code="005")
    quan_hoa, dich_vong = (Unit.objects.get(level=Unit.Level.COMMUNE, code=code) for code in ["00169", "00166"])
    cau_giay = Unit.objects.get(code="00167", active_until__isnull=True)
    nghia_do = Unit.objects.get(code="00160", active_until__isnull=True)
    assert (district.name, district.active_from, district.active_until) == ("Quận Cầu Giấy", None, D(2025, 6, 30))
    assert {quan_hoa.active_until, dich_vong.active_until} == {D(2025, 6, 30)}
    assert Lineage.objects.get(predecessor=dich_vong, primary=True).successor == cau_giay
    assert Lineage.objects.get(predecessor=quan_hoa, primary=True).successor == nghia_do
    assert hanoi.active_from is None  # one unit across both periods

    past = {unit.name: depth for unit, depth in tree_on(hanoi, D(2024, 12, 31))}
    assert past["Quận Cầu Giấy"] == 1 and sum(depth == 1 for depth in past.values()) == 30
    assert past["Phường Quan Hoa"] == 2 and past["Phường Dịch Vọng"] == 2
    assert past["Chi hội tổ dân phố Quan Hoa 4"] == 3
    assert "Phường Cầu Giấy" not in past

    today = {unit.name: depth for unit, depth in tree_on(hanoi, timezone.localdate())}
    assert "Quận Cầu Giấy" not in today and "Phường Quan Hoa" not in today
    assert today["Phường Cầu Giấy"] == 1
    # The old wards' chapters followed their primary successors at the reform.
    moved = {unit.name for unit, _d in tree_on(cau_giay, timezone.localdate())}
    assert {"Chi hội Trường THCS Dịch Vọng", "Chi hội tổ dân phố số 3"} <= moved
    assert "Chi hội tổ dân phố Quan Hoa 4" in {unit.name for unit, _d in tree_on(nghia_do, timezone.localdate())}

    # ~30 chapters and boards of mixed hosts under today's three wards, each association with a term and leaders.
    communes = Unit.objects.filter(code__in=["00167", "00160", "00175"], active_until__isnull=True)
    chapters = Unit.objects.filter(parent__in=communes, kind__in=[Unit.Kind.CHAPTER, Unit.Kind.BOARD])
    assert 25 <= chapters.count() <= 40
    assert set(chapters.values_list("host", flat=True)) >= {"residential", "school", "agency", "clan"}
    for unit in [hanoi, *communes]:
        assert Term.objects.filter(unit=unit, start_year=2021, end_year=2026).exists()
        assert LeadershipPosition.objects.filter(unit=unit, position="chair").count() == 1
    assert BaselineFigure.objects.filter(unit__in=communes, year__in=[2023, 2024, 2025]).count() == 9

    # One login per role, at different levels, all with the printed password.
    assert DEMO_PASSWORD in output
    for username, (_given, _family, kind, code) in USERS.items():
        assert username in output
        user = get_user_model().objects.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD), username
        assert Role.objects.filter(user=user, kind=kind, unit__code=code, unit__active_until__isnull=True).exists()
    # 00167 was Phường Dịch Vọng Hậu's code before the reform: the logins name today's ward.
    assert "canbo_xa    Trần Văn Hùng — cán bộ, Hội Khuyến học phường Cầu Giấy" in output


@pytest.mark.django_db
def test_refuses_on_production_settings_without_force(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="vận hành thật"):
        call_command("seed_demo", stdout=io.StringIO())
    assert Unit.objects.count() == 0
