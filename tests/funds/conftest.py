"""Fixtures of the fund tests: funds of the commune and its chapter, and a helper writing vouchers."""

import datetime

import pytest

from funds import services
from funds.models import Transaction

D = datetime.date
P = Transaction.Purpose
C = Transaction.Counterparty
RECEIPT_DAY = D(2024, 3, 1)
PAYMENT_DAY = D(2024, 9, 5)


@pytest.fixture
def commune_fund(tree):
    return services.fund_create(unit=tree.commune, opening_year=2024, opening_amount=10_000_000)


@pytest.fixture
def chapter_fund(tree):
    return services.fund_create(unit=tree.chapter)


@pytest.fixture
def receive():
    def write(fund, amount, day=RECEIPT_DAY, **extra):
        values = {"counterparty_type": Transaction.Counterparty.PERSON, "counterparty_name": "Ông Nguyễn Văn An"}
        values.update(extra)
        return services.transaction_create(
            fund=fund,
            kind=Transaction.Kind.RECEIPT,
            date=day,
            amount=amount,
            purpose=values.pop("purpose", Transaction.Purpose.DONATION),
            **values,
        )

    return write


@pytest.fixture
def pay():
    def write(fund, amount, day=PAYMENT_DAY, **extra):
        values = {"counterparty_type": Transaction.Counterparty.PERSON, "counterparty_name": "Em Lê Thị Bình"}
        values.update(extra)
        return services.transaction_create(
            fund=fund,
            kind=Transaction.Kind.PAYMENT,
            date=day,
            amount=amount,
            purpose=values.pop("purpose", Transaction.Purpose.SCHOLARSHIP),
            **values,
        )

    return write


@pytest.fixture
def books(tree, commune_fund, receive, pay):
    """Two years of a commune's and its chapters' books, with a reversal, gifts in kind and transfers."""
    chapter = services.fund_create(unit=tree.chapter, opening_year=2024, opening_amount=500_000)
    school = services.fund_create(unit=tree.other_chapter)
    receive(
        commune_fund,
        20_000_000,
        D(2024, 1, 15),
        counterparty_type=C.ORGANISATION,
        counterparty_name="Công ty TNHH An Phát",
    )
    gift = receive(commune_fund, 3_000_000, D(2024, 2, 1))
    receive(commune_fund, 1_000_000, D(2024, 8, 1), counterparty_type=C.ANONYMOUS, counterparty_name="")
    receive(
        school,
        4_000_000,
        D(2024, 8, 20),
        counterparty_type=C.CLAN,
        counterparty_name="Dòng họ Lê",
        in_kind=True,
        in_kind_description="40 bộ sách giáo khoa",
    )
    pay(school, 4_000_000, D(2024, 9, 5), purpose=P.AID, in_kind=True, in_kind_description="40 bộ sách giáo khoa")
    services.transaction_reverse(gift, date=D(2024, 2, 3), reason="Trùng phiếu")
    pay(commune_fund, 6_000_000, D(2024, 9, 1))
    pay(commune_fund, 2_000_000, D(2024, 11, 20), purpose=P.TEACHER_REWARD)
    services.transfer_create(from_fund=commune_fund, to_unit=tree.chapter, amount=5_000_000, date=D(2024, 10, 1))
    receive(chapter, 700_000, D(2025, 3, 1))
    pay(chapter, 2_000_000, D(2025, 5, 1), purpose=P.STUDENT_REWARD)
    receive(
        commune_fund,
        10_000_000,
        D(2025, 9, 1),
        counterparty_type=C.ORGANISATION,
        counterparty_name="Công ty TNHH An Phát",
    )
    return {"chapter": chapter, "school": school}
