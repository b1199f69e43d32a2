"""The yearly cycle of a title record: register, score, review, propose, recognise or refuse, lock and unlock."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapters.models import Summary
from chapters.services.periods import period_close
from learning_models.models import TitleRecord
from learning_models.services.records import (
    ScoreEntry,
    record_refuse,
    record_review,
    record_score,
    record_unlock,
    records_propose,
    records_recognise,
    records_score,
    registration_bulk_create,
    registration_create,
    registration_delete,
)

from .conftest import DECISION, FULL, LOW, YEAR

S = TitleRecord.Status


def own(unit, figure, year=YEAR, period="Y"):
    row = Summary.objects.filter(unit=unit, year=year, period=period, figure=figure).first()
    return row.value if row else 0


def reviewed(record, scores=FULL):
    record_score(record, scores=scores)
    record_review(record, review_date=datetime.date(YEAR, 12, 5))
    record.refresh_from_db()
    return record


def test_household_goes_through_the_whole_cycle(families, gdht, officer, secretary):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an, actor=secretary)
    assert record.unit == families.an.unit
    assert record.criteria_set.title_type == gdht
    assert own(record.unit, "titles.gdht.registered") == 1

    record_score(record, scores={k: str(v) for k, v in FULL.items()}, evidence="Con học giỏi", actor=secretary)
    record.refresh_from_db()
    assert record.status == S.SELF_ASSESSED and record.total == 87 and record.scores["1.1"] == 10

    record_review(record, review_date=datetime.date(YEAR, 12, 5), note="Biên bản số 3", actor=secretary)
    records_propose([record], actor=officer)
    record.refresh_from_db()
    assert record.status == S.PROPOSED

    records_recognise([record], actor=officer, **DECISION)
    record.refresh_from_db()
    assert (record.status, record.locked, record.decision_number) == (S.RECOGNISED, True, "125/QĐ-UBND")
    assert record.valid_until_year == YEAR
    assert own(record.unit, "titles.gdht.recognised") == 1
    assert own(record.unit, "titles.gdht.holding") == 1
    # Every step is in the history, with who did it.
    assert record.history.count() == 5
    assert record.history.first().history_user == officer


def test_registering_twice_for_the_same_title_and_year_is_refused(families, gdht):
    registration_create(title_type=gdht, year=YEAR, household=families.an)
    with pytest.raises(ValidationError) as error:
        registration_create(title_type=gdht, year=YEAR, household=families.an)
    assert "đã đăng ký danh hiệu «Gia đình học tập» năm 2025" in str(error.value)
    assert TitleRecord.objects.count() == 1
    # Another year is a new registration.
    registration_create(title_type=gdht, year=YEAR - 1, household=families.an)
    assert TitleRecord.objects.count() == 2


def test_a_household_title_cannot_be_given_to_a_clan_or_a_unit(families, gdht, dvht):
    with pytest.raises(ValidationError, match="dành cho hộ gia đình"):
        registration_create(title_type=gdht, year=YEAR, clan=families.clan)
    with pytest.raises(ValidationError, match="không thuộc đối tượng"):
        registration_create(title_type=dvht, year=YEAR, subject_unit=families.an.unit)
    assert TitleRecord.objects.count() == 0


def test_score_above_a_criterion_maximum_is_refused_and_nothing_saved(families, gdht):
    good = registration_create(title_type=gdht, year=YEAR, household=families.an)
    bad = registration_create(title_type=gdht, year=YEAR, household=families.binh)
    with pytest.raises(ValidationError) as error:
        records_score([ScoreEntry(good, {"1.1": 9}), ScoreEntry(bad, {**FULL, "1.1": "12"})])
    assert "12 điểm vượt quá mức tối đa 10 điểm" in str(error.value)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.scores == {} and bad.scores == {} and good.version == 1


def test_scores_accept_a_decimal_comma_and_refuse_unknown_criteria(families, gdht):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    record_score(record, scores={"1.1": "7,5", "2": ""})
    record.refresh_from_db()
    assert record.scores == {"1.1": 7.5} and str(record.total) == "7.5"
    with pytest.raises(ValidationError, match="không có tiêu chí chấm điểm mã «9»"):
        record_score(record, scores={"9": 3})
    with pytest.raises(ValidationError, match="không phải là số điểm"):
        record_score(record, scores={"1.2": "mười"})


def test_review_needs_every_criterion_scored(families, gdht):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    record_score(record, scores={"1.1": 10})
    with pytest.raises(ValidationError, match="chưa chấm điểm tiêu chí 1.2"):
        record_review(record, review_date=datetime.date(YEAR, 12, 5))
    record.refresh_from_db()
    assert record.status == S.SELF_ASSESSED


def test_proposal_refuses_records_below_the_threshold_all_or_nothing(families, gdht, officer):
    good = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    weak = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.binh), LOW)
    with pytest.raises(ValidationError, match="tổng 65 điểm, dưới mức 80 điểm"):
        records_propose([good, weak], actor=officer)
    assert set(TitleRecord.objects.values_list("status", flat=True)) == {S.REVIEWED}


def test_recognition_without_a_decision_number_is_refused(families, gdht, officer):
    record = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    records_propose([record], actor=officer)
    with pytest.raises(ValidationError) as error:
        records_recognise([record], actor=officer, **{**DECISION, "decision_number": "  "})
    assert "Hãy nhập số quyết định" in str(error.value)
    record.refresh_from_db()
    assert record.status == S.PROPOSED and not record.locked


def test_only_an_officer_of_the_commune_proposes(families, gdht, secretary, commune_secretary):
    record = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    for user in (secretary, commune_secretary):
        with pytest.raises(PermissionDenied):
            records_propose([record], actor=user)
    record.refresh_from_db()
    assert record.status == S.REVIEWED


def test_recognised_record_is_locked_until_an_officer_unlocks_it(families, gdht, officer):
    record = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    records_propose([record], actor=officer)
    records_recognise([record], actor=officer, **DECISION)
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="đã khóa"):
        record_score(record, scores={"1.1": 5})
    with pytest.raises(ValidationError, match="lý do mở khóa"):
        record_unlock(record, reason=" ", actor=officer)
    record_unlock(record, reason="Sửa điểm nhập nhầm", actor=officer)
    record.refresh_from_db()
    assert not record.locked
    assert record.history.first().history_change_reason == "Mở khóa: Sửa điểm nhập nhầm"
    record_score(record, scores={**FULL, "1.1": 9})
    record.refresh_from_db()
    assert record.total == 86 and record.status == S.RECOGNISED


def test_refusal_needs_a_reason_and_locks(families, gdht, officer):
    record = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    records_propose([record], actor=officer)
    with pytest.raises(ValidationError, match="lý do không công nhận"):
        record_refuse(record, reason="", actor=officer)
    record_refuse(record, reason="Con bỏ học giữa năm", actor=officer)
    record.refresh_from_db()
    assert (record.status, record.locked, record.refusal_reason) == (S.REFUSED, True, "Con bỏ học giữa năm")
    assert own(record.unit, "titles.gdht.recognised") == 0


def test_a_change_in_a_closed_year_is_refused(families, gdht, tree):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    period_close(unit=tree.commune, year=YEAR)
    with pytest.raises(ValidationError, match="đã khóa sổ"):
        record_score(record, scores={"1.1": 8})
    with pytest.raises(ValidationError, match="đã khóa sổ"):
        registration_create(title_type=gdht, year=YEAR, household=families.binh)
    with pytest.raises(ValidationError, match="đã khóa sổ"):
        registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter)
    record.refresh_from_db()
    assert record.scores == {} and TitleRecord.objects.count() == 1


def test_bulk_registration_adds_every_household_not_yet_registered(families, gdht, tree):
    registration_create(title_type=gdht, year=YEAR, household=families.an)
    created = registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter)
    assert sorted(r.subject_name for r in created) == ["Lê Văn Cường", "Trần Thị Bình"]
    assert TitleRecord.objects.filter(unit=tree.chapter).count() == 3
    assert all(r.history.count() == 1 for r in TitleRecord.objects.all())
    assert own(tree.chapter, "titles.gdht.registered") == 3
    assert registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter) == []


def test_bulk_registration_of_learning_units_takes_matching_units_only(families, dvht, tree):
    created = registration_bulk_create(title_type=dvht, year=YEAR, unit=tree.commune)
    # The school board and the school chapter under the commune; not the residential chapter.
    assert {r.subject_unit for r in created} == {families.school, tree.other_chapter}


def test_a_unit_recognition_lasts_three_years_and_counts_as_holding_each_year(families, dvht, officer):
    record = registration_create(title_type=dvht, year=2024, subject_unit=families.school)
    record_score(record, scores={"1": 28, "2": 18, "3": 45})
    record_review(record, review_date=datetime.date(2024, 12, 5))
    records_propose([record], actor=officer)
    records_recognise([record], actor=officer, **{**DECISION, "decision_date": datetime.date(2024, 12, 20)})
    record.refresh_from_db()
    assert (record.valid_until_year, record.level) == (2026, 2)
    school = families.school
    assert [own(school, "titles.dvht-xa.recognised", y) for y in (2024, 2025, 2026, 2027)] == [1, 0, 0, 0]
    assert [own(school, "titles.dvht-xa.holding", y) for y in (2024, 2025, 2026, 2027)] == [1, 1, 1, 0]


def test_withdrawing_a_registration_is_possible_before_review_only(families, gdht):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    registration_delete(record)
    assert TitleRecord.objects.count() == 0
    record = reviewed(registration_create(title_type=gdht, year=YEAR, household=families.an))
    with pytest.raises(ValidationError, match="chỉ xóa được đăng ký chưa bình xét"):
        registration_delete(record)
    assert TitleRecord.objects.count() == 1


def test_a_stale_edit_is_refused(families, gdht):
    record = registration_create(title_type=gdht, year=YEAR, household=families.an)
    stale = TitleRecord.objects.get(pk=record.pk)
    record_score(record, scores={"1.1": 9}, expected_version=1)
    with pytest.raises(ValidationError, match="vừa được người khác sửa"):
        record_score(stale, scores={"1.1": 4}, expected_version=1)
    record.refresh_from_db()
    assert record.scores == {"1.1": 9}
