"""Shared fixtures: a small tree and the personas every scoped view is tested with (style.md, Tests).

province
├── commune (phường Bạch Đằng)          ← officer, viewer
│   ├── chapter                          ← secretary
│   └── other_chapter
└── other_commune                        ← outsider (secretary there)
    └── outside_chapter
"""

import os
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from chapters.models import Role, Unit
from tests.factories import CommuneFactory, ProvinceFactory, RoleFactory, UnitFactory, UserFactory

# Property tests explore new examples on every run of a developer's machine (that is how they find defects), but CI
# replays the same examples each time: a clean clone must not go red by the luck of the draw. A defect found locally
# gets a plain test of its own (docs/decisions.md, «Property tests in CI»).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@dataclass
class Tree:
    province: Unit
    commune: Unit
    chapter: Unit
    other_chapter: Unit
    other_commune: Unit
    outside_chapter: Unit


@pytest.fixture
def tree(db) -> Tree:
    province = ProvinceFactory(name="Tỉnh Thử Nghiệm", code="T01")
    commune = CommuneFactory(parent=province, name="Phường Bạch Đằng", code="10001")
    other_commune = CommuneFactory(parent=province, name="Xã Hòa Bình", code="10002", division_type="xã")
    return Tree(
        province=province,
        commune=commune,
        chapter=UnitFactory(parent=commune, name="Chi hội tổ dân phố số 1", code="10001-01"),
        other_chapter=UnitFactory(
            parent=commune, name="Chi hội Trường Tiểu học Bạch Đằng", code="10001-02", host=Unit.Host.SCHOOL
        ),
        other_commune=other_commune,
        outside_chapter=UnitFactory(parent=other_commune, name="Chi hội thôn Đông", code="10002-01"),
    )


def _user_with_role(username, unit, kind, full_name=("Lan", "Nguyễn Thị")):
    user = UserFactory(username=username, first_name=full_name[0], last_name=full_name[1])
    RoleFactory(user=user, unit=unit, kind=kind)
    return user


@pytest.fixture
def secretary(tree):
    """Secretary of one chapter."""
    return _user_with_role("thuky", tree.chapter, Role.Kind.SECRETARY)


@pytest.fixture
def commune_secretary(tree):
    return _user_with_role("thuky_phuong", tree.commune, Role.Kind.SECRETARY, ("Hoa", "Trần Thị"))


@pytest.fixture
def officer(tree):
    """Officer of the commune above the chapter."""
    return _user_with_role("canbo", tree.commune, Role.Kind.OFFICER, ("Minh", "Lê Văn"))


@pytest.fixture
def viewer(tree):
    """Read-only on the commune (inspection committee)."""
    return _user_with_role("kiemtra", tree.commune, Role.Kind.VIEWER, ("Hùng", "Phạm Văn"))


@pytest.fixture
def administrator(tree):
    return _user_with_role("quantri", tree.province, Role.Kind.ADMINISTRATOR, ("Đức", "Nguyễn Văn"))


@pytest.fixture
def outsider(tree):
    """Secretary of another commune: sees nothing of ours."""
    return _user_with_role("nguoingoai", tree.other_commune, Role.Kind.SECRETARY, ("Tâm", "Vũ Thị"))


@pytest.fixture
def client_for(client):
    """client_for(user) logs the test client in as `user`."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def shipped_catalogue(db):
    """The title types and criteria sets the data migrations ship. A transactional test (live server, real worker)
    flushes the database when it ends, taking them along, so a transactional test that needs them after another
    one asks for this fixture (the same install the migrations run; it only adds what is missing)."""
    install_shipped_catalogue()


def install_shipped_catalogue() -> None:
    from learning_models import catalogue
    from learning_models.models import CriteriaSet, Criterion, TitleType

    catalogue.install(TitleType, CriteriaSet, Criterion)
    catalogue.install_target_years(TitleType)
    catalogue.install_recognition_only(TitleType, CriteriaSet)
