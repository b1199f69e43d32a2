import datetime

import pytest
from django.urls import reverse

from funds import services
from funds.models import Fund, Transaction, Transfer

D = datetime.date
K = Transaction.Kind


def url(name, *args):
    return reverse(f"funds:{name}", args=args)


def voucher_post(**overrides):
    data = {
        "date": "05/03/2024",
        "amount": "1.500.000",
        "counterparty_type": "person",
        "counterparty_name": "Ông Nguyễn Văn Đức",
        "purpose": "donation",
        "reason": "Ủng hộ quỹ khuyến học",
    }
    data.update(overrides)
    return data


# Access -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fund_list", "fund_create", "transfer_list"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(url(name))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_anonymous_cannot_read_a_cash_book_or_a_voucher_pdf(client, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000)
    for target in (url("fund_detail", chapter_fund.pk), url("transaction_pdf", voucher.pk)):
        response = client.get(target)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_fund_list_shows_only_funds_in_scope(
    client_for, secretary, commune_fund, chapter_fund, tree, django_assert_max_num_queries
):
    outside = services.fund_create(unit=tree.outside_chapter, name="Quỹ thôn Đông")
    for _ in range(5):
        services.fund_create(unit=tree.chapter, name=f"Quỹ phụ {_}")
    client = client_for(secretary)
    with django_assert_max_num_queries(10):
        response = client.get(url("fund_list"))
    assert response.status_code == 200
    funds = list(response.context["object_list"])
    assert chapter_fund in funds and commune_fund not in funds and outside not in funds


def test_outsider_gets_404_on_our_funds_vouchers_and_finance(client_for, outsider, tree, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000)
    client = client_for(outsider)
    for target in (
        url("fund_detail", chapter_fund.pk),
        url("transaction_detail", voucher.pk),
        url("transaction_pdf", voucher.pk),
        url("transaction_create", chapter_fund.pk, "thu"),
        url("finance_detail", tree.commune.pk),
        url("donor_list", tree.commune.pk),
        url("disclosure_pdf", tree.commune.pk),
    ):
        assert client.get(target).status_code == 404, target
    assert client.post(url("transaction_reverse", voucher.pk), {"date": "06/03/2024", "reason": "x"}).status_code == 404
    assert not Transaction.objects.filter(reverses=voucher).exists()


def test_viewer_reads_but_gets_403_on_every_write(client_for, viewer, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000_000)
    client = client_for(viewer)
    assert client.get(url("fund_detail", chapter_fund.pk)).status_code == 200
    assert client.get(url("transaction_detail", voucher.pk)).status_code == 200
    assert client.get(url("transaction_create", chapter_fund.pk, "thu")).status_code == 403
    assert client.post(url("transaction_create", chapter_fund.pk, "thu"), voucher_post()).status_code == 403
    assert client.post(url("transaction_update", voucher.pk), voucher_post(amount="2.000.000")).status_code == 403
    assert client.post(url("transaction_reverse", voucher.pk), {"date": "06/03/2024", "reason": "x"}).status_code == 403
    assert client.post(url("transaction_print", voucher.pk)).status_code == 403
    assert client.get(url("fund_create")).status_code == 403
    voucher.refresh_from_db()
    assert chapter_fund.transactions.count() == 1 and voucher.amount == 1_000_000 and voucher.printed_at is None


def test_officer_may_read_the_commune_but_not_enter_vouchers(client_for, officer, commune_fund):
    client = client_for(officer)
    assert client.get(url("fund_detail", commune_fund.pk)).status_code == 200
    assert client.post(url("transaction_create", commune_fund.pk, "thu"), voucher_post()).status_code == 403
    assert not commune_fund.transactions.exists()


# Vouchers -----------------------------------------------------------------------------------------------------


def test_secretary_writes_a_receipt_typed_with_dots(client_for, secretary, chapter_fund):
    response = client_for(secretary).post(url("transaction_create", chapter_fund.pk, "thu"), voucher_post())
    voucher = chapter_fund.transactions.get()
    assert response.status_code == 302 and response["Location"] == url("transaction_detail", voucher.pk)
    assert (voucher.number, voucher.amount, voucher.date) == ("PT-2024-0001", 1_500_000, D(2024, 3, 5))
    assert voucher.created_by == secretary
    assert voucher.history.first().history_user == secretary
    assert Fund.objects.get(pk=chapter_fund.pk).balance == 1_500_000


