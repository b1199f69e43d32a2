"""Demo funds for `seed_demo` (contract in chapters/demo.py).

Two years of books (2024, 2025, and the current year so far): the historic district and the two wards merged on
01/07/2025 keep their funds until 30/06/2025 and hand the balance over to their successors; the city, today's
three wards and about half of the chapters keep funds from the dates they are open; the city also runs the
programme "Vì em hiếu học". Receipts from companies, people, clans, members and anonymous donors; payments for
scholarships, rewards and aid; a transfer from a ward to a school chapter, and a transfer up from a chapter still
waiting for the ward to confirm it. Some vouchers are printed, one is cancelled by a reversal.

Everything goes through the fund services (numbering, history, balance checks); summaries are refreshed once at
the end. Idempotent: nothing is written when any demo unit already has a fund.
"""

import datetime

from django.core.exceptions import ValidationError

from chapters.demo import DemoContext
from chapters.models import Unit

from . import services
from .models import Fund, Transaction

D = datetime.date
K = Transaction.Kind
P = Transaction.Purpose
C = Transaction.Counterparty
REFORM_DAY = D(2025, 7, 1)

COMPANIES = [
    "Công ty TNHH Thương mại Hòa Phát Cầu Giấy",
    "Công ty Cổ phần Xây dựng Nghĩa Đô",
    "Công ty TNHH Dược phẩm An Khang",
    "Ngân hàng TMCP Công Thương chi nhánh Cầu Giấy",
    "Công ty TNHH Sách và Thiết bị trường học Minh Tâm",
    "Công ty Cổ phần May Thăng Long",
    "Hợp tác xã Dịch vụ Yên Hòa",
]
PEOPLE = [
    "Ông Nguyễn Văn Khải",
    "Bà Trần Thị Thu Hà",
    "Ông Lê Quang Minh",
    "Bà Phạm Thị Ngọc Lan",
    "Ông Hoàng Đức Thịnh",
    "Bà Vũ Thị Hạnh",
    "Ông Đặng Văn Lợi",
    "Gia đình ông Bùi Văn Tâm",
]
CLANS = ["Dòng họ Nguyễn Đình", "Dòng họ Lê Văn", "Dòng họ Phạm", "Dòng họ Đỗ"]
MEMBERS = ["Hội viên Ngô Thị Lan", "Hội viên Trịnh Quốc Bảo", "Hội viên Mai Thị Phương"]
STUDENTS = [
    "Em Nguyễn Thị Mai Anh",
    "Em Trần Minh Khôi",
    "Em Lê Bảo Ngọc",
    "Em Phạm Gia Huy",
    "Em Đỗ Thu Trang",
    "Em Vũ Đức Anh",
    "Em Hoàng Khánh Linh",
]
GIFTS_IN_KIND = ["200 bộ sách giáo khoa", "50 chiếc cặp sách", "10 chiếc xe đạp", "300 quyển vở", "5 máy tính bảng"]


