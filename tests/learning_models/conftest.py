"""Fixtures of the titles tests: households and clans of the persona tree, the shipped title types."""

import datetime
from dataclasses import dataclass

import pytest

from chapters.models import Unit
from learning_models.models import TitleType
from members.models import Clan, Household
from tests.factories import UnitFactory

YEAR = 2025


@dataclass
class Families:
    an: Household
    binh: Household
    cuong: Household
    outside: Household
    clan: Clan
    school: Unit


@pytest.fixture
def families(tree) -> Families:
    return Families(
        an=Household.objects.create(unit=tree.chapter, head_name="Nguyễn Văn An", code="H01", address="Số 1"),
        binh=Household.objects.create(unit=tree.chapter, head_name="Trần Thị Bình", code="H02"),
        cuong=Household.objects.create(unit=tree.chapter, head_name="Lê Văn Cường", code="H03"),
        outside=Household.objects.create(unit=tree.outside_chapter, head_name="Vũ Văn Đông", code="H01"),
        clan=Clan.objects.create(unit=tree.chapter, name="Dòng họ Nguyễn Đình"),
        school=UnitFactory(
            parent=tree.commune,
            kind=Unit.Kind.BOARD,
            host=Unit.Host.SCHOOL,
            name="Ban khuyến học Trường THCS Bạch Đằng",
            code="10001-B1",
        ),
    )


@pytest.fixture
def gdht(db) -> TitleType:
    return TitleType.objects.get(code="gdht")


@pytest.fixture
def dvht(db) -> TitleType:
    return TitleType.objects.get(code="dvht-xa")


FULL = {"1.1": 10, "1.2": 9, "1.3": 8, "2": 25, "3": 18, "4": 17}  # 87 points
LOW = {"1.1": 5, "1.2": 5, "1.3": 5, "2": 20, "3": 15, "4": 15}  # 65 points
DECISION = {
    "decision_number": "125/QĐ-UBND",
    "decision_date": datetime.date(2025, 12, 20),
    "decision_issuer": "UBND phường Bạch Đằng",
}
