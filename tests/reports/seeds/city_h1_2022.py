"""Seed 001: Hội Khuyến học thành phố Sơn La, interim review of the first half of 2022 (shared/seeds/001_*.txt).

The tree before the 2025 reform: Tỉnh Sơn La → Thành phố Sơn La (a district-level city) → 15 commune
associations → 188 chapters (140 residential, 48 schools) and 33 boards in agencies and enterprises. The twelve
first communes bear the city's ward and commune names of 2022; the last three are named for the test.

Where the article rounds, the data is exact: "gần 34.000 hội viên" → 33.912; "trên 1.600 học viên" → 1.648
attendances in 31 classes; "trên 12.000 lượt học sinh" → 12.184 students and 615 teachers rewarded with
496.750.000 đồng ("gần 500 triệu đồng"). Every row is imported: nothing is scaled down.
"""

import datetime
import random

from . import Sheet, fmt, person_name, split

PROVINCE, CITY = "14", "116"
YEAR = 2022

COMMUNES = [
    ("Phường Chiềng Lề", "phường"),
    ("Phường Tô Hiệu", "phường"),
    ("Phường Quyết Thắng", "phường"),
    ("Phường Quyết Tâm", "phường"),
    ("Phường Chiềng Cơi", "phường"),
    ("Phường Chiềng Sinh", "phường"),
    ("Phường Chiềng An", "phường"),
    ("Xã Chiềng Cọ", "xã"),
    ("Xã Chiềng Đen", "xã"),
    ("Xã Chiềng Xôm", "xã"),
    ("Xã Chiềng Ngần", "xã"),
    ("Xã Hua La", "xã"),
    ("Xã Bản Mòng", "xã"),
    ("Xã Bản Hậu", "xã"),
    ("Xã Nà Cài", "xã"),
]
RESIDENTIAL, SCHOOLS = 140, 48
AGENCY_BOARDS, ENTERPRISE_BOARDS = 20, 13
CHAPTERS, BOARDS = RESIDENTIAL + SCHOOLS, AGENCY_BOARDS + ENTERPRISE_BOARDS  # 188, 33

MEMBERS_H1 = 33_912  # members on 30/06/2022
JOINED_H1 = 1_208  # joined between 01/01 and 30/06/2022
LEFT_H1 = 167  # left in the same half-year
MEMBERS_H1_2021 = MEMBERS_H1 - JOINED_H1 + LEFT_H1  # 32.871 on 30/06/2021 (everyone else joined by 2020)
POPULATION = 107_340  # the 2022 baseline, summed over the communes
HOUSEHOLDS_TOTAL = 24_850
CLANS_TOTAL = 21

FAMILIES = 20_576  # households registered for "Gia đình học tập"
CLANS = 17
LEARNING_COMMUNES = 12
LEARNING_UNITS = 76
CLASSES, ATTENDANCES = 31, 1_648
TEACHERS, STUDENTS = 615, 12_184
TEACHER_REWARD = 200_000
REWARDS_TOTAL = 496_750_000


def commune_code(index: int) -> str:
    return f"{CITY}-{index:02d}"


def _units() -> list[dict]:
    """The chapters and boards, spread over the communes as unevenly as real ones."""
    rng = random.Random(116)
    residential = split(RESIDENTIAL, len(COMMUNES), rng, minimum=5)
    schools = split(SCHOOLS, len(COMMUNES), rng, minimum=2)
    agencies = split(AGENCY_BOARDS, len(COMMUNES), rng, minimum=1)
    enterprises = split(ENTERPRISE_BOARDS, len(COMMUNES), rng, minimum=0)
    school_words = ["Trường Tiểu học", "Trường THCS", "Trường Tiểu học và THCS", "Trường THPT"]
    agency_words = ["UBND", "Trạm Y tế", "Công an", "Chi cục Thuế khu vực", "Ngân hàng Chính sách xã hội"]
    units = []
    for index, (name, _division) in enumerate(COMMUNES, start=1):
        short = name.split(" ", 1)[1]
        village = "tổ dân phố" if name.startswith("Phường") else "bản"
        below = [
            (f"Chi hội {village} {n} {short}", "Khu dân cư", "Chi hội") for n in range(1, residential[index - 1] + 1)
        ]
        below += [
            (f"Chi hội {school_words[n % 4]} {short}{'' if n < 4 else f' số {n // 4 + 1}'}", "Trường học", "Chi hội")
            for n in range(schools[index - 1])
        ]
        below += [
            (f"Ban khuyến học {agency_words[n % 5]} {short}{'' if n < 5 else f' {n // 5 + 1}'}", "Cơ quan", "Ban")
            for n in range(agencies[index - 1])
        ]
        below += [
            (f"Ban khuyến học Công ty Cổ phần {short} {n + 1}", "Doanh nghiệp", "Ban")
            for n in range(enterprises[index - 1])
        ]
        parent = commune_code(index)
        for number, (unit_name, host, kind) in enumerate(below, start=1):
            units.append(
                {
                    "code": f"{parent}-{number:02d}",
                    "name": unit_name,
                    "host": host,
                    "kind": kind,
                    "parent": parent,
                    "commune": short,
                }
            )
    return units


