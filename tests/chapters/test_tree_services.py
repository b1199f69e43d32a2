import datetime

import pytest
from django.core.exceptions import ValidationError

from chapters.models import Lineage, ParentLink, Unit
from chapters.services import tree as tree_services
from tests.factories import CommuneFactory, UnitFactory

D = datetime.date


@pytest.fixture
def reform(tree):
    """A district that closed on 30/06/2025 with two old communes merged into today's commune."""
    district = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.DISTRICT,
        division_type="quận",
        code="D001",
        name="Quận Hai Bà Trưng",
        parent=tree.province,
        active_from=D(2000, 1, 1),
    )
    old_a = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.COMMUNE,
        division_type="phường",
        code="OLD1",
        name="Phường Cũ Một",
        parent=district,
        active_from=D(2000, 1, 1),
    )
    old_b = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.COMMUNE,
        division_type="phường",
        code="OLD2",
        name="Phường Cũ Hai",
        parent=district,
        active_from=D(2000, 1, 1),
    )
    chapter_a = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER,
        level=Unit.Level.GRASSROOTS,
        host=Unit.Host.RESIDENTIAL,
        code="OLD1-01",
        name="Chi hội tổ 1",
        parent=old_a,
        active_from=D(2010, 1, 1),
    )
    chapter_b = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER,
        level=Unit.Level.GRASSROOTS,
        host=Unit.Host.SCHOOL,
        code="OLD2-01",
        name="Chi hội trường THCS",
        parent=old_b,
        active_from=D(2010, 1, 1),
    )
    new = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.COMMUNE,
        division_type="phường",
        code="NEW1",
        name="Phường Mới",
        parent=tree.province,
        active_from=D(2025, 7, 1),
    )
    tree_services.unit_merge(predecessors=[old_a, old_b], successor=new, on=D(2025, 7, 1))
    tree_services.unit_close(district, on=D(2025, 6, 30))
    return district, old_a, old_b, chapter_a, chapter_b, new


def names(pairs):
    return {unit.name for unit, _depth in pairs}


def test_past_tree_shows_district_and_old_communes(reform, tree):
    district, old_a, old_b, chapter_a, chapter_b, new = reform
    past = tree_services.tree_on(tree.province, D(2024, 12, 31))
    assert {"Quận Hai Bà Trưng", "Phường Cũ Một", "Phường Cũ Hai", "Chi hội tổ 1", "Chi hội trường THCS"} <= names(past)
    assert "Phường Mới" not in names(past)
    depth = {unit.name: d for unit, d in past}
    assert depth["Chi hội tổ 1"] == 3


def test_today_tree_puts_chapters_under_new_commune(reform, tree):
    district, old_a, old_b, chapter_a, chapter_b, new = reform
    today = tree_services.tree_on(tree.province, D(2026, 1, 1))
    assert "Quận Hai Bà Trưng" not in names(today)
    assert "Phường Cũ Một" not in names(today)
    chapter_a.refresh_from_db()
    assert chapter_a.parent == new
    assert chapter_a.path.startswith(new.path)
    assert set(Unit.objects.subtree(new).values_list("code", flat=True)) == {"NEW1", "OLD1-01", "OLD2-01"}


def test_merge_writes_lineage_and_closes_predecessors(reform):
    district, old_a, old_b, chapter_a, chapter_b, new = reform
    old_a.refresh_from_db()
    assert old_a.active_until == D(2025, 6, 30)
    lineage = Lineage.objects.get(predecessor=old_a)
    assert lineage.successor == new and lineage.primary and lineage.kind == Lineage.Kind.MERGE
    link = ParentLink.objects.get(unit=chapter_a, valid_until__isnull=False)
    assert link.parent == old_a and link.valid_until == D(2025, 6, 30)


def test_today_tree_counts_predecessor_under_successor(reform, tree):
    district, old_a, old_b, chapter_a, chapter_b, new = reform
    ids = tree_services.representative_ids_today(new)
    assert {old_a.pk, old_b.pk, chapter_a.pk, new.pk} <= ids


