"""core.spreadsheets.validation: every form's save (`record_save`, `full_clean_known`) and every imported row
(`clean_row`: `fields_clean`, `check_constraints`) get the errors Django's own checks give, without the queries
and the conversions whose answer is already known (issue 19)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from core.spreadsheets.validation import full_clean_known
from members.models import Clan, Member, Membership
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory
from tests.project import project_models

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


# fields_clean: Model.clean_fields() without Field.clean() for values already right -------------------------------


def _samples(field) -> list:
    """Values around each limit of `field`: of its own type and not, empty, too long, out of range, off its
    choices."""
    values = [None, "", "x", " ", "12", 0, 1, -1, 7, 2**31, -(2**31) - 1, 2**63, True, False, 1.5,
              D(2024, 2, 29), datetime.datetime(2024, 1, 1, 12, 30), "2024-01-02", "không phải ngày", []]  # fmt: skip
    if field.max_length:
        values += ["a" * field.max_length, "ắ" * field.max_length, "a" * (field.max_length + 1)]
    values += [key for key, _label in field.flatchoices][:3]
    return values


def _outcome(clean, instance, field) -> tuple:
    try:
        clean(instance)
        errors = None
    except ValidationError as error:
        errors = {
            name: [(str(e.message), e.code, repr(e.params)) for e in problems]
            for name, problems in error.error_dict.items()
        }
    except Exception as error:  # noqa: BLE001 - Django's own clean raises TypeError for some: so must ours
        errors = type(error).__name__
    value = getattr(instance, field.attname)
    return errors, type(value), value


def test_fields_clean_gives_what_clean_fields_gives_for_every_field_of_the_project_and_every_value_around_its_limits():
    """For every plain field of every model of the project, every sample value: the same errors, and the same
    value (of the same type) left on the instance, as `Model.clean_fields()`."""
    from core.spreadsheets.validation import _field_checks, fields_clean

    compared = tested = 0
    for model in project_models():
        for field, _attname, passes in _field_checks(model):
            if field.is_relation:
                continue
            tested += passes is not None
            others = {f.name for f in model._meta.fields if f.name != field.name}
            for value in _samples(field):
                django, ours = model(), model()
                setattr(django, field.attname, value)
                setattr(ours, field.attname, value)
                expected = _outcome(lambda record, others=others: record.clean_fields(exclude=others), django, field)
                assert _outcome(lambda record, others=others: fields_clean(record, others), ours, field) == expected, (
                    model.__name__,
                    field.name,
                    value,
                )
                compared += 1
    assert tested > 100 and compared > 5000  # the project's models were all walked, most fields with a test


def test_a_valid_row_s_plain_fields_are_checked_without_field_clean_and_a_wrong_value_still_gets_django_s_message(
    chapter, monkeypatch
):
    from django.db.models import Field

    from core.spreadsheets.validation import clean_row

    calls = []
    original = Field.clean
    monkeypatch.setattr(
        Field, "clean", lambda self, value, instance: calls.append(self.name) or original(self, value, instance)
    )
    member = _member(chapter, phone="0912 345 678", card_number="T09-7")
    assert clean_row(member, exclude={"unit"}) == {}
    assert calls == []  # before: every field that was filled went through Field.clean()

    member = _member(chapter, full_name="N" * 300, gender="X")
    problems = clean_row(member, exclude={"unit"})
    assert sorted(calls) == ["full_name", "gender"]  # only the wrong values, for Django's own messages
    assert problems["full_name"] == ["Giá trị này chỉ có tối đa 150 kí tự (hiện có 300)"]
    assert problems["gender"] == ["Giá trị 'X' không phải là lựa chọn hợp lệ."]


def _condition_samples(field) -> list:
    """Values a check constraint's condition may compare: empty, below and above zero, two dates, each choice."""
    if isinstance(field, models.DateField):
        return [None, D(2020, 1, 1), D(2021, 6, 30)]
    if isinstance(field, (models.IntegerField, models.BigIntegerField)):
        return [None, -1, 0, 5, 2030]
    if isinstance(field, models.BooleanField):
        return [True, False]
    if isinstance(field, (models.CharField, models.TextField)):
        return ["", "x", *[key for key, _label in field.flatchoices][:3]]
    return [None]


def test_check_constraints_decide_as_the_database_does_for_every_check_constraint_of_the_project():
    """`check_constraints` evaluates conditions in Python (compiled once per model): for every CheckConstraint of
    every model of the project and every combination of sample values of the fields it reads, the same verdict as
    Django's own check, which asks the database (SQL's rule: a comparison with NULL passes)."""
    import itertools

    from django.db.models import CheckConstraint, Q

    from core.spreadsheets.validation import _referenced, _Unsupported, check_constraints

    checked = 0
    for model in project_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            try:
                names = sorted(_referenced(Q(constraint.condition)))
            except _Unsupported:
                continue
            fields = [model._meta.get_field(name) for name in names]
            for values in itertools.product(*[_condition_samples(field) for field in fields]):
                instance = model()
                for field, value in zip(fields, values, strict=True):
                    setattr(instance, field.attname, value)
                try:
                    constraint.validate(model, instance)
                    expected = []
                except ValidationError as error:
                    expected = error.messages
                ours = [message for error in check_constraints(instance) for message in error.messages]
                assert (constraint.get_violation_error_message() in ours) == bool(expected), (model, constraint, values)
                checked += 1
    assert checked > 50
