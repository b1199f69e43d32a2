"""Issue 15: card numbers are unique per province (card_scope); a commune moved to another province takes its
members' card scope with it, and a move that would give two members of one province the same card number is
refused, naming the card numbers, with nothing changed."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from chapters.models import Unit
from chapters.services import tree as tree_services
from members.models import Member
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory

D = datetime.date


@pytest.fixture
def other_province(db):
    province = ProvinceFactory(name="Tỉnh Bên Cạnh", code="T02")
    commune = CommuneFactory(parent=province, name="Xã Bên Cạnh", code="20001")
    return province, UnitFactory(parent=commune, name="Chi hội thôn Tây", code="20001-01")


def test_moving_a_commune_to_another_province_moves_its_card_scope(tree, make_member, other_province):
    province, _chapter = other_province
    member = make_member(unit=tree.chapter, card_number="BD-001")
    without_card = make_member(unit=tree.chapter, full_name="Trần Văn Bình")
    assert member.card_scope == tree.province.path

    tree_services.unit_move(tree.commune, new_parent=province, on=D(2026, 1, 1))

    province.refresh_from_db()
    member.refresh_from_db()
    without_card.refresh_from_db()
    assert member.card_scope == province.path
    assert without_card.card_scope == ""
    # The constraint now guards the new province: the same number cannot be given there again.
    assert Member(card_number="BD-001", unit=member.unit).card_number_clash() == member


def test_a_move_that_would_duplicate_card_numbers_is_refused_and_changes_nothing(tree, make_member, other_province):
    province, chapter = other_province
    mine = make_member(unit=tree.chapter, card_number="BD-001")
    make_member(unit=tree.other_chapter, full_name="Lê Văn Cường", card_number="BD-002")
    make_member(unit=chapter, full_name="Phạm Thị Dung", card_number="BD-001")
    make_member(unit=chapter, full_name="Đỗ Văn Em", card_number="BD-002")
    path_before = Unit.objects.get(pk=tree.commune.pk).path

    with pytest.raises(ValidationError) as refused:
        tree_services.unit_move(tree.commune, new_parent=province, on=D(2026, 1, 1))

    message = " ".join(refused.value.messages)
    assert "BD-001" in message and "BD-002" in message and province.display_name in message
    assert Unit.objects.get(pk=tree.commune.pk).path == path_before
    assert Unit.objects.get(pk=tree.commune.pk).parent_id == tree.province.pk
    mine.refresh_from_db()
    assert mine.card_scope == tree.province.path
