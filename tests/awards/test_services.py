"""Decisions, recipients and scholarships: the business rules and the bad input of issue 6."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from awards.models import Decision, Recipient, Scholarship
from awards.services import (
    NumberedRecipient,
    RowsInvalid,
    decision_delete,
    decision_save,
    recipient_delete,
    recipients_add,
    scholarship_award,
    scholarship_history,
    scholarship_save,
    scholarship_stop,
)
from chapters.services.periods import PeriodClosed, period_close
from tests.awards.conftest import add_recipient, make_decision

D = datetime.date


def test_decision_records_history_and_derived_keys(tree, secretary):
    decision = make_decision(tree.commune, number=" 125 / QĐ-HKH ")
    assert decision.year == 2025
    assert decision.number == "125 / QĐ-HKH"
    assert decision.issuer_key == f"unit:{tree.commune.pk}"
    assert decision.history.count() == 1


def test_decision_number_reused_by_same_issuer_in_same_year_is_refused(tree):
    make_decision(tree.commune, number="125/QĐ-HKH")
    with pytest.raises(ValidationError) as error:
        make_decision(tree.commune, number="125/qđ-hkh", date=D(2025, 3, 1))
    assert "Số quyết định này đã được cùng nơi ban hành dùng trong cùng năm" in str(error.value)
    assert Decision.objects.count() == 1
    # Another year, or another issuer, may reuse the number.
    make_decision(tree.commune, number="125/QĐ-HKH", date=D(2024, 12, 1))
    make_decision(tree.other_commune, number="125/QĐ-HKH")
    assert Decision.objects.count() == 3


def test_committee_decision_needs_issuer_name_and_level(tree):
    with pytest.raises(ValidationError) as error:
        make_decision(tree.commune, issuer_kind=Decision.IssuerKind.COMMITTEE, issuer_unit=None)
    assert "Hãy nhập tên cơ quan ban hành" in str(error.value)
    decision = make_decision(
        tree.commune,
        issuer_kind=Decision.IssuerKind.COMMITTEE,
        issuer_unit=None,
        issuer_name="UBND  phường Bạch Đằng",
        issuer_level="commune",
    )
    assert decision.issuer_display == "UBND phường Bạch Đằng"
    with pytest.raises(ValidationError):
        make_decision(
            tree.commune,
            issuer_kind=Decision.IssuerKind.COMMITTEE,
            issuer_unit=None,
            issuer_name="ubnd phường bạch đằng",
            issuer_level="commune",
        )


def test_recipient_without_a_name_is_refused(decision, tree):
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="  ", amount=500_000)
    assert "Hãy nhập họ tên người nhận" in str(error.value)
    assert not Recipient.objects.exists()


def test_amount_on_certificate_only_award_is_refused(tree):
    decision = make_decision(tree.commune, form=Decision.Form.CERTIFICATE)
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="Nguyễn Văn An", amount=200_000)
    assert "không được ghi số tiền" in str(error.value)
    assert not Recipient.objects.exists()
    # With money attached, the amount is required instead.
    decision.with_money = True
    decision_save(decision)
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="Nguyễn Văn An")
    assert "Hãy nhập số tiền" in str(error.value)
    add_recipient(decision, name="Nguyễn Văn An", amount=200_000)


def test_negative_amount_is_refused(decision):
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="Nguyễn Văn An", amount=-500_000)
    assert "Số tiền không được âm." in str(error.value)
    assert not Recipient.objects.exists()


def test_cash_award_needs_an_amount(decision):
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="Nguyễn Văn An")
    assert "Hãy nhập số tiền (thưởng tiền)" in str(error.value)


def test_recipient_unit_defaults_and_must_lie_under_the_decision(decision, tree):
    student = add_recipient(decision, name="Trần Thị Bình", amount=300_000)
    assert student.unit == tree.commune
    collective = add_recipient(
        decision, name="", kind=Recipient.Kind.COLLECTIVE, collective_unit=tree.chapter, amount=1_000_000
    )
    assert collective.unit == tree.chapter and collective.name == tree.chapter.display_name
    with pytest.raises(ValidationError) as error:
        add_recipient(decision, name="Lê Văn Cường", unit=tree.outside_chapter, amount=300_000)
    assert "không thuộc" in str(error.value)
    assert [r.position for r in decision.recipients.all()] == [1, 2]


def test_decision_in_a_closed_year_is_refused(tree, officer):
    period_close(unit=tree.commune, year=2024, actor=None)
    with pytest.raises(PeriodClosed):
        make_decision(tree.commune, date=D(2024, 12, 1))
    assert not Decision.objects.exists()


def test_recipient_in_a_closed_year_is_refused(tree, decision):
    period_close(unit=tree.chapter, year=2025, actor=None)
    with pytest.raises(PeriodClosed):
        add_recipient(decision, name="Nguyễn Văn An", unit=tree.chapter, amount=100_000)
    assert not Recipient.objects.exists()


def test_changing_the_form_must_fit_the_recipients(decision):
    add_recipient(decision, name="Nguyễn Văn An", amount=500_000)
    decision.form = Decision.Form.CERTIFICATE
    with pytest.raises(ValidationError) as error:
        decision_save(decision)
    assert "đã có người nhận kèm số tiền" in str(error.value)
    decision.refresh_from_db()
    assert decision.form == Decision.Form.CASH


def test_recipients_add_is_all_or_nothing_with_row_numbers(decision, tree):
    rows = [
        NumberedRecipient(2, Recipient(name="Nguyễn Văn An", kind=Recipient.Kind.STUDENT, amount=500_000)),
        NumberedRecipient(3, Recipient(name="", kind=Recipient.Kind.STUDENT, amount=500_000)),
        NumberedRecipient(4, Recipient(name="Lê Thị Hoa", kind=Recipient.Kind.TEACHER, amount=-1)),
    ]
    with pytest.raises(RowsInvalid) as error:
        recipients_add(decision, rows)
    assert [line for line, _label, _message in error.value.rows] == [3, 4]
    assert "Dòng 3: Hãy nhập họ tên" in str(error.value)
    assert not Recipient.objects.exists()

    good = [
        NumberedRecipient(1, Recipient(name="Nguyễn Văn An", kind=Recipient.Kind.STUDENT, amount=500_000)),
        NumberedRecipient(
            2, Recipient(name="Lê Thị Hoa", kind=Recipient.Kind.TEACHER, amount=1_000_000, unit=tree.chapter)
        ),
    ]
    recipients_add(decision, good)
    saved = list(decision.recipients.order_by("position"))
    assert [(r.name, r.position, r.search_key) for r in saved] == [
        ("Nguyễn Văn An", 1, "nguyen van an"),
        ("Lê Thị Hoa", 2, "le thi hoa"),
    ]
    assert all(r.history.count() == 1 for r in saved)


def test_deleting_a_decision_deletes_its_recipients(decision):
    add_recipient(decision, name="Nguyễn Văn An", amount=500_000)
    decision_delete(decision)
    assert not Decision.objects.exists() and not Recipient.objects.exists()


def test_deleting_a_recipient(decision):
    recipient = add_recipient(decision, name="Nguyễn Văn An", amount=500_000)
    recipient_delete(recipient)
    assert not Recipient.objects.exists()


def _scholarship(tree, **fields):
    values = {
        "student_name": "Phạm Thị Mai",
        "school": "Trường THCS Bạch Đằng",
        "grade": "7A",
        "programme": "Học bổng «Vì em hiếu học»",
        "unit": tree.chapter,
        "start_year": 2024,
    }
    values.update(fields)
    return scholarship_save(Scholarship(**values))


def test_scholarship_new_then_renewed_then_stopped(tree):
    scholarship = _scholarship(tree)
    first = make_decision(tree.commune, number="10/QĐ-HKH", date=D(2024, 9, 5), form=Decision.Form.SCHOLARSHIP)
    second = make_decision(tree.commune, number="11/QĐ-HKH", date=D(2025, 9, 5), form=Decision.Form.SCHOLARSHIP)
    award_2024 = scholarship_award(scholarship, decision=first, amount=1_000_000, grade="7A")
    award_2025 = scholarship_award(scholarship, decision=second, amount=1_200_000, grade="8A")
    assert (award_2024.stage, award_2025.stage) == (Recipient.Stage.NEW, Recipient.Stage.RENEWAL)
    assert award_2025.unit == tree.chapter and award_2025.kind == Recipient.Kind.STUDENT
    assert [a.grade for a in scholarship_history(scholarship)] == ["7A", "8A"]

    with pytest.raises(ValidationError) as error:
        scholarship_award(scholarship, decision=second, amount=1_200_000)
    assert "đã có trong" in str(error.value)

    with pytest.raises(ValidationError) as error:
        scholarship_stop(scholarship, year=2025, reason="Chuyển trường")
    assert "hãy chọn năm dừng sau năm đó" in str(error.value)
    scholarship.refresh_from_db()
    scholarship_stop(scholarship, year=2026, reason="Chuyển trường")
    scholarship.refresh_from_db()
    assert scholarship.status == Scholarship.Status.STOPPED and scholarship.stopped_year == 2026
    third = make_decision(tree.commune, number="12/QĐ-HKH", date=D(2026, 9, 5), form=Decision.Form.SCHOLARSHIP)
    with pytest.raises(ValidationError) as error:
        scholarship_award(scholarship, decision=third, amount=1_000_000)
    assert "đã dừng từ năm 2026" in str(error.value)
    assert scholarship.awards.count() == 2


def test_scholarship_award_needs_a_scholarship_decision(tree, decision):
    scholarship = _scholarship(tree)
    with pytest.raises(ValidationError) as error:
        scholarship_award(scholarship, decision=decision, amount=1_000_000)
    assert "không phải quyết định cấp học bổng" in str(error.value)


def test_scholarship_started_before_its_first_recorded_year_counts_as_renewal(tree):
    scholarship = _scholarship(tree, start_year=2022)
    decision = make_decision(tree.commune, date=D(2025, 9, 1), form=Decision.Form.SCHOLARSHIP)
    assert scholarship_award(scholarship, decision=decision, amount=1).stage == Recipient.Stage.RENEWAL


def test_scholarship_needs_a_name_and_a_stop_reason(tree):
    with pytest.raises(ValidationError) as error:
        _scholarship(tree, student_name="")
    assert "Hãy nhập họ và tên học sinh." in str(error.value)
    scholarship = _scholarship(tree)
    scholarship.status = Scholarship.Status.STOPPED
    scholarship.stopped_year = 2025
    with pytest.raises(ValidationError) as error:
        scholarship_save(scholarship)
    assert "Hãy ghi lý do dừng học bổng." in str(error.value)