def _day(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _round(amount: float, step: int = 100_000) -> int:
    return max(step, int(amount // step) * step)


def _receipt(rng, scale: int) -> dict:
    """A plausible gift: who gives, how much, and what for."""
    roll = rng.random()
    if roll < 0.3:
        return {
            "counterparty_type": C.ORGANISATION,
            "counterparty_name": rng.choice(COMPANIES),
            "amount": _round(scale * rng.uniform(2, 10)),
            "reason": rng.choice(["Ủng hộ quỹ khuyến học", "Tài trợ học bổng năm học mới", "Ủng hộ Ngày Khuyến học"]),
        }
    if roll < 0.6:
        return {
            "counterparty_type": C.PERSON,
            "counterparty_name": rng.choice(PEOPLE),
            "amount": _round(scale * rng.uniform(0.2, 2), 50_000),
            "reason": "Ủng hộ quỹ khuyến học",
        }
    if roll < 0.72:
        return {
            "counterparty_type": C.CLAN,
            "counterparty_name": rng.choice(CLANS),
            "amount": _round(scale * rng.uniform(1, 4)),
            "reason": "Dòng họ ủng hộ quỹ khuyến học",
        }
    if roll < 0.85:
        return {
            "counterparty_type": C.MEMBER,
            "counterparty_name": rng.choice(MEMBERS),
            "amount": _round(scale * rng.uniform(0.1, 0.5), 50_000),
            "reason": "Hội viên đóng góp quỹ",
        }
    if roll < 0.93:
        return {
            "counterparty_type": C.ANONYMOUS,
            "counterparty_name": "",
            "amount": _round(scale * rng.uniform(0.5, 3)),
            "reason": "Nhà hảo tâm giấu tên ủng hộ",
        }
    return {
        "counterparty_type": C.ORGANISATION,
        "counterparty_name": rng.choice(COMPANIES),
        "amount": _round(scale * rng.uniform(2, 6)),
        "reason": "Tặng hiện vật cho học sinh",
        "in_kind": True,
        "in_kind_description": rng.choice(GIFTS_IN_KIND),
    }


def _payment(rng, scale: int, day: datetime.date) -> dict:
    """A plausible spending for the season: scholarships at the start of the school year, rewards in May–June,
    teachers on 20 November, aid at Tết."""
    if day.month in (8, 9):
        purpose, reason = P.SCHOLARSHIP, "Trao học bổng đầu năm học cho học sinh nghèo vượt khó (danh sách kèm theo)"
    elif day.month in (5, 6):
        purpose, reason = P.STUDENT_REWARD, "Khen thưởng học sinh giỏi cuối năm học (danh sách kèm theo)"
    elif day.month == 11:
        purpose, reason = P.TEACHER_REWARD, "Khen thưởng giáo viên dạy giỏi nhân ngày Nhà giáo Việt Nam 20/11"
    elif day.month in (1, 2):
        purpose, reason = P.AID, "Hỗ trợ học sinh có hoàn cảnh khó khăn đón Tết"
    elif day.month == 12:
        purpose, reason = P.FAMILY_REWARD, "Khen thưởng gia đình học tập, dòng họ học tập tiêu biểu"
    elif rng.random() < 0.5:
        purpose, reason = P.SCHOOL_SUPPORT, "Hỗ trợ nhà trường mua sắm thiết bị dạy học"
    else:
        purpose, reason = P.OPERATIONS, "Chi văn phòng phẩm, tổ chức hội nghị"
    receiver = rng.choice(STUDENTS) if purpose in (P.SCHOLARSHIP, P.AID) and rng.random() < 0.4 else ""
    return {
        "purpose": purpose,
        "reason": reason,
        "counterparty_type": C.PERSON,
        "counterparty_name": receiver
        or rng.choice(["Bà Nguyễn Thị Hoa (thủ quỹ)", "Ông Lê Văn Hùng (đại diện nhà trường)"]),
        "amount": _round(scale * rng.uniform(0.5, 4), 50_000),
        "attachments": "01 danh sách người nhận có chữ ký" if not receiver else "",
    }


def _books(
    rng, fund: Fund, start: datetime.date, end: datetime.date, *, scale: int, count: int, opening: int, floor: int = 0
) -> int:
    """Write `count` vouchers in the fund between two dates; payments never take the balance below `floor` (room
    left for the transfers and the award payments other demo data makes later). Returns the closing balance."""
    days = sorted(_day(rng, start, end) for _ in range(count))
    balance = opening
    for index, day in enumerate(days):
        pay = index > 1 and rng.random() < 0.45
        if pay:
            values = _payment(rng, scale, day)
            if values["amount"] > balance * 0.7 or balance - values["amount"] < floor:
                continue
            services.transaction_create(fund=fund, kind=K.PAYMENT, date=day, **values)
            balance -= values["amount"]
        else:
            values = _receipt(rng, scale)
            services.transaction_create(fund=fund, kind=K.RECEIPT, date=day, purpose=P.DONATION, **values)
            balance += values["amount"]
            if values.get("in_kind") and balance >= values["amount"]:
                # Goods given in kind are handed out within the month.
                handed = min(end, day + datetime.timedelta(days=rng.randint(1, 20)))
                services.transaction_create(
                    fund=fund,
                    kind=K.PAYMENT,
                    date=handed,
                    purpose=P.AID,
                    amount=values["amount"],
                    counterparty_type=C.PERSON,
                    counterparty_name="Ông Lê Văn Hùng (đại diện nhà trường)",
                    reason=f"Trao {values['in_kind_description']} cho học sinh",
                    in_kind=True,
                    in_kind_description=values["in_kind_description"],
                )
                balance -= values["amount"]
    return balance


def _open(unit: Unit, **fields) -> Fund:
    return services.fund_create(unit=unit, **fields)


def seed(ctx: DemoContext) -> None:
    units = [ctx.province, *ctx.communes, *ctx.chapters, *ctx.merged_communes]
    if ctx.historic_district:
        units.append(ctx.historic_district)
    if Fund.objects.filter(unit__in=units).exists():
        return
    rng, today = ctx.rng, ctx.today
    last_day = min(today, D(max(2025, today.year), 12, 31))
    before_reform = REFORM_DAY - datetime.timedelta(days=1)
    with services.deferred_refresh():
        # The historic district and the merged wards: 2024 and the first half of 2025, then hand-over.
        handovers = []
        if ctx.historic_district:
            fund = _open(ctx.historic_district, opening_year=2024, opening_amount=350_000_000)
            _books(rng, fund, D(2024, 1, 2), D(2025, 6, 20), scale=8_000_000, count=40, opening=350_000_000)
            handovers.append((fund, ctx.province))
        for old in ctx.merged_communes:
            opening = rng.choice([45_000_000, 62_500_000])
            fund = _open(old, opening_year=2024, opening_amount=opening)
            _books(rng, fund, D(2024, 1, 2), D(2025, 6, 20), scale=2_000_000, count=30, opening=opening)
            handovers.append((fund, ctx.communes[0]))

        # The city, with its programme fund, and today's wards: from the reform on.
        city = _open(ctx.province, opening_year=2025, opening_amount=1_250_000_000)
        _books(rng, city, REFORM_DAY, last_day, scale=40_000_000, count=30, opening=1_250_000_000)
        programme = _open(
            ctx.province,
            name="Vì em hiếu học",
            description="Chương trình học bổng cho học sinh nghèo vượt khó do các doanh nghiệp tài trợ.",
        )
        _books(rng, programme, REFORM_DAY, last_day, scale=30_000_000, count=16, opening=0)
        ward_funds = []
        for commune in ctx.communes:
            fund = _open(commune)
            _books(rng, fund, REFORM_DAY, last_day, scale=3_000_000, count=25, opening=0, floor=60_000_000)
            ward_funds.append(fund)
        for fund, successor in handovers:
            fund.refresh_from_db()
            if fund.balance > 0:
                receiving = Fund.objects.filter(unit=successor, name=fund.name).first()
                services.transfer_create(
                    from_fund=fund,
                    to_unit=successor,
                    to_fund=receiving,
                    amount=fund.balance,
                    date=before_reform,
                    received_on=REFORM_DAY,
                    reason=f"Bàn giao quỹ của {fund.unit.display_name} khi sáp nhập",
                )

        # Chapters: about half keep a fund; the old ones since 2024, the new ones since the reform.
        secretary = ctx.users.get("thuky")
        role = secretary.unit_roles.select_related("unit").first() if secretary else None
        keeping = ctx.chapters[::2]
        if role and role.unit in ctx.chapters and role.unit not in keeping:
            keeping.append(role.unit)
        chapter_funds = []
        for chapter in keeping:
            start = max(chapter.active_from or D(2024, 1, 1), D(2024, 1, 2))
            opening = rng.choice([2_500_000, 5_000_000]) if start.year == 2024 else 1_000_000
            fund = _open(chapter, opening_year=start.year, opening_amount=opening)
            count = 14 if start.year == 2024 else 8
            _books(rng, fund, start, last_day, scale=500_000, count=count, opening=opening, floor=3_000_000)
            chapter_funds.append(fund)

        # A ward passes money to a school chapter for scholarships (one operation, both sides).
        schools = [c for c in ctx.chapters if c.host == Unit.Host.SCHOOL]
        for ward in sorted(ward_funds, key=lambda f: f.unit_id != ctx.communes[-2].pk):
            school = next((c for c in schools if c.parent_id == ward.unit_id), None)
            day = max(D(2025, 9, 5), school.active_from or REFORM_DAY) if school else None
            if school and day <= last_day and services.balance_available(ward, day) >= 10_000_000:
                services.transfer_create(
                    from_fund=ward,
                    to_unit=school,
                    amount=10_000_000,
                    date=day,
                    reason="Hỗ trợ chi hội trao học bổng đầu năm học 2025–2026",
                )
                break

        # A chapter sends money up; the ward has not confirmed it yet (the inbox of the ward's secretary).
        sender = next((f for f in chapter_funds if role and f.unit_id == role.unit_id), None)
        if sender and sender.unit.parent_id:
            amount = min(1_000_000, services.balance_available(sender, last_day) // 2 // 50_000 * 50_000)
            if amount > 0:
                services.transfer_create(
                    from_fund=sender,
                    to_unit=sender.unit.parent,
                    amount=amount,
                    date=last_day,
                    actor=secretary,
                    reason="Đóng góp quỹ khuyến học phường",
                )

        # Printed vouchers, and one cancelled by a reversal.
        for voucher in Transaction.objects.filter(fund__in=[city, *ward_funds], date__lt=D(2025, 10, 1))[:15]:
            services.transaction_mark_printed(voucher)
        gifts = (
            Transaction.objects.filter(fund=ward_funds[2], kind=K.RECEIPT, reverses__isnull=True, in_kind=False)
            .exclude(purpose=P.TRANSFER)
            .order_by("-date", "-pk")[:5]
        )
        for gift in gifts:
            try:
                services.transaction_reverse(gift, date=gift.date, reason="Ghi trùng với phiếu trước")
                break
            except ValidationError:
                continue  # already spent on a later day: try another one
    count = Transaction.objects.filter(fund__unit__in=units).count()
    ctx.log.append(f"Quỹ khuyến học: {Fund.objects.filter(unit__in=units).count()} quỹ, {count} phiếu thu, chi.")