@pytest.mark.parametrize(
    ("amount", "message"),
    [("1,5", "phần lẻ"), ("-200.000", "không được âm"), ("0", "lớn hơn 0"), ("abc", "không hợp lệ")],
)
def test_bad_amount_is_refused_with_a_vietnamese_message(client_for, secretary, chapter_fund, amount, message):
    response = client_for(secretary).post(
        url("transaction_create", chapter_fund.pk, "thu"), voucher_post(amount=amount)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not chapter_fund.transactions.exists()


def test_payment_beyond_the_balance_is_refused_on_the_form(client_for, secretary, chapter_fund, receive):
    receive(chapter_fund, 1_000_000)
    data = voucher_post(purpose="scholarship", amount="1.000.001", date="06/03/2024")
    response = client_for(secretary).post(url("transaction_create", chapter_fund.pk, "chi"), data)
    assert response.status_code == 400
    assert "Không đủ số dư" in response.content.decode()
    assert chapter_fund.transactions.count() == 1


def test_payment_form_offers_spending_purposes_only(client_for, secretary, chapter_fund):
    response = client_for(secretary).get(url("transaction_create", chapter_fund.pk, "chi"))
    choices = [value for value, _label in response.context["form"].fields["purpose"].choices]
    assert "scholarship" in choices and "donation" not in choices and "transfer" not in choices
    assert client_for(secretary).get(url("transaction_create", chapter_fund.pk, "xyz")).status_code == 404


def test_printed_voucher_form_keeps_the_amount(client_for, secretary, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000_000)
    services.transaction_mark_printed(voucher)
    client = client_for(secretary)
    page = client.get(url("transaction_update", voucher.pk))
    assert page.context["form"].fields["amount"].disabled
    response = client.post(
        url("transaction_update", voucher.pk), voucher_post(amount="9.000.000", notes="Đã ký đủ", version=1)
    )
    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.amount == 1_000_000 and voucher.notes == "Đã ký đủ"


def test_secretary_reverses_a_voucher(client_for, secretary, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000_000)
    response = client_for(secretary).post(
        url("transaction_reverse", voucher.pk), {"date": "02/03/2024", "reason": "Nhập trùng"}
    )
    reversal = Transaction.objects.get(reverses=voucher)
    assert response["Location"] == url("transaction_detail", reversal.pk)
    assert reversal.number == "PT-2024-0002"
    assert Fund.objects.get(pk=chapter_fund.pk).balance == 0


def test_print_marks_the_voucher_and_serves_the_pdf(client_for, secretary, chapter_fund, receive):
    voucher = receive(chapter_fund, 1_000_000)
    client = client_for(secretary)
    response = client.post(url("transaction_print", voucher.pk))
    assert response["Location"] == url("transaction_pdf", voucher.pk)
    voucher.refresh_from_db()
    assert voucher.printed_at is not None
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(url("transaction_print", voucher.pk)).status_code == 405


def test_cash_book_running_balance_is_right_on_every_page(
    client_for, viewer, tree, receive, pay, django_assert_max_num_queries
):
    fund = services.fund_create(unit=tree.chapter, opening_year=2024, opening_amount=1_000)
    for day in range(1, 61):
        receive(fund, 100, D(2024, 1, 1) + datetime.timedelta(days=day))
    pay(fund, 50, D(2024, 12, 1))
    client = client_for(viewer)
    with django_assert_max_num_queries(14):
        first = client.get(url("fund_detail", fund.pk), {"year": 2024, "period": "Y"})
    rows = list(first.context["rows"])
    assert [row.running for row in rows[:2]] == [1_100, 1_200]
    second = client.get(url("fund_detail", fund.pk), {"year": 2024, "period": "Y", "page": 2})
    rows = list(second.context["rows"])
    assert rows[0].running == 1_000 + 51 * 100
    assert rows[-1].running == 1_000 + 6_000 - 50
    assert second.context["book"].closing == 6_950
    h2 = client.get(url("fund_detail", fund.pk), {"year": 2024, "period": "H2"})
    assert h2.context["book"].opening == 7_000 and [r.running for r in h2.context["rows"]] == [6_950]


# Transfers -----------------------------------------------------------------------------------------------------


def test_commune_secretary_transfers_to_a_chapter_in_one_step(client_for, commune_secretary, commune_fund, tree):
    data = {"to_unit_code": tree.chapter.code.lower(), "amount": "2.000.000", "date": "01/05/2024", "reason": ""}
    response = client_for(commune_secretary).post(url("transfer_create", commune_fund.pk), data)
    transfer = Transfer.objects.get()
    assert response["Location"] == url("transfer_detail", transfer.pk)
    assert transfer.status == Transfer.Status.CONFIRMED and transfer.receipt.unit == tree.chapter


def test_chapter_transfer_up_waits_in_the_communes_inbox(
    client_for, secretary, commune_secretary, chapter_fund, commune_fund, receive, tree
):
    receive(chapter_fund, 3_000_000)
    data = {"to_unit_code": tree.commune.code, "amount": "1.000.000", "date": "01/05/2024"}
    client_for(secretary).post(url("transfer_create", chapter_fund.pk), data)
    transfer = Transfer.objects.get()
    assert transfer.status == Transfer.Status.PENDING
    client = client_for(commune_secretary)
    inbox = client.get(url("transfer_list"))
    assert transfer in list(inbox.context["to_confirm"])
    response = client.post(
        url("transfer_confirm", transfer.pk), {"to_fund": commune_fund.pk, "date": "03/05/2024", "note": "Đã nhận"}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CONFIRMED and transfer.receipt.fund == commune_fund


def test_chapter_secretary_cannot_confirm_and_viewer_gets_403(
    client_for, secretary, viewer, outsider, chapter_fund, receive, tree
):
    receive(chapter_fund, 3_000_000)
    transfer = services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=1_000_000, date=D(2024, 5, 1), actor=secretary
    )
    data = {"date": "03/05/2024"}
    assert client_for(viewer).post(url("transfer_confirm", transfer.pk), data).status_code == 403
    assert client_for(secretary).post(url("transfer_confirm", transfer.pk), data).status_code == 403
    assert client_for(outsider).post(url("transfer_confirm", transfer.pk), data).status_code == 404
    assert client_for(outsider).get(url("transfer_detail", transfer.pk)).status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING
    client_for(secretary).post(url("transfer_cancel", transfer.pk), {"note": "Nhầm"})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED


def test_transfer_to_an_unknown_code_is_refused(client_for, commune_secretary, commune_fund):
    data = {"to_unit_code": "KHONGCO", "amount": "1.000", "date": "01/05/2024"}
    response = client_for(commune_secretary).post(url("transfer_create", commune_fund.pk), data)
    assert response.status_code == 400
    assert "Không có đơn vị nào mang mã KHONGCO" in response.content.decode()
    assert not Transfer.objects.exists() and not commune_fund.transactions.exists()


# Finance page, donors, disclosure ---------------------------------------------------------------------------------


def test_finance_page_splits_own_fund_and_units_below(client_for, officer, tree, books, django_assert_max_num_queries):
    client = client_for(officer)
    with django_assert_max_num_queries(30):
        response = client.get(url("finance_detail", tree.commune.pk), {"year": 2024, "period": "Y"})
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["statement"]}
    assert rows["funds.raised"]["own"] == 21_000_000
    assert rows["funds.raised"]["below"] == 4_000_000
    assert rows["funds.raised"]["total"] == 25_000_000
    assert rows["funds.balance"]["total"] == 23_500_000
    assert rows["funds.transfer_out"]["own"] == 5_000_000 and rows["funds.transfer_in"]["below"] == 5_000_000
    assert response.context["crossing"] == {"in": 0, "out": 0, "net": 0}
    content = response.content.decode()
    assert "Quỹ của chính hội" in content and "Các đơn vị trực thuộc" in content and "25.000.000" in content


