import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chapters.services.periods import PeriodClosed, period_close
from funds import services
from funds.forms import parse_amount
from funds.models import Fund, OpeningBalance, Transaction, VoucherCounter

D = datetime.date
K = Transaction.Kind


def numbers(fund):
    return list(fund.transactions.order_by("pk").values_list("number", flat=True))


def balance(fund):
    return Fund.objects.get(pk=fund.pk).balance


# Numbering ----------------------------------------------------------------------------------------------------


def test_vouchers_are_numbered_per_fund_kind_and_year(tree, commune_fund, chapter_fund, receive, pay):
    receive(commune_fund, 1_000_000)
    receive(commune_fund, 2_000_000)
    pay(commune_fund, 500_000)
    receive(commune_fund, 300_000, D(2025, 1, 2))
    receive(chapter_fund, 100_000)
    assert numbers(commune_fund) == ["PT-2024-0001", "PT-2024-0002", "PC-2024-0001", "PT-2025-0001"]
    assert numbers(chapter_fund) == ["PT-2024-0001"]


def test_two_allocations_in_sequence_never_collide(commune_fund, receive):
    first = receive(commune_fund, 1_000)
    second = receive(commune_fund, 2_000)
    assert (first.seq, second.seq) == (1, 2)
    assert VoucherCounter.objects.get(fund=commune_fund, kind=K.RECEIPT, year=2024).last == 2


def test_database_refuses_a_duplicate_number(commune_fund, receive):
    voucher = receive(commune_fund, 1_000)
    duplicate = Transaction.objects.get(pk=voucher.pk)
    duplicate.pk = None
    duplicate.reverses = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_refused_voucher_does_not_use_up_a_number(commune_fund, receive):
    receive(commune_fund, 1_000)
    with pytest.raises(ValidationError):
        receive(commune_fund, 0)
    assert receive(commune_fund, 2_000).number == "PT-2024-0002"


def test_reversal_gets_its_own_number_and_numbers_are_never_reused(commune_fund, receive):
    original = receive(commune_fund, 1_500_000)
    reversal = services.transaction_reverse(original, date=D(2024, 3, 2), reason="Ghi nhầm số tiền")
    again = receive(commune_fund, 1_200_000, D(2024, 3, 2))
    assert reversal.number == "PT-2024-0002"
    assert again.number == "PT-2024-0003"
    assert reversal.reverses == original and reversal.delta == -1_500_000
    assert "Ghi nhầm số tiền" in reversal.reason
    assert balance(commune_fund) == 10_000_000 + 1_200_000


# Reversal and corrections -------------------------------------------------------------------------------------


def test_reversed_voucher_cannot_be_reversed_twice(commune_fund, receive):
    original = receive(commune_fund, 1_000)
    reversal = services.transaction_reverse(original, date=D(2024, 3, 2))
    with pytest.raises(ValidationError, match="đã được ghi âm"):
        services.transaction_reverse(original, date=D(2024, 3, 3))
    with pytest.raises(ValidationError, match="phiếu ghi âm"):
        services.transaction_reverse(reversal, date=D(2024, 3, 3))
    assert commune_fund.transactions.count() == 2


def test_reversal_cannot_be_dated_before_the_original(commune_fund, receive):
    original = receive(commune_fund, 1_000, D(2024, 3, 10))
    with pytest.raises(ValidationError) as error:
        services.transaction_reverse(original, date=D(2024, 3, 9))
    assert "trước ngày của phiếu gốc" in str(error.value)
    assert commune_fund.transactions.count() == 1


def test_unprinted_voucher_can_be_corrected(commune_fund, receive):
    voucher = receive(commune_fund, 1_000_000)
    services.transaction_update(voucher, amount=1_200_000, counterparty_name="Bà Trần Thị Hoa", expected_version=1)
    voucher.refresh_from_db()
    assert (voucher.amount, voucher.delta, voucher.counterparty_name) == (1_200_000, 1_200_000, "Bà Trần Thị Hoa")
    assert voucher.number == "PT-2024-0001"
    assert balance(commune_fund) == 11_200_000
    assert voucher.history.count() == 2


