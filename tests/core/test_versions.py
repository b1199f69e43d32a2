"""core.DataVersion: tokens the database itself replaces when a watched table changes, by any path (issue 19: the
users' scopes and the title catalogue are kept by each process between requests under them)."""

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState

from chapters.models import Role, Unit
from core import versions
from core.migration_operations import WatchTables
from core.models import DataVersion
from learning_models.models import TitleType
from learning_models.services.catalogue import target_save
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def token(name: str) -> str | None:
    return versions.tokens([name], using="default")[0]


class Tokens:
    """The tokens of one version seen so far: each change must give one never seen before."""

    def __init__(self, name: str):
        self.name, self.seen = name, [token(name)]

    def changed(self) -> bool:
        now = token(self.name)
        fresh = now is not None and now not in self.seen
        self.seen.append(now)
        return fresh

    def unchanged(self) -> bool:
        now = token(self.name)
        same = now == self.seen[-1]
        self.seen.append(now)
        return same


def test_every_way_of_changing_a_role_replaces_the_roles_version_and_nothing_else_does(tree):
    roles, titles = Tokens("roles"), Tokens("titles")
    role = RoleFactory(user=UserFactory(username="vai_moi"), unit=tree.chapter)
    assert roles.changed()
    role.kind = Role.Kind.VIEWER
    role.save()
    assert roles.changed()
    Role.objects.filter(pk=role.pk).update(unit=tree.commune)
    assert roles.changed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM chapters_role WHERE id = %s", [role.pk])
    assert roles.changed()
    UserFactory(username="khong_vai")
    Unit.objects.filter(pk=tree.chapter.pk).update(address="Số 2")
    assert roles.unchanged()
    assert titles.unchanged()


def test_title_types_targets_and_units_names_replace_the_titles_version(tree):
    titles = Tokens("titles")
    gdht = TitleType.objects.get(code="gdht")
    gdht.name = "Gia đình học tập (sửa)"
    gdht.save()
    assert titles.changed()
    target = target_save(unit=tree.province, title_type=gdht, year=2025, percent=20)
    assert titles.changed()
    target.delete()
    assert titles.changed()
    Unit.objects.filter(pk=tree.province.pk).update(name="Tỉnh Đổi Tên")  # a target's basis names its province
    assert titles.changed()
    Unit.objects.filter(pk=tree.chapter.pk).update(address="Số 2", notes="Ghi chú")
    assert titles.unchanged()


def test_every_change_to_a_unit_replaces_the_units_version_and_nothing_else_does(tree):
    """The units a dashboard lists are kept under "units" (chapters.summaries.listed_units): any column of any
    unit, by any path."""
    units = Tokens("units")
    added = Unit.objects.create(kind=tree.chapter.kind, level=tree.chapter.level, name="Chi hội Mới", code="10001-09")
    assert units.changed()
    Unit.objects.filter(pk=tree.chapter.pk).update(address="Số 2")
    assert units.changed()
    Unit.objects.filter(pk=tree.chapter.pk).update(latitude=20.5, longitude=105.8)  # the map's points
    assert units.changed()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM chapters_unit WHERE id = %s", [added.pk])
    assert units.changed()
    RoleFactory(user=UserFactory(username="vai_don_vi"), unit=tree.chapter)
    TitleType.objects.filter(code="gdht").update(name="Gia đình học tập (sửa)")
    assert units.unchanged()


def test_a_lost_row_means_nothing_is_kept_until_the_next_change_brings_it_back_under_a_new_token(tree):
    before = token("roles")
    DataVersion.objects.filter(name="roles").delete()
    assert token("roles") is None
    RoleFactory(user=UserFactory(username="vai_sau"), unit=tree.chapter)
    assert token("roles") not in (None, before)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's schema editor cannot run in the test's transaction")
def test_the_operation_makes_its_row_and_triggers_and_takes_them_away(tree):
    operation = WatchTables("thu", [("chapters_unitname", ["INSERT", "UPDATE"])])
    state = ProjectState()
    with connection.schema_editor(atomic=True) as editor:
        operation.database_forwards("chapters", editor, state, state)
    first = token("thu")
    assert first
    tree.chapter.names.create(name="Chi hội cũ", code="10001-01", valid_until="2020-12-31")
    assert token("thu") not in (None, first)
    with connection.schema_editor(atomic=True) as editor:
        operation.database_backwards("chapters", editor, state, state)
    assert token("thu") is None
    tree.chapter.names.create(name="Chi hội cũ hơn", code="10001-01", valid_until="2010-12-31")
    assert token("thu") is None  # no trigger is left to bring it back
    assert operation.deconstruct() == (
        "WatchTables",
        [],
        {"version": "thu", "watched": [("chapters_unitname", ["INSERT", "UPDATE"])]},
    )
    with pytest.raises(ValueError):  # the name goes into SQL as a trigger's and a function's name
        WatchTables("thu'; --", [("chapters_unitname", ["INSERT"])])
