"""Synthetic fund books for `generate_dataset` (contract in chapters/dataset.py): at province scale 500,000
vouchers a year (design.md §10), spread unevenly over the generated chapters, each keeping one fund.

Vouchers are written with PostgreSQL COPY (bulk_create elsewhere) and their history rows with one
INSERT ... SELECT; numbers are sequential per fund, kind and year, balances never go below zero, the funds'
balances and voucher counters are set to match, and the fund summaries are refreshed once at the end. Only the
generated chapters hold these funds, so `generate_dataset --reset` removes them with the chapters.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters.dataset import DatasetContext
from chapters.summaries import summaries_refresh, years_from
from core.text import fold

from .models import ANONYMOUS_NAME, DEFAULT_FUND_NAME, Fund, OpeningBalance, Transaction, VoucherCounter, voucher_number

REASON = "lệnh: generate_dataset"
PER_YEAR = {"province": 500_000, "ward": 3_000}
K = Transaction.Kind
P = Transaction.Purpose
C = Transaction.Counterparty

DONORS = [
    (C.ORGANISATION, "Công ty TNHH Thương mại Minh Phát"),
    (C.ORGANISATION, "Công ty Cổ phần Xây dựng Hồng Hà"),
    (C.ORGANISATION, "Ngân hàng Nông nghiệp chi nhánh huyện"),
    (C.PERSON, "Ông Nguyễn Văn Hải"),
    (C.PERSON, "Bà Lê Thị Hoa"),
    (C.PERSON, "Ông Trần Quốc Toản"),
    (C.PERSON, "Bà Phạm Thị Lan"),
    (C.CLAN, "Dòng họ Nguyễn"),
    (C.CLAN, "Dòng họ Lê Đình"),
    (C.MEMBER, "Hội viên Đỗ Văn Minh"),
    (C.ANONYMOUS, ANONYMOUS_NAME),
]
RECEIVERS = ["Em Nguyễn Thị Mai", "Em Trần Văn Nam", "Em Lê Thị Thu", "Bà Hoàng Thị Yến (thủ quỹ)"]
SPENDING = [
    (P.SCHOLARSHIP, "Trao học bổng cho học sinh nghèo vượt khó"),
    (P.STUDENT_REWARD, "Khen thưởng học sinh giỏi"),
    (P.TEACHER_REWARD, "Khen thưởng giáo viên dạy giỏi"),
    (P.FAMILY_REWARD, "Khen thưởng gia đình học tập"),
    (P.AID, "Hỗ trợ học sinh khó khăn"),
    (P.OPERATIONS, "Chi hoạt động của chi hội"),
]
KEYS = {name: ("" if kind == C.ANONYMOUS else "n:" + fold(name)) for kind, name in DONORS} | {
    name: "n:" + fold(name) for name in RECEIVERS
}
COLUMNS = [field.attname for field in Transaction._meta.concrete_fields if not field.primary_key]


def _funds(ctx: DatasetContext) -> list[Fund]:
    """One general fund per generated chapter, with its opening balance on 1 January of the first year."""
    funds = [Fund(unit_id=unit_id, name=DEFAULT_FUND_NAME, version=1) for unit_id in ctx.chapter_ids]
    funds = bulk_create_with_history(funds, Fund, batch_size=2000, default_change_reason=REASON)
    if not funds or funds[0].pk is None:  # databases that do not return ids from a bulk insert
        funds = list(Fund.objects.filter(unit_id__in=ctx.chapter_ids).order_by("pk"))
    openings = [
        OpeningBalance(fund=fund, year=ctx.years[0], amount=ctx.rng.randrange(0, 20) * 500_000, version=1)
        for fund in funds
    ]
    bulk_create_with_history(openings, OpeningBalance, batch_size=2000, default_change_reason=REASON)
    for fund, opening in zip(funds, openings, strict=True):
        fund.balance = opening.amount
    return funds


def _vouchers(ctx: DatasetContext, fund: Fund, year: int, count: int, counters: dict, now) -> list[dict]:
    """`count` vouchers of one fund in one year, in date order, never overdrawing it."""
    rng = ctx.rng
    start = datetime.date(year, 1, 1)
    last = min(datetime.date(year, 12, 31), timezone.localdate())
    span = (last - start).days
    days = sorted(start + datetime.timedelta(days=rng.randint(0, span)) for _ in range(count))
    rows = []
    for day in days:
        pay = fund.balance >= 400_000 and rng.random() < 0.42
        if pay:
            kind = K.PAYMENT
            amount = max(100_000, int(fund.balance * rng.uniform(0.05, 0.6)) // 50_000 * 50_000)
            purpose, reason = SPENDING[rng.randrange(len(SPENDING))]
            who = RECEIVERS[rng.randrange(len(RECEIVERS))]
            counterparty = C.PERSON
            delta = -amount
        else:
            kind = K.RECEIPT
            amount = rng.randint(2, 100) * 50_000
            counterparty, who = DONORS[rng.randrange(len(DONORS))]
            purpose, reason = P.DONATION, "Ủng hộ quỹ khuyến học"
            delta = amount
        key = (fund.pk, kind, year)
        counters[key] = counters.get(key, 0) + 1
        fund.balance += delta
        rows.append(
            {
                "fund_id": fund.pk,
                "unit_id": fund.unit_id,
                "kind": kind,
                "year": year,
                "seq": counters[key],
                "number": voucher_number(kind, year, counters[key]),
                "date": day,
                "amount": amount,
                "delta": delta,
                "counterparty_type": counterparty,
                "counterparty_name": who,
                "counterparty_address": "",
                "member_id": None,
                "counterparty_key": KEYS[who],
                "purpose": purpose,
                "reason": reason,
                "in_kind": False,
                "in_kind_description": "",
                "attachments": "",
                "notes": "",
                "reverses_id": None,
                "printed_at": None,
                "print_count": 0,
                "created_by_id": None,
                "created_at": now,
                "version": 1,
            }
        )
    return rows


def _copy(rows_by_fund) -> int:
    """COPY the vouchers into their table; returns how many were written."""
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        table = Transaction._meta.db_table
        with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for rows in rows_by_fund:
                for row in rows:
                    copy.write_row([row[name] for name in COLUMNS])
                    written += 1
    return written


def _history_from_table(first_id: int, now) -> None:
    """History rows ("created") for the vouchers just copied, in one statement."""
    history = Transaction.history.model
    tracked = [field.attname for field in history._meta.concrete_fields if field.attname in set(COLUMNS) | {"id"}]
    columns = ", ".join(tracked)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({columns}, history_date, history_change_reason, history_type) "
            f"SELECT {columns}, %s, %s, '+' FROM {Transaction._meta.db_table} WHERE id > %s",
            [now, REASON, first_id],
        )


@transaction.atomic
def generate(ctx: DatasetContext) -> None:
    if not ctx.chapter_ids:
        return
    funds = _funds(ctx)
    total_per_year = PER_YEAR.get(ctx.scale, PER_YEAR["ward"])
    counters: dict[tuple[int, str, int], int] = {}
    now = timezone.now()
    fast = connection.vendor == "postgresql"
    first_id = Transaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written = 0
    for year in ctx.years:
        shares = ctx.share(total_per_year)
        batches = (_vouchers(ctx, fund, year, shares.get(fund.unit_id, 0), counters, now) for fund in funds)
        if fast:
            written += _copy(batches)
        else:
            for rows in batches:
                objects = [Transaction(**row) for row in rows]
                bulk_create_with_history(objects, Transaction, batch_size=2000, default_change_reason=REASON)
                written += len(objects)
    if fast:
        _history_from_table(first_id, now)
    VoucherCounter.objects.bulk_create(
        [VoucherCounter(fund_id=f, kind=k, year=y, last=last) for (f, k, y), last in counters.items()],
        batch_size=5000,
    )
    Fund.objects.bulk_update(funds, ["balance"], batch_size=2000)
    summaries_refresh(unit_ids=ctx.chapter_ids, years=years_from(ctx.years[0]), providers=["funds"])
    ctx.counts["Quỹ khuyến học"] = len(funds)
    ctx.counts["Phiếu thu, chi"] = written