def test_printed_voucher_amount_cannot_be_edited_only_its_notes(commune_fund, receive):
    voucher = receive(commune_fund, 1_000_000)
    services.transaction_mark_printed(voucher)
    voucher.refresh_from_db()
    with pytest.raises(ValidationError, match="đã in"):
        services.transaction_update(voucher, amount=2_000_000)
    voucher.refresh_from_db()
    assert voucher.amount == 1_000_000 and balance(commune_fund) == 11_000_000
    services.transaction_update(voucher, notes="Đã nộp vào tài khoản ngân hàng")
    voucher.refresh_from_db()
    assert voucher.notes == "Đã nộp vào tài khoản ngân hàng"


def test_voucher_cannot_move_to_another_year(commune_fund, receive):
    voucher = receive(commune_fund, 1_000)
    with pytest.raises(ValidationError, match="năm"):
        services.transaction_update(voucher, date=D(2025, 1, 3))
    voucher.refresh_from_db()
    assert voucher.date == D(2024, 3, 1)


def test_vouchers_have_no_delete_path(commune_fund, receive):
    voucher = receive(commune_fund, 1_000)
    assert not hasattr(services, "transaction_delete")
    from django.db.models import ProtectedError

    services.transaction_reverse(voucher, date=D(2024, 3, 2))
    with pytest.raises(ProtectedError):
        voucher.delete()


def test_printing_is_recorded_once_with_history(commune_fund, receive):
    voucher = receive(commune_fund, 1_000)
    services.transaction_mark_printed(voucher)
    first = Transaction.objects.get(pk=voucher.pk).printed_at
    services.transaction_mark_printed(voucher)
    voucher.refresh_from_db()
    assert voucher.printed_at == first and voucher.print_count == 2
    assert voucher.history.filter(history_change_reason="In phiếu").count() == 1


# Bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [-1_000, 0, 1.5, "1000"])
def test_negative_zero_or_fractional_amount_is_refused(commune_fund, receive, amount):
    with pytest.raises(ValidationError) as error:
        receive(commune_fund, amount)
    assert "Số tiền" in str(error.value)
    assert not commune_fund.transactions.exists()


@pytest.mark.parametrize("text", ["-1.500.000", "1,5", "1.500.000,50", "1.5", "một triệu", "1..000"])
def test_amount_parser_refuses_what_is_not_whole_dong(text):
    with pytest.raises(ValidationError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1.500.000", 1_500_000), ("1500000", 1_500_000), ("1 500 000", 1_500_000), ("200.000 đ", 200_000)],
)
def test_amount_parser_reads_vietnamese_grouping(text, amount):
    assert parse_amount(text) == amount


def test_payment_that_would_overdraw_the_fund_is_refused(chapter_fund, receive, pay):
    receive(chapter_fund, 1_000_000)
    with pytest.raises(ValidationError) as error:
        pay(chapter_fund, 1_000_001)
    assert "Không đủ số dư" in str(error.value)
    assert chapter_fund.transactions.count() == 1
    assert balance(chapter_fund) == 1_000_000
    assert VoucherCounter.objects.filter(fund=chapter_fund, kind=K.PAYMENT).first() is None


def test_backdated_payment_cannot_overdraw_a_later_day(chapter_fund, receive, pay):
    receive(chapter_fund, 1_000_000, D(2024, 3, 1))
    pay(chapter_fund, 800_000, D(2024, 6, 1))
    # On 1 May the balance is 1.000.000, but 500.000 spent then leaves −300.000 on 1 June.
    with pytest.raises(ValidationError, match="Không đủ số dư"):
        pay(chapter_fund, 500_000, D(2024, 5, 1))
    assert balance(chapter_fund) == 200_000


def test_reversing_a_receipt_already_spent_is_refused(chapter_fund, receive, pay):
    gift = receive(chapter_fund, 1_000_000)
    pay(chapter_fund, 900_000)
    with pytest.raises(ValidationError, match="Không đủ số dư"):
        services.transaction_reverse(gift, date=D(2024, 10, 1))
    assert not Transaction.objects.filter(reverses=gift).exists()


def test_fund_allowed_to_go_negative_accepts_the_payment(tree, pay):
    fund = services.fund_create(unit=tree.other_chapter, name="Quỹ tạm ứng", allow_negative=True)
    pay(fund, 300_000)
    assert balance(fund) == -300_000


