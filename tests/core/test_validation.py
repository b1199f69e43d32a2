"""core.spreadsheets.validation.full_clean_known: every form's save (`record_save`) gets the errors `full_clean()`
gives, without the queries whose answer is in memory (issue 19)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.spreadsheets.validation import full_clean_known
from members.models import Clan, Member, Membership
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def chapter():
    return UnitFactory(parent=CommuneFactory(parent=ProvinceFactory(code="T09"), code="90001"), code="90001-01")


def _member(chapter, **fields) -> Member:
    values = {"full_name": "Nguyễn Thị Lan", "gender": "F", "birth_year": 1970, "joined_on": D(2020, 3, 1)}
    member = Member(unit=chapter, **{**values, **fields})
    member.prepare()
    return member


def _errors(check, instance) -> dict | None:
    try:
        check(instance)
    except ValidationError as error:
        return {name: sorted(messages) for name, messages in error.message_dict.items()}
    return None


def test_the_same_errors_as_full_clean_for_fields_clean_checks_and_unique_constraints(chapter):
    holder = _member(chapter, card_number="T09-001")
    holder.card_scope = holder.province_path()
    holder.save()
    Membership.objects.create(member=holder, unit=chapter, since=D(2020, 3, 1))
    cases = [
        _member(chapter),  # valid
        _member(chapter, full_name="", phone="12ab"),  # fields and clean()
        _member(chapter, joined_on=D(2020, 3, 1), left_on=D(2019, 1, 1), left_reason="quit"),  # clean() and a check
        _member(chapter, card_number="T09-001"),  # the card of another member in the province: a query
        _member(chapter, birth_year=1800, card_number="T09-001"),
        Membership(member=holder, unit=chapter, since=D(2021, 1, 1)),  # a second open membership: a query
        Membership(member=holder, unit=chapter, since=D(2021, 1, 1), until=D(2020, 1, 1)),  # a check, in Python
        Membership(member=holder, unit_id=chapter.pk, since=D(2021, 1, 1), until=D(2022, 1, 1)),  # valid, by id
        # A board that is no clan's: a foreign key that limits its choices is still checked against them.
        Clan(unit=chapter, name="Dòng họ Nguyễn Đình", board=chapter),
    ]
    for instance in cases:
        if isinstance(instance, Member) and instance.card_number:
            instance.card_scope = instance.province_path()
    found = [(_errors(lambda record: record.full_clean(), case), _errors(full_clean_known, case)) for case in cases]
    assert [known for _django, known in found] == [django for django, _known in found]
    assert found[0][1] is None and found[-2][1] is None
    assert "board" in found[-1][1] and len(found[-1][1]["board"]) == 2  # the choices, then clean()
    assert "card_number" in found[3][1] and "unit" not in (found[3][1] or {})
    assert found[5][1] and found[6][1] == {"__all__": ["Ngày kết thúc không được trước ngày bắt đầu."]}


def test_a_new_member_with_her_loaded_chapter_and_no_card_is_validated_without_a_query(chapter):
    member = _member(chapter)
    with CaptureQueriesContext(connection) as django:
        member.full_clean()
    with CaptureQueriesContext(connection) as known:
        full_clean_known(member)
    assert len(django.captured_queries) >= 3  # the chapter exists, the empty card clashes, the leaving date
    assert known.captured_queries == []
    # A chapter given by its id is still looked up.
    by_id = Member(unit_id=chapter.pk, full_name="Trần Văn An", gender="M", birth_year=1960, joined_on=D(2020, 1, 1))
    by_id.prepare()
    with CaptureQueriesContext(connection) as lookup:
        full_clean_known(by_id)
    assert any('"chapters_unit"' in query["sql"] for query in lookup.captured_queries)