UNITS = _units()


def units_of(host: str) -> list[dict]:
    return [unit for unit in UNITS if unit["host"] == host]


def units_sheet() -> Sheet:
    sheet = Sheet(
        "units",
        "to-chuc-hoi",
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Loại",
            "Cấp",
            "Nơi tổ chức",
            "Loại đơn vị hành chính",
            "Mã đơn vị cấp trên",
            "Hoạt động từ",
        ],
    )
    sheet.rows += [
        [PROVINCE, "Tỉnh Sơn La", "Hội Khuyến học", "Tỉnh", "", "tỉnh", "", "01/01/1997"],
        [CITY, "Thành phố Sơn La", "Hội Khuyến học", "Huyện", "", "thành phố", PROVINCE, "01/01/2008"],
    ]
    for index, (name, division) in enumerate(COMMUNES, start=1):
        sheet.rows.append([commune_code(index), name, "Hội Khuyến học", "Xã", "", division, CITY, "01/01/2008"])
    for unit in UNITS:
        sheet.rows.append(
            [unit["code"], unit["name"], unit["kind"], "Cơ sở", unit["host"], "", unit["parent"], "01/09/2010"]
        )
    return sheet


def baseline_sheet() -> Sheet:
    rng = random.Random(2022)
    sheet = Sheet(
        "baseline",
        "so-lieu-nen-2022",
        ["Mã đơn vị", "Tên đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số dòng họ", "Số cơ quan, đơn vị, trường học"],
    )
    population = split(POPULATION, len(COMMUNES), rng, minimum=3000)
    households = split(HOUSEHOLDS_TOTAL, len(COMMUNES), rng, minimum=700)
    clans = split(CLANS_TOTAL, len(COMMUNES), rng, minimum=1)
    for index, (name, _division) in enumerate(COMMUNES, start=1):
        agencies = sum(1 for u in UNITS if u["commune"] == name.split(" ", 1)[1] and u["host"] != "Khu dân cư")
        sheet.rows.append(
            [commune_code(index), name, YEAR, population[index - 1], households[index - 1], clans[index - 1], agencies]
        )
    return sheet


def members_sheet() -> Sheet:
    """Everyone who was a member by 30/06/2022: 1.208 joined in the half-year, 167 left in it."""
    rng = random.Random(33912)
    sheet = Sheet(
        "members",
        "hoi-vien",
        [
            "Mã chi hội",
            "Họ và tên",
            "Giới tính",
            "Năm sinh",
            "Dân tộc",
            "Ngày vào hội",
            "Số thẻ hội viên",
            "Ngày ra hội",
            "Lý do ra hội",
        ],
        fmt="csv",
    )
    total = MEMBERS_H1 + LEFT_H1
    counts = split(total, len(UNITS), rng, minimum=60)
    people = [unit["code"] for unit, count in zip(UNITS, counts, strict=True) for _ in range(count)]
    rng.shuffle(people)
    ethnicities = ["Thái", "Kinh", "Kinh", "Mường", "H'Mông"]
    for index, code in enumerate(people):
        female = index % 2 == 0
        if index < JOINED_H1:
            joined = datetime.date(YEAR, rng.randint(1, 6), rng.randint(1, 28))
        else:
            joined = datetime.date(rng.randint(2010, 2020), rng.randint(1, 12), rng.randint(1, 28))
        left = reason = ""
        if JOINED_H1 <= index < JOINED_H1 + LEFT_H1:
            left, reason = fmt(datetime.date(YEAR, rng.randint(1, 6), rng.randint(1, 28))), "Chuyển đi nơi khác"
        sheet.rows.append(
            [
                code,
                person_name(index, female),
                "Nữ" if female else "Nam",
                rng.randint(1950, 2000),
                ethnicities[index % 5],
                fmt(joined),
                f"SL-{index + 1:06d}",
                left,
                reason,
            ]
        )
    return sheet


