"""Paying awards through the fund: vouchers and payments in one transaction, decided vs paid, closed years."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from awards.models import Decision, Payout, Recipient
from awards.queries import award_figures
from awards.services import decision_pay_all, payout_cancel, recipient_pay, recipient_save
from awards.services import payments as award_payments
from chapters.services.periods import PeriodClosed, period_close
from funds import services as fund_services
from funds.models import Transaction
from tests.awards.conftest import add_recipient, make_decision

D = datetime.date
PAY_DAY = D(2026, 1, 10)


@pytest.fixture
def fund(tree):
    return fund_services.fund_create(unit=tree.commune, opening_year=2025, opening_amount=50_000_000)


@pytest.fixture
def rewarded(tree, decision):
    """Two students and a teacher of the chapter on a cash decision of 20/12/2025."""
    return [
        add_recipient(decision, name="Nguyễn Văn An", unit=tree.chapter, amount=500_000, school="THCS Bạch Đằng"),
        add_recipient(decision, name="Trần Thị Bình", unit=tree.chapter, amount=700_000),
        add_recipient(decision, name="Lê Thị Hoa", kind=Recipient.Kind.TEACHER, unit=tree.chapter, amount=1_000_000),
    ]


def test_paying_one_recipient_writes_a_voucher_in_their_name(tree, fund, rewarded, secretary):
    voucher = recipient_pay(rewarded[0], fund=fund, paid_on=PAY_DAY, actor=secretary)
    assert voucher.kind == Transaction.Kind.PAYMENT and voucher.amount == 500_000
    assert voucher.purpose == Transaction.Purpose.STUDENT_REWARD
    assert voucher.counterparty_name == "Nguyễn Văn An"
    assert "Quyết định số 125/QĐ-HKH ngày 20/12/2025" in voucher.reason
    payout = rewarded[0].active_payout()
    assert payout.voucher == voucher and payout.amount == 500_000 and payout.paid_on == PAY_DAY
    assert list(voucher.award_payouts.all()) == [payout]
    fund.refresh_from_db()
    assert fund.balance == 50_000_000 - 500_000
    assert payout.history.first().history_user == secretary


def test_pay_all_writes_one_voucher_per_purpose(decision, fund, rewarded):
    vouchers = decision_pay_all(decision, fund=fund, paid_on=PAY_DAY)
    by_purpose = {v.purpose: v.amount for v in vouchers}
    assert by_purpose == {
        Transaction.Purpose.STUDENT_REWARD: 1_200_000,
        Transaction.Purpose.TEACHER_REWARD: 1_000_000,
    }
    assert Payout.objects.count() == 3
    assert not decision.recipients.unpaid().exists()
    # Nothing left to pay: a second run is refused and writes nothing.
    with pytest.raises(ValidationError):
        decision_pay_all(decision, fund=fund, paid_on=PAY_DAY)
    assert Transaction.objects.count() == 2


def test_decided_and_paid_figures_differ_until_paid(tree, decision, fund, rewarded):
    figures = award_figures(tree.commune, 2025)
    assert figures["awards.amount.decided"] == 2_200_000
    assert figures["awards.amount.paid"] == 0
    recipient_pay(rewarded[0], fund=fund, paid_on=D(2025, 12, 28))
    decision_pay_all(decision, fund=fund, paid_on=PAY_DAY)
    assert award_figures(tree.commune, 2025)["awards.amount.paid"] == 500_000
    assert award_figures(tree.commune, 2026)["awards.amount.paid"] == 1_700_000
    assert award_figures(tree.commune, 2026)["awards.amount.decided"] == 0


def test_a_fund_refusal_rolls_the_award_back(tree, decision, rewarded):
    poor = fund_services.fund_create(unit=tree.commune, name="Quỹ nhỏ", opening_year=2025, opening_amount=100_000)
    with pytest.raises(ValidationError) as error:
        decision_pay_all(decision, fund=poor, paid_on=PAY_DAY)
    assert "Không đủ số dư" in str(error.value)
    assert not Payout.objects.exists()
    assert not Transaction.objects.exists()


def test_a_failure_after_the_voucher_rolls_the_voucher_back(tree, decision, fund, rewarded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(award_payments, "bulk_create_with_history", broken)
    with pytest.raises(RuntimeError):
        decision_pay_all(decision, fund=fund, paid_on=PAY_DAY)
    assert not Transaction.objects.exists()
    fund.refresh_from_db()
    assert fund.balance == 50_000_000


def test_payment_in_a_closed_year_is_refused(tree, decision, fund, rewarded):
    period_close(unit=tree.chapter, year=2025, actor=None)
    with pytest.raises(PeriodClosed):
        recipient_pay(rewarded[0], fund=fund, paid_on=D(2025, 12, 30))
    assert not Payout.objects.exists() and not Transaction.objects.exists()
    # The reward decided in the closed 2025 can still be paid in 2026: a later event.
    recipient_pay(rewarded[0], fund=fund, paid_on=PAY_DAY)
    assert Payout.objects.count() == 1


def test_payment_in_a_year_closed_for_the_fund_is_refused(tree, decision, fund, rewarded):
    period_close(unit=tree.commune, year=2025, actor=None)
    with pytest.raises(PeriodClosed):
        decision_pay_all(decision, fund=fund, paid_on=D(2025, 12, 31))
    assert not Payout.objects.exists() and not Transaction.objects.exists()


def test_fund_of_an_unrelated_unit_is_refused(tree, decision, rewarded):
    other = fund_services.fund_create(unit=tree.other_commune, opening_year=2025, opening_amount=9_000_000)
    with pytest.raises(ValidationError) as error:
        recipient_pay(rewarded[0], fund=other, paid_on=PAY_DAY)
    assert "không thuộc" in str(error.value)
    assert not Transaction.objects.exists()


def test_payment_before_the_decision_is_refused(decision, fund, rewarded):
    with pytest.raises(ValidationError) as error:
        recipient_pay(rewarded[0], fund=fund, paid_on=D(2025, 12, 1))
    assert "trước ngày quyết định" in str(error.value)


def test_paid_amount_is_frozen_and_cancel_reverses_the_voucher(tree, decision, fund, rewarded):
    voucher = recipient_pay(rewarded[0], fund=fund, paid_on=PAY_DAY)
    recipient = Recipient.objects.get(pk=rewarded[0].pk)
    recipient.amount = 900_000
    with pytest.raises(ValidationError) as error:
        recipient_save(recipient)
    assert voucher.number in str(error.value)
    recipient.refresh_from_db()
    assert recipient.amount == 500_000

    payout_cancel(recipient.active_payout(), date=D(2026, 2, 1), reason="Ghi nhầm người nhận")
    assert recipient.active_payout() is None
    assert voucher.reversal.amount == 500_000
    assert Payout.objects.filter(amount=-500_000, paid_on=D(2026, 2, 1)).count() == 1
    fund.refresh_from_db()
    assert fund.balance == 50_000_000
    assert award_figures(tree.commune, 2026)["awards.amount.paid"] == 0
    # Paid again after the cancellation.
    recipient_pay(recipient, fund=fund, paid_on=D(2026, 2, 2))
    assert award_figures(tree.commune, 2026)["awards.amount.paid"] == 500_000


def test_gift_with_value_is_paid_in_kind(tree, fund):
    decision = make_decision(tree.commune, number="7/QĐ-HKH", form=Decision.Form.GIFT)
    gift = add_recipient(decision, name="Phạm Văn Dũng", amount=300_000)
    no_value = add_recipient(decision, name="Phạm Thị Em")
    voucher = recipient_pay(gift, fund=fund, paid_on=PAY_DAY)
    assert voucher.in_kind and "Quà tặng" in voucher.in_kind_description
    with pytest.raises(ValidationError) as error:
        recipient_pay(no_value, fund=fund, paid_on=PAY_DAY)
    assert "không có số tiền" in str(error.value)


def test_voucher_page_shows_the_award_it_pays(client_for, commune_secretary, decision, fund, rewarded):
    from django.urls import reverse

    voucher = recipient_pay(rewarded[0], fund=fund, paid_on=PAY_DAY, actor=commune_secretary)
    page = client_for(commune_secretary).get(reverse("funds:transaction_detail", args=[voucher.pk]))
    assert reverse("awards:decision_detail", args=[decision.pk]) in page.content.decode()
