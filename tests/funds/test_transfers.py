import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapters.summaries import own_figures, rollup
from funds import services
from funds.models import Fund, Transaction, Transfer

D = datetime.date
MAIN = ["funds.raised", "funds.spent", "funds.transfer_in", "funds.transfer_out", "funds.balance"]


def balance(fund):
    return Fund.objects.get(pk=fund.pk).balance


def test_transfer_within_the_actors_scope_writes_both_sides_at_once(tree, commune_fund, commune_secretary):
    transfer = services.transfer_create(
        from_fund=commune_fund, to_unit=tree.chapter, amount=2_000_000, date=D(2024, 5, 1), actor=commune_secretary
    )
    assert transfer.status == Transfer.Status.CONFIRMED
    assert transfer.payment.number == "PC-2024-0001" and transfer.payment.purpose == Transaction.Purpose.TRANSFER
    assert transfer.receipt.number == "PT-2024-0001" and transfer.receipt.fund.unit == tree.chapter
    assert balance(commune_fund) == 8_000_000
    assert balance(transfer.receipt.fund) == 2_000_000
    # The chapter had no fund: its general fund was opened for it.
    assert transfer.to_fund.name == "Quỹ Khuyến học"


def test_transfer_outside_the_actors_scope_waits_for_the_receiver(tree, chapter_fund, receive, secretary, officer):
    receive(chapter_fund, 3_000_000)
    transfer = services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2024, 6, 1), actor=secretary
    )
    assert transfer.status == Transfer.Status.PENDING and transfer.receipt is None
    assert balance(chapter_fund) == 2_000_000
    assert not Transaction.objects.filter(unit=tree.commune).exists()
    # An officer may read but not enter data: confirming is the receiving secretary's work.
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer, actor=officer, date=D(2024, 6, 3))


def test_receiver_confirms_and_the_receipt_is_written(tree, chapter_fund, commune_fund, receive, secretary):
    from tests.conftest import _user_with_role

    receive(chapter_fund, 3_000_000)
    transfer = services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2024, 6, 1), actor=secretary
    )
    treasurer = _user_with_role("thuquy", tree.commune, "secretary")
    with pytest.raises(ValidationError, match="trước ngày chuyển"):
        services.transfer_confirm(transfer, actor=treasurer, to_fund=commune_fund, date=D(2024, 5, 31))
    services.transfer_confirm(transfer, actor=treasurer, to_fund=commune_fund, date=D(2024, 6, 3))
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CONFIRMED
    assert transfer.receipt.date == D(2024, 6, 3) and transfer.receipt.fund == commune_fund
    assert balance(commune_fund) == 11_000_000
    with pytest.raises(ValidationError, match="Đã nhận"):
        services.transfer_confirm(transfer, actor=treasurer, date=D(2024, 6, 4))
    assert Transaction.objects.filter(unit=tree.commune).count() == 1


def test_rejected_transfer_reverses_the_senders_payment(tree, chapter_fund, receive, secretary):
    from tests.conftest import _user_with_role

    receive(chapter_fund, 3_000_000)
    transfer = services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2024, 6, 1), actor=secretary
    )
    receiver = _user_with_role("thuquy", tree.commune, "secretary")
    services.transfer_reject(transfer, actor=receiver, note="Chưa nhận được tiền")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REJECTED
    assert balance(chapter_fund) == 3_000_000
    reversal = transfer.payment.reversal
    assert reversal.number == "PC-2024-0002" and reversal.delta == 1_000_000


def test_sender_cancels_a_pending_transfer(tree, chapter_fund, receive, secretary, outsider):
    receive(chapter_fund, 3_000_000)
    transfer = services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2024, 6, 1), actor=secretary
    )
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(transfer, actor=outsider)
    services.transfer_cancel(transfer, actor=secretary)
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED
    assert balance(chapter_fund) == 3_000_000
    figures = own_figures(tree.chapter, year=2024, figures=MAIN)
    assert figures.get("funds.transfer_out", 0) == 0 and figures["funds.balance"] == 3_000_000


def test_transfer_to_a_unit_that_does_not_exist_is_refused(commune_fund):
    with pytest.raises(ValidationError, match="Không tìm thấy đơn vị nhận"):
        services.transfer_create(from_fund=commune_fund, to_unit=None, amount=1_000, date=D(2024, 5, 1))
    assert not commune_fund.transactions.exists()


def test_transfer_beyond_the_balance_is_refused_and_nothing_saved(tree, chapter_fund, receive):
    receive(chapter_fund, 500_000)
    with pytest.raises(ValidationError, match="Không đủ số dư"):
        services.transfer_create(from_fund=chapter_fund, to_unit=tree.commune, amount=600_000, date=D(2024, 5, 1))
    assert not Transfer.objects.exists()
    assert chapter_fund.transactions.count() == 1


def test_transfer_to_the_same_fund_is_refused(tree, commune_fund):
    with pytest.raises(ValidationError, match="khác quỹ chuyển"):
        services.transfer_create(from_fund=commune_fund, to_unit=tree.commune, amount=1_000, date=D(2024, 5, 1))
    assert not Transfer.objects.exists() and not commune_fund.transactions.exists()


def test_transfer_vouchers_cannot_be_reversed_one_by_one(tree, commune_fund):
    transfer = services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=1_000, date=D(2024, 5, 1))
    with pytest.raises(ValidationError, match="chuyển quỹ"):
        services.transaction_reverse(transfer.payment, date=D(2024, 5, 2))


def test_commune_passing_money_to_its_chapter_changes_neither_raised_nor_spent_of_the_commune(
    tree, commune_fund, receive, pay
):
    receive(commune_fund, 5_000_000, D(2024, 2, 1))
    pay(commune_fund, 1_000_000, D(2024, 3, 1))
    before = rollup(tree.commune, year=2024, figures=MAIN)
    province_before = rollup(tree.province, year=2024, figures=MAIN)

    services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=3_000_000, date=D(2024, 4, 1))

    after = rollup(tree.commune, year=2024, figures=MAIN)
    assert after["funds.raised"] == before["funds.raised"] == 5_000_000
    assert after["funds.spent"] == before["funds.spent"] == 1_000_000
    assert after["funds.balance"] == before["funds.balance"] == 14_000_000
    assert after["funds.transfer_in"] == after["funds.transfer_out"] == 3_000_000
    # The commune's own fund and the chapter's see the transfer; the province total does not change.
    assert own_figures(tree.commune, year=2024, figures=MAIN)["funds.balance"] == 11_000_000
    assert own_figures(tree.chapter, year=2024, figures=MAIN)["funds.transfer_in"] == 3_000_000
    assert rollup(tree.province, year=2024, figures=MAIN) == {**province_before, **after}


def test_money_leaving_the_subtree_is_a_transfer_out_of_it(tree, commune_fund):
    services.transfer_create(from_fund=commune_fund, to_unit=tree.outside_chapter, amount=2_000_000, date=D(2024, 4, 1))
    commune = rollup(tree.commune, year=2024, figures=MAIN)
    other = rollup(tree.other_commune, year=2024, figures=MAIN)
    assert commune["funds.transfer_out"] == 2_000_000 and commune["funds.transfer_in"] == 0
    assert other["funds.transfer_in"] == 2_000_000 and other["funds.raised"] == 0
    assert commune["funds.balance"] + other["funds.balance"] == 10_000_000
