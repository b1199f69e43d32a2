"""The shipped catalogue: national title types, their targets (Decision 387/QĐ-TTg) and criteria sets.

Installed by a data migration and by `manage.py load_title_types`; both only add what is missing, never
overwrite what an administrator has edited. Facts marked *(unconfirmed)* in domain.md are stored as editable
data with a note, never as rules in code.
"""

from decimal import Decimal

NATIONAL_ISSUER = "Trung ương Hội Khuyến học Việt Nam"
TARGET_BASIS = "Quyết định 387/QĐ-TTg ngày 25/3/2022 (chỉ tiêu đến năm 2025)"
UNCONFIRMED = (
    "Cấu trúc và số điểm chưa được đối chiếu với văn bản gốc: hãy sao chép bộ này và sửa theo văn bản "
    "đang áp dụng ở địa phương."
)

UNIT_BOARD_HOSTS = ["school", "agency", "enterprise"]

# code, name, subject kind, unit filters, years valid, denominator, national target %, order
TITLE_TYPES = [
    {
        "code": "gdht",
        "name": "Gia đình học tập",
        "subject_kind": "household",
        "years_valid": 1,
        "denominator": "baseline.households",
        "national_target": Decimal("70"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 10,
    },
    {
        "code": "dhht",
        "name": "Dòng họ học tập",
        "subject_kind": "clan",
        "years_valid": 1,
        "denominator": "baseline.clans",
        "national_target": Decimal("65"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 20,
    },
    {
        "code": "cdht-thon",
        "name": "Cộng đồng học tập cấp thôn",
        "subject_kind": "unit",
        "unit_kinds": ["chapter"],
        "unit_hosts": ["residential"],
        "years_valid": 1,
        "denominator": "baseline.residential_groups",
        "national_target": Decimal("65"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 30,
    },
    {
        "code": "cdht-xa",
        "name": "Cộng đồng học tập cấp xã",
        "subject_kind": "unit",
        "unit_kinds": ["association"],
        "unit_levels": ["commune"],
        "years_valid": 1,
        "denominator": "units.association.commune",
        "national_target": Decimal("65"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 40,
        "description": "Số năm hiệu lực và các mức theo thông tư của Bộ Giáo dục và Đào tạo (2023) (chưa đối chiếu).",
    },
    {
        "code": "dvht-xa",
        "name": "Đơn vị học tập cấp xã",
        "subject_kind": "unit",
        "unit_kinds": ["chapter", "board"],
        "unit_hosts": UNIT_BOARD_HOSTS,
        "parent_levels": ["commune"],
        "years_valid": 3,
        "denominator": "baseline.agencies",
        "national_target": Decimal("80"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 50,
    },
    {
        "code": "dvht-huyen",
        "name": "Đơn vị học tập cấp huyện",
        "subject_kind": "unit",
        "unit_kinds": ["chapter", "board"],
        "unit_hosts": UNIT_BOARD_HOSTS,
        "parent_levels": ["district"],
        "years_valid": 3,
        "denominator": "baseline.agencies",
        "national_target": Decimal("80"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 51,
    },
    {
        "code": "dvht-tinh",
        "name": "Đơn vị học tập cấp tỉnh",
        "subject_kind": "unit",
        "unit_kinds": ["chapter", "board"],
        "unit_hosts": UNIT_BOARD_HOSTS,
        "parent_levels": ["province"],
        "years_valid": 3,
        "denominator": "baseline.agencies",
        "national_target": Decimal("80"),
        "target_year": 2025,
        "target_basis": TARGET_BASIS,
        "order": 52,
    },
    {
        "code": "cdanht",
        "name": "Công dân học tập",
        "subject_kind": "person",
        "years_valid": 1,
        "denominator": "baseline.adults",
        "order": 60,
        "description": "Theo Quyết định 677/QĐ-TTg ngày 03/6/2022.",
    },
    # Older or local titles: no national target, recognised by the chapter's review without points.
    {"code": "gd-hieu-hoc", "name": "Gia đình hiếu học", "subject_kind": "household", "order": 110},
    {"code": "gd-tu-tai", "name": "Gia đình tú tài", "subject_kind": "household", "order": 111},
    {"code": "gd-cu-nhan", "name": "Gia đình cử nhân", "subject_kind": "household", "order": 112},
    {"code": "dh-hieu-hoc", "name": "Dòng họ hiếu học", "subject_kind": "clan", "order": 120},
    {"code": "dh-tien-tien", "name": "Dòng họ tiên tiến", "subject_kind": "clan", "order": 121},
    {
        "code": "kdc-khuyen-hoc",
        "name": "Khu dân cư khuyến học",
        "subject_kind": "unit",
        "unit_kinds": ["chapter"],
        "unit_hosts": ["residential"],
        "order": 130,
    },
]


def _four_criteria(children_label: str, adults_label: str, conditions: str, effects: str) -> list:
    return [
        ("1", children_label, 30, []),
        ("2", adults_label, 30, []),
        ("3", conditions, 20, []),
        ("4", effects, 20, []),
    ]


# (code, label, max points, [(sub code, label, max points), ...])
CRITERIA_SETS = [
    {
        "title": "gdht",
        "name": "Tiêu chí Gia đình học tập (Quyết định 448/QĐ-KHVN)",
        "basis": "Quyết định 448/QĐ-KHVN ngày 01/12/2015 của Trung ương Hội Khuyến học Việt Nam",
        "year_from": 2016,
        "threshold": Decimal("80"),
        "notes": (
            "Thang 100 điểm, 4 tiêu chí. Điểm tiêu chí 3 và 4 và ngưỡng công nhận (80 điểm) chưa được đối "
            "chiếu với văn bản gốc: hội tỉnh có thể sao chép bộ này và sửa theo văn bản của địa phương."
        ),
        "criteria": [
            (
                "1",
                "Học tập của trẻ em, học sinh trong gia đình",
                30,
                [
                    ("1.1", "Trẻ em trong độ tuổi đi học đều được đến trường", 10),
                    ("1.2", "Kết quả học tập và rèn luyện", 10),
                    ("1.3", "Ý thức, thái độ và tham gia hoạt động", 10),
                ],
            ),
            ("2", "Học tập của người lớn trong gia đình", 30, []),
            ("3", "Điều kiện học tập của gia đình", 20, []),
            ("4", "Hiệu quả của việc học tập", 20, []),
        ],
    },
    {
        "title": "dhht",
        "name": "Tiêu chí Dòng họ học tập",
        "basis": "Quyết định 448/QĐ-KHVN ngày 01/12/2015 (chưa đối chiếu)",
        "year_from": 2016,
        "threshold": Decimal("80"),
        "notes": UNCONFIRMED,
        "criteria": _four_criteria(
            "Phong trào học tập của con cháu trong dòng họ",
            "Học tập của người lớn trong dòng họ",
            "Điều kiện học tập: quỹ khuyến học, tủ sách, ban khuyến học của dòng họ",
            "Hiệu quả: gia đình học tập trong dòng họ, thành tích học tập",
        ),
    },
    {
        "title": "cdht-thon",
        "name": "Tiêu chí Cộng đồng học tập cấp thôn, tổ dân phố",
        "basis": "Quyết định 448/QĐ-KHVN ngày 01/12/2015 (chưa đối chiếu)",
        "year_from": 2016,
        "threshold": Decimal("80"),
        "notes": UNCONFIRMED,
        "criteria": _four_criteria(
            "Tổ chức, chỉ đạo xây dựng cộng đồng học tập",
            "Phong trào học tập của người dân",
            "Điều kiện học tập của cộng đồng",
            "Hiệu quả: gia đình học tập, dòng họ học tập, đời sống của cộng đồng",
        ),
    },
    {
        "title": "cdht-xa",
        "name": "Tiêu chí Cộng đồng học tập cấp xã (mức 1, mức 2)",
        "basis": "Thông tư của Bộ Giáo dục và Đào tạo năm 2023 (chưa đối chiếu)",
        "year_from": 2024,
        "threshold": Decimal("70"),
        "level1_threshold": Decimal("70"),
        "level2_threshold": Decimal("85"),
        "notes": UNCONFIRMED,
        "criteria": [
            ("1", "Công tác tổ chức, quản lý, chỉ đạo", 25, []),
            ("2", "Điều kiện bảo đảm cho hoạt động học tập", 25, []),
            ("3", "Kết quả thực hiện học tập suốt đời", 50, []),
        ],
    },
    {
        "title": "dvht-xa",
        "name": "Tiêu chí Đơn vị học tập (mức 1, mức 2)",
        "basis": "Thông tư 24/2023/TT-BGDĐT (chưa đối chiếu)",
        "year_from": 2024,
        "threshold": Decimal("70"),
        "level1_threshold": Decimal("70"),
        "level2_threshold": Decimal("85"),
        "notes": UNCONFIRMED,
        "criteria": [
            ("1", "Lãnh đạo, chỉ đạo và tổ chức học tập", 30, []),
            ("2", "Điều kiện bảo đảm cho học tập", 20, []),
            ("3", "Kết quả học tập của cán bộ, người lao động", 50, []),
        ],
    },
    {
        "title": "dvht-huyen",
        "same_as": "dvht-xa",
    },
    {
        "title": "dvht-tinh",
        "same_as": "dvht-xa",
    },
    {
        "title": "cdanht",
        "name": "Tiêu chí Công dân học tập",
        "basis": "Quyết định 677/QĐ-TTg ngày 03/6/2022 (chưa đối chiếu)",
        "year_from": 2023,
        "threshold": Decimal("70"),
        "notes": UNCONFIRMED,
        "criteria": [
            ("1", "Ý thức học tập suốt đời", 30, []),
            ("2", "Kỹ năng số, ngoại ngữ, kỹ năng sống", 30, []),
            ("3", "Vận dụng kết quả học tập vào công việc, đời sống", 40, []),
        ],
    },
]
LOCAL_TITLE_YEAR = 2010
LOCAL_TITLE_NOTE = "Danh hiệu cũ hoặc riêng của địa phương: công nhận theo bình xét của chi hội, không chấm điểm."


def install(TitleType, CriteriaSet, Criterion) -> dict[str, int]:
    """Add the missing title types and their first criteria sets. Takes the model classes, so that a data
    migration can pass its historical models. Returns what was created."""
    created = {"title_types": 0, "criteria_sets": 0}
    types = {}
    for spec in TITLE_TYPES:
        fields = {key: value for key, value in spec.items() if key != "code"}
        title, made = TitleType.objects.get_or_create(code=spec["code"], defaults=fields)
        types[spec["code"]] = title
        created["title_types"] += made
    specs = {spec["title"]: spec for spec in CRITERIA_SETS}
    for code, title in types.items():
        if CriteriaSet.objects.filter(title_type=title).exists():
            continue
        spec = specs.get(code)
        if spec and "same_as" in spec:
            spec = {**specs[spec["same_as"]], "title": code}
        if spec is None:
            spec = {"name": f"Tiêu chí {title.name}", "year_from": LOCAL_TITLE_YEAR, "notes": LOCAL_TITLE_NOTE}
        criteria_set = CriteriaSet.objects.create(
            title_type=title,
            name=spec["name"].replace("Đơn vị học tập", title.name) if code.startswith("dvht") else spec["name"],
            issuer_name=NATIONAL_ISSUER,
            basis=spec.get("basis", ""),
            year_from=spec["year_from"],
            threshold=spec.get("threshold"),
            level1_threshold=spec.get("level1_threshold"),
            level2_threshold=spec.get("level2_threshold"),
            notes=spec.get("notes", ""),
        )
        created["criteria_sets"] += 1
        order = 0
        for top_code, label, points, items in spec.get("criteria", []):
            order += 1
            top = Criterion.objects.create(
                criteria_set=criteria_set, code=top_code, label=label, max_points=Decimal(points), order=order
            )
            for item_code, item_label, item_points in items:
                order += 1
                Criterion.objects.create(
                    criteria_set=criteria_set,
                    parent=top,
                    code=item_code,
                    label=item_label,
                    max_points=Decimal(item_points),
                    order=order,
                )
    return created


# Added with the validity years of targets and the "recognition only" sets (issue #13): kept apart from
# `install`, which the first data migration runs with models that do not have these fields yet.
TARGET_FROM_YEAR = 2022  # Decision 387/QĐ-TTg was signed on 25/03/2022: no national target before that year
FIRST_YEAR = 1990  # the earliest year the application takes (chapters.models.figures.YEAR_VALIDATORS)
RECOGNITION_ONLY_BASIS = "Số liệu các năm trước khi có bộ tiêu chí trên phần mềm"
RECOGNITION_ONLY_NOTE = (
    "Bộ «chỉ ghi nhận công nhận»: hồ sơ của các năm này ghi đăng ký, bình xét và quyết định công nhận, không có "
    "điểm từng tiêu chí, để nhập được số liệu cũ."
)


def install_target_years(TitleType) -> int:
    """The shipped national targets are in force from the year of their decision to the year they are to be
    reached. Only fills an empty year, never overwrites one an administrator set."""
    return TitleType.objects.filter(
        target_basis=TARGET_BASIS, national_target__isnull=False, target_from_year__isnull=True
    ).update(target_from_year=TARGET_FROM_YEAR)


def install_recognition_only(TitleType, CriteriaSet) -> int:
    """For each title type, a national "recognition only" set for the years before its earliest set, so that
    back data of those years can be recorded. Sets without criteria (local titles) are marked as such."""
    created = 0
    CriteriaSet.objects.filter(criteria__isnull=True, recognition_only=False).update(recognition_only=True)
    # The shipped sets of local titles (no criteria, from 2010) simply reach back to the first year.
    CriteriaSet.objects.filter(
        recognition_only=True, issuer__isnull=True, notes=LOCAL_TITLE_NOTE, year_from=LOCAL_TITLE_YEAR
    ).update(year_from=FIRST_YEAR)
    for title in TitleType.objects.all():
        first = CriteriaSet.objects.filter(title_type=title).order_by("year_from").values_list("year_from", flat=True)
        first = first.first()
        if first is None or first <= FIRST_YEAR:
            continue
        if CriteriaSet.objects.filter(title_type=title, recognition_only=True, year_from__lt=first).exists():
            continue
        CriteriaSet.objects.create(
            title_type=title,
            name=f"{title.name}: chỉ ghi nhận công nhận (trước năm {first})",
            issuer_name=NATIONAL_ISSUER,
            basis=RECOGNITION_ONLY_BASIS,
            year_from=FIRST_YEAR,
            year_until=first - 1,
            recognition_only=True,
            notes=RECOGNITION_ONLY_NOTE,
        )
        created += 1
    return created