def test_finance_page_for_any_span_of_dates(client_for, officer, tree, books):
    response = client_for(officer).get(
        url("finance_detail", tree.commune.pk), {"period": "custom", "start": "01/01/2024", "end": "31/12/2024"}
    )
    rows = {row["key"]: row for row in response.context["statement"]}
    assert rows["funds.raised"]["total"] == 25_000_000 and rows["funds.balance"]["total"] == 23_500_000
    bad = client_for(officer).get(
        url("finance_detail", tree.commune.pk), {"period": "custom", "start": "31/12/2024", "end": "01/01/2024"}
    )
    assert "Ngày kết thúc không được trước ngày bắt đầu" in bad.content.decode()


def test_secretary_of_a_chapter_sees_only_its_own_finance(client_for, secretary, tree, books):
    client = client_for(secretary)
    assert client.get(url("finance_detail", tree.chapter.pk)).status_code == 200
    assert client.get(url("finance_detail", tree.commune.pk)).status_code == 404


def test_donor_list_groups_givers_and_anonymous_gifts(client_for, officer, tree, books):
    response = client_for(officer).get(url("donor_list", tree.commune.pk), {"year": 2024})
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["Công ty TNHH An Phát"]["total"] == 20_000_000
    assert rows["Nhà hảo tâm giấu tên"]["total"] == 1_000_000
    assert rows["Dòng họ Lê"]["in_kind"] == 4_000_000
    assert "Ông Nguyễn Văn An" not in rows  # the reversed gift cancels out
    own = client_for(officer).get(url("donor_list", tree.commune.pk), {"year": 2024, "own": "1"})
    assert "Dòng họ Lê" not in {row["name"] for row in own.context["rows"]}