def households_sheet() -> Sheet:
    """The 20.576 households of the residential chapters that registered (households that did not are left out:
    the population registers the rest)."""
    rng = random.Random(20576)
    sheet = Sheet("households", "ho-gia-dinh", ["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu"], fmt="csv")
    residential = units_of("Khu dân cư")
    counts = split(FAMILIES, len(residential), rng, minimum=60)
    index = 0
    for unit, count in zip(residential, counts, strict=True):
        for n in range(1, count + 1):
            sheet.rows.append(
                [
                    unit["code"],
                    f"H{n:04d}",
                    person_name(index, index % 3 == 0),
                    f"Số {n}, {unit['name'].removeprefix('Chi hội ')}",
                    rng.randint(2, 7),
                ]
            )
            index += 1
    return sheet


def clans_sheet() -> Sheet:
    sheet = Sheet("clans", "dong-ho", ["Mã đơn vị", "Tên dòng họ", "Người đại diện"])
    residential = units_of("Khu dân cư")
    families = [
        "Lò Văn",
        "Cầm Bá",
        "Lường Văn",
        "Quàng Văn",
        "Tòng Văn",
        "Hoàng Văn",
        "Vì Văn",
        "Điêu Chính",
        "Bạc Cầm",
        "Nguyễn Đình",
        "Trần Văn",
        "Lê Quang",
        "Phạm Hữu",
        "Đỗ Đức",
        "Hà Văn",
        "Mè Văn",
        "Lừ Văn",
    ]
    for index, family in enumerate(families[:CLANS]):
        unit = residential[index * 7]
        sheet.rows.append([unit["code"], f"Dòng họ {family}", f"{family} {['Thanh', 'Hùng', 'Sơn'][index % 3]}"])
    return sheet


def registered_on(rng: random.Random) -> str:
    return fmt(datetime.date(YEAR, rng.randint(1, 3), rng.randint(1, 28)))


def family_titles_sheet(households: Sheet) -> Sheet:
    rng = random.Random(387)
    sheet = Sheet(
        "titles", "dang-ky-gia-dinh-hoc-tap", ["Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Ngày đăng ký"], fmt="csv"
    )
    for unit_code, household_code, *_rest in households.rows:
        sheet.rows.append([unit_code, "Gia đình học tập", YEAR, household_code, registered_on(rng)])
    return sheet


def other_titles_sheet(clans: Sheet) -> Sheet:
    """Clans, communes (commune-level learning community) and schools, agencies, enterprises (learning units)."""
    rng = random.Random(448)
    sheet = Sheet("titles", "dang-ky-danh-hieu-khac", ["Mã chi hội", "Danh hiệu", "Năm", "Tên", "Ngày đăng ký"])
    for unit_code, clan_name, _representative in clans.rows:
        sheet.rows.append([unit_code, "Dòng họ học tập", YEAR, clan_name, registered_on(rng)])
    for index in range(1, LEARNING_COMMUNES + 1):
        sheet.rows.append([commune_code(index), "cdht-xa", YEAR, "", registered_on(rng)])
    candidates = [u for u in UNITS if u["host"] in ("Trường học", "Cơ quan", "Doanh nghiệp")]
    assert len(candidates) >= LEARNING_UNITS
    for unit in candidates[:LEARNING_UNITS]:
        sheet.rows.append([unit["code"], "Đơn vị học tập cấp xã", YEAR, "", registered_on(rng)])
    return sheet


