"""Seed 000: Hội Khuyến học phường Bạch Đằng, year-end review 2023 (shared/seeds/000_*.txt).

The tree of that time: Thành phố Hà Nội → Quận Hai Bà Trưng (until 30/06/2025, when districts were abolished)
→ Phường Bạch Đằng → 19 chapters: 13 residential groups, 4 schools and 2 agencies (Công an phường; UBND - Y tế
phường). The ward and its chapters are recorded as closing with the district on 30/06/2025, so that only a
report on the tree of that time can show them.

Where the article rounds, the data is exact: "trên 20% tổng dân số" → 3.127 members of 14.280 people (21,9%);
"quỹ khuyến học phường đạt trên 500 triệu đồng" → 512.350.000 đồng raised in 2023.
"""

import datetime
import random

from . import Sheet, fmt, person_name, split

PROVINCE, DISTRICT, WARD = "01", "007", "BD-HBT"
CLOSED = "30/06/2025"
YEAR = 2023

POPULATION = 14_280
HOUSEHOLDS = 4_115
PARTY_MEMBERS = 623
MEMBERS_END = 3_127  # members on 31/12/2023
JOINED = 214  # joined during 2023
LEFT = 38  # left during 2023 (moved away, left, died)
MEMBERS_2022 = MEMBERS_END - JOINED + LEFT  # 2.951 on 31/12/2022
OPENING_2023 = 48_500_000
RAISED = 512_350_000
RECEIPTS = 64
SPENT = 436_800_000
PAYMENTS = 37
COLLECTIVES, INDIVIDUALS = 19, 51

RESIDENTIAL = [f"Chi hội tổ dân phố số {n}" for n in range(1, 14)]
SCHOOLS = [
    "Chi hội Trường Mầm non Bạch Đằng",
    "Chi hội Trường Tiểu học Bạch Đằng",
    "Chi hội Trường Tiểu học Lương Yên",
    "Chi hội Trường THCS Ngô Gia Tự",
]
AGENCIES = ["Chi hội Công an phường", "Chi hội UBND - Y tế phường"]


def chapters() -> list[tuple[str, str, str]]:
    """(code, name, host) of the 19 chapters."""
    rows = []
    for index, name in enumerate(RESIDENTIAL + SCHOOLS + AGENCIES, start=1):
        host = "Khu dân cư" if name in RESIDENTIAL else "Trường học" if name in SCHOOLS else "Cơ quan"
        rows.append((f"{WARD}-{index:02d}", name, host))
    return rows


def units_sheet() -> Sheet:
    sheet = Sheet(
        "units",
        "don-vi",
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Loại",
            "Cấp",
            "Nơi tổ chức",
            "Loại đơn vị hành chính",
            "Mã đơn vị cấp trên",
            "Hoạt động từ",
            "Hoạt động đến",
        ],
    )
    sheet.rows += [
        [PROVINCE, "Thành phố Hà Nội", "Hội Khuyến học", "Tỉnh", "", "thành phố", "", "01/01/1997", ""],
        [DISTRICT, "Quận Hai Bà Trưng", "Hội Khuyến học", "Huyện", "", "quận", PROVINCE, "01/01/1997", CLOSED],
        [WARD, "Phường Bạch Đằng", "Hội Khuyến học", "Xã", "", "phường", DISTRICT, "01/01/1998", CLOSED],
    ]
    for code, name, host in chapters():
        # Chapters were set up over the years; the agency chapters are the youngest.
        opened = "15/03/2012" if host == "Cơ quan" else "10/10/2005"
        kind = "Chi hội"
        sheet.rows.append([code, name, kind, "Cơ sở", host, "", WARD, opened, CLOSED])
    return sheet


def baseline_sheet() -> Sheet:
    sheet = Sheet(
        "baseline",
        "so-lieu-nen",
        ["Mã đơn vị", "Tên đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số đảng viên", "Số thôn, tổ dân phố"],
    )
    sheet.rows.append(
        [WARD, "Phường Bạch Đằng", YEAR, f"{POPULATION:,}".replace(",", "."), HOUSEHOLDS, PARTY_MEMBERS, 13]
    )
    return sheet


def members_sheet(rng: random.Random) -> Sheet:
    """Everyone who was a member at some point up to the end of 2023: those still members on 31/12/2023 (Party
    members among them: exactly the ward's 623), those who joined in 2023, and those who left in 2023."""
    sheet = Sheet(
        "members",
        "hoi-vien",
        [
            "Mã chi hội",
            "Họ và tên",
            "Giới tính",
            "Năm sinh",
            "Đảng viên",
            "Ngày vào hội",
            "Số thẻ hội viên",
            "Ngày ra hội",
            "Lý do ra hội",
        ],
        fmt="csv",
    )
    codes = [code for code, _name, _host in chapters()]
    total = MEMBERS_END + LEFT
    per_chapter = split(total, len(codes), rng, minimum=40)
    people = []
    for code, count in zip(codes, per_chapter, strict=True):
        people += [code] * count
    rng.shuffle(people)
    left_reasons = ["Chuyển đi nơi khác", "Thôi sinh hoạt", "Từ trần"]
    for index, code in enumerate(people):
        female = index % 5 < 3
        # The first JOINED people joined in 2023; the next LEFT people left in 2023 (joined long before).
        if index < JOINED:
            joined = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randint(0, 360))
        else:
            joined = datetime.date(rng.randint(2008, 2022), rng.randint(1, 12), rng.randint(1, 28))
        left = left_reason = ""
        if JOINED <= index < JOINED + LEFT:
            left = fmt(datetime.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)))
            left_reason = left_reasons[index % 3]
        party = "Có" if JOINED + LEFT <= index < JOINED + LEFT + PARTY_MEMBERS else ""
        sheet.rows.append(
            [
                code,
                person_name(index, female),
                "Nữ" if female else "Nam",
                rng.randint(1940, 1995),
                party,
                fmt(joined),
                f"HN-BD-{index + 1:05d}",
                left,
                left_reason,
            ]
        )
    return sheet