def test_fund_create_by_administrator_with_opening_balance(client_for, administrator, tree):
    data = {
        "unit": tree.other_chapter.pk,
        "name": "Vì em hiếu học",
        "description": "",
        "is_active": "on",
        "opening_year": "2024",
        "opening_amount": "2.500.000",
    }
    response = client_for(administrator).post(url("fund_create"), data)
    fund = Fund.objects.get(name="Vì em hiếu học")
    assert response["Location"] == url("fund_detail", fund.pk)
    assert fund.balance == 2_500_000 and fund.opening.year == 2024


def test_outsider_cannot_open_a_fund_for_our_unit(client_for, outsider, tree):
    data = {"unit": tree.chapter.pk, "name": "Quỹ lạ", "is_active": "on"}
    response = client_for(outsider).post(url("fund_create"), data)
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Fund.objects.filter(name="Quỹ lạ").exists()


def test_receipt_form_starts_with_today(client_for, secretary, chapter_fund):
    from django.utils import timezone

    form = client_for(secretary).get(url("transaction_create", chapter_fund.pk, "thu")).context["form"]
    assert form["date"].value() == timezone.localdate()
    assert form["purpose"].value() == "donation"


def test_finance_page_shows_transfers_crossing_the_subtree_and_money_in_transit(
    client_for, administrator, tree, commune_fund, chapter_fund, receive, secretary
):
    services.transfer_create(from_fund=commune_fund, to_unit=tree.outside_chapter, amount=2_000_000, date=D(2024, 5, 1))
    receive(chapter_fund, 1_000_000)
    services.transfer_create(
        from_fund=chapter_fund, to_unit=tree.commune, amount=400_000, date=D(2024, 6, 1), actor=secretary
    )
    client = client_for(administrator)
    commune = client.get(url("finance_detail", tree.commune.pk), {"year": 2024})
    assert commune.context["crossing"] == {"in": 0, "out": 2_000_000, "net": -2_000_000}
    assert commune.context["in_transit"] == 400_000
    assert "chưa đến nơi" in commune.content.decode()
    province = client.get(url("finance_detail", tree.province.pk), {"year": 2024})
    assert province.context["crossing"] == {"in": 0, "out": 0, "net": 0}
    rows = {row["key"]: row for row in province.context["statement"]}
    assert rows["funds.raised"]["total"] == 1_000_000
    assert rows["funds.balance"]["total"] == 10_000_000 + 1_000_000 - 400_000


def test_transfer_inbox_query_count_does_not_grow_with_transfers(
    client_for, commune_secretary, commune_fund, tree, django_assert_max_num_queries
):
    for day in range(1, 11):
        services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=1_000, date=D(2024, 5, day))
    client = client_for(commune_secretary)
    with django_assert_max_num_queries(12):
        response = client.get(url("transfer_list"))
    assert len(response.context["object_list"]) == 10


def test_donor_list_query_count(client_for, officer, tree, books, django_assert_max_num_queries):
    client = client_for(officer)
    with django_assert_max_num_queries(10):
        response = client.get(url("donor_list", tree.commune.pk), {"year": 2024})
    assert response.status_code == 200


def test_finance_page_shows_membership_dues_apart_from_the_fund(client_for, officer, tree):
    """Dues are read from the members app's summaries by figure name: funds does not import members."""
    from django.urls import reverse

    from chapters.models import Summary

    Summary.objects.create(unit=tree.chapter, year=2025, period="Y", figure="dues.amount", value=1_200_000)
    Summary.objects.create(unit=tree.chapter, year=2025, period="Y", figure="dues.payers", value=24)
    page = client_for(officer).get(
        reverse("funds:finance_detail", args=[tree.commune.pk]), {"year": 2025, "period": "Y"}
    )
    text = page.content.decode()
    assert "Hội phí đã thu" in text and "1.200.000 đồng" in text
    assert page.context["dues"]["payers"] == 24