def classes_sheet() -> Sheet:
    rng = random.Random(31)
    sheet = Sheet(
        "classes",
        "lop-hoc-cong-dong",
        ["Mã đơn vị", "Chủ đề, nội dung", "Ngày bắt đầu", "Ngày kết thúc", "Số buổi", "Số lượt người"],
    )
    topics = [
        "Kỹ thuật trồng cà phê",
        "Chăn nuôi bò sinh sản",
        "Tin học cho người cao tuổi",
        "Pháp luật về đất đai",
        "Trồng xoài, nhãn ghép",
        "Phòng chống dịch bệnh",
        "Tiếng Thái cho cán bộ",
        "Nghề thêu thổ cẩm",
    ]
    attendances = split(ATTENDANCES, CLASSES, rng, minimum=25)
    for index in range(CLASSES):
        start = datetime.date(YEAR, 2 + index * 4 // CLASSES, 1 + (index * 3) % 26)
        sheet.rows.append(
            [
                commune_code(index % len(COMMUNES) + 1),
                f"{topics[index % 8]} (lớp {index + 1})",
                fmt(start),
                fmt(start + datetime.timedelta(days=2)),
                rng.randint(2, 6),
                attendances[index],
            ]
        )
    return sheet


def awards_sheet() -> Sheet:
    """The school chapters' decisions at the end of the school year: 615 teachers at 200.000 đồng, 12.184
    students at 20.000–50.000 đồng; 496.750.000 đồng in all."""
    rng = random.Random(12184)
    sheet = Sheet(
        "awards",
        "khen-thuong-cuoi-nam-hoc",
        [
            "Mã đơn vị lưu quyết định",
            "Số quyết định",
            "Ngày quyết định",
            "Dịp",
            "Hình thức",
            "Họ và tên",
            "Đối tượng",
            "Trường, đơn vị",
            "Lớp, môn",
            "Thành tích",
            "Số tiền",
        ],
        fmt="csv",
    )
    schools = units_of("Trường học")
    teachers = split(TEACHERS, len(schools), rng, minimum=5)
    students = split(STUDENTS, len(schools), rng, minimum=100)
    student_money = REWARDS_TOTAL - TEACHERS * TEACHER_REWARD
    amounts = [units * 10_000 for units in split(student_money // 10_000, STUDENTS, rng, minimum=2)]
    assert max(amounts) <= 50_000 and sum(amounts) == student_money
    index = 0
    for number, (school, n_teachers, n_students) in enumerate(zip(schools, teachers, students, strict=True), 1):
        head = [school["code"], f"{number:02d}/QĐ-CHKH", "27/05/2022", "Cuối năm học", "Thưởng tiền"]
        school_name = school["name"].removeprefix("Chi hội ")
        for t in range(n_teachers):
            sheet.rows.append(
                [
                    *head,
                    person_name(40_000 + index, t % 3 != 0),
                    "Nhà giáo",
                    school_name,
                    ["Toán", "Ngữ văn", "Tiếng Anh", "Vật lý"][t % 4],
                    "Giáo viên dạy giỏi",
                    TEACHER_REWARD,
                ]
            )
            index += 1
        for s in range(n_students):
            grade = f"{6 + s % 4}{'ABCD'[s // 4 % 4]}"
            sheet.rows.append(
                [
                    *head,
                    person_name(index, s % 2 == 0),
                    "Học sinh",
                    school_name,
                    grade,
                    "Học sinh giỏi năm học 2021-2022",
                    amounts.pop(),
                ]
            )
            index += 1
    return sheet


def adopt_criteria() -> None:
    """The shipped national criteria for commune-level learning communities and learning units start in 2024 (the
    2023 MOET circulars); for 2021–2023 the province issues its own, copied from the national ones on the screen
    «Danh hiệu, bộ tiêu chí → Sao chép» (there is no import format for criteria sets). Without a set, 2022
    registrations of these titles are refused."""
    from chapters.models import Unit
    from learning_models.models import CriteriaSet
    from learning_models.services.catalogue import criteria_set_copy

    province = Unit.objects.get(code=PROVINCE)
    for code in ("cdht-xa", "dvht-xa"):
        national = CriteriaSet.objects.filter(title_type__code=code, issuer__isnull=True).order_by("year_from").first()
        criteria_set_copy(source=national, issuer=province, name="", year_from=2021, year_until=2023)


def sheets() -> tuple[list[Sheet], list[Sheet]]:
    """The files imported before the province adopts its criteria sets (adopt_criteria), and those after."""
    households = households_sheet()
    clans = clans_sheet()
    before = [units_sheet(), baseline_sheet(), members_sheet(), households, clans]
    after = [family_titles_sheet(households), other_titles_sheet(clans), classes_sheet(), awards_sheet()]
    return before, after