def transactions_sheet(rng: random.Random) -> Sheet:
    """The ward fund's 2023 cash book: 64 receipts (512.350.000 đồng) and 37 payments (436.800.000 đồng)."""
    sheet = Sheet(
        "transactions",
        "so-quy-2023",
        ["Mã đơn vị", "Quỹ", "Số phiếu", "Ngày", "Số tiền", "Người nộp, người nhận", "Là", "Mục đích", "Nội dung"],
    )
    receipts = [amount * 50_000 for amount in split(RAISED // 50_000, RECEIPTS, rng, minimum=10)]
    payments = [amount * 100_000 for amount in split(SPENT // 100_000, PAYMENTS, rng, minimum=5)]
    assert sum(receipts) == RAISED and sum(payments) == SPENT
    donors = ["Công ty TNHH Thương mại Bạch Đằng", "Ngân hàng TMCP Công thương chi nhánh Hai Bà Trưng"]
    # Receipts from January to November, payments from May (after the fund has grown) to December.
    for number, amount in enumerate(receipts, start=1):
        when = datetime.date(YEAR, 1 + (number - 1) * 11 // RECEIPTS, 1 + number % 27)
        organisation = number % 8 == 0
        payer = donors[number % 2] if organisation else person_name(5000 + number, number % 2 == 0)
        sheet.rows.append(
            [
                WARD,
                "Quỹ Khuyến học",
                f"PT-{YEAR}-{number:04d}",
                fmt(when),
                amount,
                payer,
                "Tổ chức" if organisation else "Cá nhân",
                "Ủng hộ, tài trợ quỹ",
                "Ủng hộ quỹ khuyến học phường",
            ]
        )
    purposes = ["Học bổng", "Khen thưởng học sinh", "Khen thưởng giáo viên", "Hỗ trợ học sinh"]
    for number, amount in enumerate(payments, start=1):
        when = datetime.date(YEAR, 5 + (number - 1) * 8 // PAYMENTS, 1 + number % 27)
        sheet.rows.append(
            [
                WARD,
                "Quỹ Khuyến học",
                f"PC-{YEAR}-{number:04d}",
                fmt(when),
                amount,
                person_name(6000 + number, True),
                "Cá nhân",
                purposes[number % 4],
                "Chi theo quyết định của Ban Thường vụ",
            ]
        )
    return sheet


def awards_sheet() -> Sheet:
    """The year-end decision read out at the review conference on 08/12/2023: 19 collectives (the chapters)
    and 51 individuals commended with a certificate of merit."""
    sheet = Sheet(
        "awards",
        "khen-thuong-2023",
        [
            "Mã đơn vị lưu quyết định",
            "Số quyết định",
            "Ngày quyết định",
            "Dịp",
            "Hình thức",
            "Họ và tên",
            "Đối tượng",
            "Thành tích",
            "Mã chi hội",
        ],
    )
    head = [WARD, "25/QĐ-HKH", "08/12/2023", "Tổng kết năm", "Giấy khen"]
    for code, name, _host in chapters():
        sheet.rows.append([*head, name, "Tập thể", "Hoàn thành xuất sắc công tác khuyến học năm 2023", code])
    codes = [code for code, _n, _h in chapters()]
    for index in range(INDIVIDUALS):
        sheet.rows.append(
            [
                *head,
                person_name(9000 + index, index % 2 == 0),
                "Cá nhân",
                "Hội viên tiêu biểu năm 2023",
                codes[index % len(codes)],
            ]
        )
    return sheet


def sheets() -> tuple[list[Sheet], list[Sheet]]:
    """The files imported before the fund is opened, and those after (vouchers need an open fund)."""
    rng = random.Random(2023)
    before = [units_sheet(), baseline_sheet(), members_sheet(rng)]
    after = [transactions_sheet(rng), awards_sheet()]
    return before, after


def open_fund():
    """ "Quỹ → Mở quỹ mới": the ward's fund, its books starting in 2023 with the balance carried from 2022. There is
    no import format for opening a fund (docs/import-formats.md, «transactions»), so this is the screen's service."""
    from chapters.models import Unit
    from funds.services.books import fund_create

    ward = Unit.objects.get(code=WARD)
    return fund_create(unit=ward, name="Quỹ Khuyến học", opening_year=YEAR, opening_amount=OPENING_2023)