def test_date_in_a_closed_year_is_refused(tree, commune_fund, receive):
    period_close(unit=tree.commune, year=2024)
    with pytest.raises(PeriodClosed, match="khóa sổ"):
        receive(commune_fund, 1_000)
    assert not commune_fund.transactions.exists()
    assert not VoucherCounter.objects.filter(fund=commune_fund).exists()


def test_closed_year_freezes_corrections_but_reversal_goes_to_an_open_year(tree, commune_fund, receive):
    voucher = receive(commune_fund, 1_000)
    period_close(unit=tree.commune, year=2024)
    with pytest.raises(PeriodClosed):
        services.transaction_update(voucher, notes="sửa")
    reversal = services.transaction_reverse(voucher, date=D(2025, 1, 10))
    assert reversal.number == "PT-2025-0001"


def test_future_date_and_date_before_the_books_are_refused(commune_fund, receive):
    with pytest.raises(ValidationError, match="sau hôm nay"):
        receive(commune_fund, 1_000, timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="bắt đầu từ năm 2024"):
        receive(commune_fund, 1_000, D(2023, 12, 31))
    assert not commune_fund.transactions.exists()


def test_voucher_of_a_closed_unit_after_its_closing_day_is_refused(tree, receive):
    from chapters.services import tree as tree_services

    fund = services.fund_create(unit=tree.outside_chapter)
    tree_services.unit_close(tree.outside_chapter, on=D(2024, 6, 30))
    fund.refresh_from_db()
    with pytest.raises(ValidationError, match="ngừng hoạt động"):
        receive(fund, 1_000, D(2024, 7, 1))


def test_transfer_purpose_needs_the_transfer_function(commune_fund, receive):
    with pytest.raises(ValidationError, match="Chuyển quỹ"):
        receive(commune_fund, 1_000, purpose=Transaction.Purpose.TRANSFER)


def test_named_counterparty_is_required_unless_anonymous(commune_fund, receive):
    with pytest.raises(ValidationError, match="họ tên"):
        receive(commune_fund, 1_000, counterparty_name="")
    gift = receive(commune_fund, 1_000, counterparty_type=Transaction.Counterparty.ANONYMOUS, counterparty_name="")
    assert gift.counterparty_display == "Nhà hảo tâm giấu tên" and gift.counterparty_key == ""


# Opening balance ------------------------------------------------------------------------------------------------


def test_opening_balance_cannot_start_after_the_first_voucher(commune_fund, receive):
    receive(commune_fund, 1_000, D(2024, 5, 1))
    with pytest.raises(ValidationError, match="PT-2024-0001"):
        services.opening_balance_set(fund=commune_fund, year=2025, amount=5_000_000)
    assert OpeningBalance.objects.get(fund=commune_fund).year == 2024