def test_merge_into_closed_unit_is_refused(reform, tree):
    district, old_a, *_ = reform
    other = CommuneFactory(parent=tree.province, active_from=D(2000, 1, 1))
    with pytest.raises(ValidationError) as error:
        tree_services.unit_merge(predecessors=[other], successor=old_a, on=D(2026, 1, 1))
    assert "không hoạt động" in str(error.value)
    other.refresh_from_db()
    assert other.active_until is None


def test_cycle_is_refused(tree):
    with pytest.raises(ValidationError):
        tree_services.unit_move(tree.commune, new_parent=tree.chapter, on=D(2026, 1, 1))
    tree.commune.refresh_from_db()
    assert tree.commune.parent == tree.province


def test_commune_under_chapter_is_refused(tree):
    with pytest.raises(ValidationError) as error:
        tree_services.unit_create(
            kind=Unit.Kind.ASSOCIATION,
            level=Unit.Level.COMMUNE,
            code="X1",
            name="Xã Sai",
            parent=tree.chapter,
            active_from=D(2020, 1, 1),
        )
    assert "parent" in error.value.error_dict
    assert not Unit.objects.filter(code="X1").exists()


def test_code_clash_only_among_units_open_on_the_same_day(tree):
    UnitFactory(parent=tree.commune, code="DUP", active_from=D(2010, 1, 1), active_until=D(2019, 12, 31))
    reused = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER,
        level=Unit.Level.GRASSROOTS,
        host=Unit.Host.SCHOOL,
        code="DUP",
        name="Chi hội mới",
        parent=tree.commune,
        active_from=D(2020, 1, 1),
    )
    assert reused.pk
    with pytest.raises(ValidationError) as error:
        tree_services.unit_create(
            kind=Unit.Kind.CHAPTER,
            level=Unit.Level.GRASSROOTS,
            host=Unit.Host.SCHOOL,
            code="dup",
            name="Chi hội trùng mã",
            parent=tree.commune,
            active_from=D(2021, 1, 1),
        )
    assert "đang được dùng" in str(error.value)


def test_closing_before_opening_is_refused(tree):
    with pytest.raises(ValidationError):
        tree_services.unit_close(tree.outside_chapter, on=D(2000, 1, 1))
    tree.outside_chapter.refresh_from_db()
    assert tree.outside_chapter.active_until is None


def test_rename_keeps_old_name_for_past_dates(tree, secretary):
    unit = tree.chapter
    tree_services.unit_update(unit, actor=secretary, on=D(2026, 3, 1), name="Chi hội tổ dân phố số 1 mới")
    assert tree_services.tree_on(unit, D(2025, 12, 31))[0][0].name == "Chi hội tổ dân phố số 1"
    assert tree_services.tree_on(unit, D(2026, 3, 2))[0][0].name == "Chi hội tổ dân phố số 1 mới"
    assert unit.history.first().history_user == secretary


def test_split_moves_children_by_assignment(tree):
    old = CommuneFactory(parent=tree.province, code="SPLIT", active_from=D(2000, 1, 1))
    c1 = UnitFactory(parent=old, code="S-1")
    c2 = UnitFactory(parent=old, code="S-2")
    new1 = CommuneFactory(parent=tree.province, code="N-1", active_from=D(2025, 7, 1))
    new2 = CommuneFactory(parent=tree.province, code="N-2", active_from=D(2025, 7, 1))
    tree_services.unit_split(
        predecessor=old, successors=[new1, new2], primary=new1, on=D(2025, 7, 1), assignments={c2.pk: new2}
    )
    c1.refresh_from_db()
    c2.refresh_from_db()
    assert (c1.parent, c2.parent) == (new1, new2)
    assert Lineage.objects.get(predecessor=old, primary=True).successor == new1