def test_changing_the_opening_balance_moves_the_balance(commune_fund, receive):
    receive(commune_fund, 1_000)
    services.opening_balance_set(fund=commune_fund, year=2024, amount=12_000_000)
    assert balance(commune_fund) == 12_001_000
    assert services.balance_on(commune_fund, D(2024, 12, 31)) == 12_001_000


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_consecutive_numbers(tree):
    """Two secretaries saving receipts in the same fund at the same time: the locked counter serialises them."""
    import threading

    from django.db import connection

    fund = services.fund_create(unit=tree.chapter)
    errors = []
    barrier = threading.Barrier(2)

    def write(name):
        try:
            barrier.wait()
            for index in range(8):
                services.transaction_create(
                    fund=fund,
                    kind=K.RECEIPT,
                    date=D(2024, 3, 1),
                    amount=1_000 + index,
                    purpose="donation",
                    counterparty_name=name,
                )
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("Ông A", "Bà B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = sorted(fund.transactions.values_list("seq", flat=True))
    assert seqs == list(range(1, 17))
    assert Fund.objects.get(pk=fund.pk).balance == 2 * sum(1_000 + i for i in range(8))


def test_the_balance_check_of_many_funds_at_once_finds_the_day_a_fund_would_go_negative(
    commune_fund, chapter_fund, receive
):
    """What an import commits for thousands of funds in one query is what ensure_not_negative says per fund."""
    from django.db.models import F

    from funds.services.vouchers import ensure_not_negative, funds_ensure_not_negative

    receive(chapter_fund, 300_000, day=datetime.date(2024, 3, 1))
    spent = receive(chapter_fund, 100_000, day=datetime.date(2024, 5, 1))
    # A payment of 500,000 written behind the check (its fund's stored balance kept as every writer keeps it).
    Transaction.objects.filter(pk=spent.pk).update(delta=-F("delta") * 5)
    Fund.objects.filter(pk=chapter_fund.pk).update(balance=F("balance") - 600_000)
    chapter_fund.refresh_from_db()
    days = {commune_fund: datetime.date(2024, 1, 1), chapter_fund: datetime.date(2024, 3, 1)}
    with pytest.raises(ValidationError) as many:
        funds_ensure_not_negative(days)
    with pytest.raises(ValidationError) as one:
        ensure_not_negative(chapter_fund, datetime.date(2024, 3, 1))
    assert many.value.messages == one.value.messages
    assert "sẽ âm 200.000" in many.value.messages[0] and "01/05/2024" in many.value.messages[0]
    funds_ensure_not_negative({commune_fund: datetime.date(2024, 1, 1)})  # 10,000,000 opening: fine


def test_the_overdrafts_of_many_funds_read_only_vouchers_from_the_earliest_day_and_agree_with_the_whole_books(
    commune_fund, chapter_fund, receive, pay
):
    """`funds_overdrafts` starts from each fund's stored balance, so it reads the vouchers from the earliest day
    asked on, in one query; what it finds is what the whole books (opening + every voucher up to each day) say,
    with vouchers not written yet (an import's validation) added on their days."""
    from funds.services.common import balance_on
    from funds.services.vouchers import funds_overdrafts

    receive(chapter_fund, 300_000, day=datetime.date(2024, 3, 1))
    pay(chapter_fund, 200_000, day=datetime.date(2024, 6, 1))
    receive(chapter_fund, 50_000, day=datetime.date(2024, 9, 1))
    pay(commune_fund, 9_000_000, day=datetime.date(2024, 4, 1))
    chapter_fund.refresh_from_db()  # the stored balances, as an import reads them
    commune_fund.refresh_from_db()
    pending = {  # a payment of 250,000 on 1 May leaves 50,000, then the payment of 1 June takes it to −150,000
        chapter_fund.pk: {datetime.date(2024, 5, 1): -250_000},
        commune_fund.pk: {datetime.date(2024, 2, 1): -500_000, datetime.date(2024, 5, 1): -600_000},
    }
    first_days = {chapter_fund: datetime.date(2024, 5, 1), commune_fund: datetime.date(2024, 2, 1)}
    with CaptureQueriesContext(connection) as queries:
        found = funds_overdrafts(first_days, pending)
    assert len(queries) == 1 and "2024-02-01" in queries[0]["sql"] and "delta" in queries[0]["sql"]
    assert found == {
        chapter_fund: (datetime.date(2024, 6, 1), -150_000),
        commune_fund: (datetime.date(2024, 5, 1), -100_000),
    }

    def whole_books(fund, day):
        moved = sum(amount for when, amount in pending[fund.pk].items() if when <= day)
        return balance_on(fund, day) + moved

    assert whole_books(chapter_fund, datetime.date(2024, 6, 1)) == -150_000
    assert whole_books(chapter_fund, datetime.date(2024, 5, 31)) == 50_000
    assert whole_books(commune_fund, datetime.date(2024, 5, 1)) == -100_000
    assert whole_books(commune_fund, datetime.date(2024, 4, 30)) == 500_000
    # Without the pending vouchers both stay above zero; asked from a later day, a balance already below zero the
    # day before is found on that day.
    assert funds_overdrafts(first_days) == {}
    assert funds_overdrafts({chapter_fund: datetime.date(2024, 7, 1)}) == {}
    assert funds_overdrafts({chapter_fund: datetime.date(2024, 7, 1)}, pending) == {
        chapter_fund: (datetime.date(2024, 7, 1), -150_000)
    }
