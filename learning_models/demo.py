"""Demo titles and classes for `seed_demo` (contract in chapters/demo.py).

Two yearly cycles (2024 and 2025) for the demo wards: households register as learning families (most of them),
clans as learning clans, residential chapters as learning communities, schools and agencies as learning units
(a 3-year title, recognised in 2024 and held in 2025 and 2026), each ward as a commune-level community. Scores
are entered, chapters review, the wards propose, the People's Committee recognises by a numbered decision and
refuses a few with a reason. A cycle whose year has not ended stops at the step its date allows. Registrations
for the current year are started too when it is later than 2025. Each ward's community learning centre holds a
few classes a year.

Everything goes through the services (history, closed-period guard, summaries). Idempotent: nothing is written
when a demo unit already has a title record.
"""

import datetime

from chapters.demo import DemoContext
from chapters.models import Unit
from learning_models.models import LearningClass, TitleRecord, TitleType
from learning_models.services.catalogue import CriteriaSetResolver
from learning_models.services.classes import class_save
from learning_models.services.records import (
    ScoreEntry,
    record_refuse,
    records_insert,
    records_propose,
    records_recognise,
    records_review,
    records_score,
)

D = datetime.date
REASON = "Dữ liệu mẫu"
YEARS = [2024, 2025]
TOPICS = [
    ("Tin học cơ bản cho người cao tuổi", 6),
    ("Phòng chống lừa đảo qua mạng", 1),
    ("Kỹ năng sơ cấp cứu trong gia đình", 2),
    ("Tiếng Anh giao tiếp cho thiếu nhi", 10),
    ("Pháp luật về đất đai và hôn nhân gia đình", 1),
    ("Chăm sóc sức khỏe người cao tuổi", 2),
    ("Nuôi dạy con theo khoa học", 3),
    ("Sử dụng dịch vụ công trực tuyến", 2),
    ("Phân loại rác thải tại nguồn", 1),
]
PARTICIPANTS = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Mai", "Phạm Văn Nam", "Hoàng Thị Thu", "Vũ Đức Minh"]


def seed(ctx: DemoContext) -> None:
    communes = [c for c in ctx.communes if c is not None]
    if not communes:
        return
    paths = [commune.path for commune in communes]
    if any(TitleRecord.objects.filter(unit__path__startswith=path).exists() for path in paths):
        return
    years = [year for year in YEARS if year <= ctx.today.year]
    if ctx.today.year > YEARS[-1]:
        years.append(ctx.today.year)
    counts = {"records": 0, "recognised": 0, "classes": 0}
    for year in years:
        records = _register(ctx, communes, year)
        counts["records"] += len(records)
        counts["recognised"] += _cycle(ctx, communes, year, records)
        counts["classes"] += _classes(ctx, communes, year)
    ctx.log.append(
        f"Danh hiệu học tập: {counts['records']} hồ sơ đăng ký ({', '.join(map(str, years))}), "
        f"{counts['recognised']} được công nhận; {counts['classes']} lớp học cộng đồng."
    )


def _open_in(unit: Unit, year: int) -> bool:
    return (unit.active_from is None or unit.active_from.year <= year) and (
        unit.active_until is None or unit.active_until.year >= year
    )


def _register(ctx: DemoContext, communes: list[Unit], year: int) -> list[TitleRecord]:
    """Most households, clans, residential chapters; units and wards every third year (their titles last)."""
    from members.models import Clan, Household

    rng = ctx.rng
    types = {t.code: t for t in TitleType.objects.filter(code__in=["gdht", "dhht", "cdht-thon", "cdht-xa", "dvht-xa"])}
    resolver = CriteriaSetResolver()
    day = D(year, 1, 15) if ctx.today >= D(year, 1, 15) else ctx.today
    records: list[TitleRecord] = []

    def add(title_type, unit, **subject):
        criteria_set = resolver.resolve(title_type, unit, year)
        if criteria_set is None:
            return
        records.append(
            TitleRecord(
                title_type=title_type,
                year=year,
                criteria_set=criteria_set,
                unit=unit,
                registered_on=day,
                subject_name=_name(subject),
                **subject,
            )
        )

    chapters = [c for c in ctx.chapters if _open_in(c, year)]
    residential = [c for c in chapters if c.host == Unit.Host.RESIDENTIAL]
    for household in Household.objects.filter(unit__in=residential).select_related("unit").order_by("pk"):
        if rng.random() < 0.85:
            add(types["gdht"], household.unit, household=household)
    paths = tuple(commune.path for commune in communes)
    for clan in Clan.objects.select_related("unit").order_by("pk"):
        if clan.unit.path.startswith(paths) and rng.random() < 0.8:
            add(types["dhht"], clan.unit, clan=clan)
    for chapter in residential:
        add(types["cdht-thon"], chapter, subject_unit=chapter)
    if year == YEARS[0] or year - YEARS[0] >= types["dvht-xa"].years_valid:
        for chapter in chapters:
            if types["dvht-xa"].applies_to_unit(chapter):
                add(types["dvht-xa"], chapter, subject_unit=chapter)
    for commune in communes:
        if _open_in(commune, year):
            add(types["cdht-xa"], commune, subject_unit=commune)
    return records_insert(records, reason=REASON)


def _name(subject: dict) -> str:
    if "household" in subject:
        return subject["household"].head_name
    if "clan" in subject:
        return subject["clan"].name
    return subject["subject_unit"].display_name


def _scores(rng, record: TitleRecord, rules) -> dict:
    """Points per criterion: mostly good families, a few below the threshold."""
    strong = rng.random() < 0.88
    scores = {}
    for code, leaf in rules.leaves.items():
        top = float(leaf.max_points)
        share = rng.uniform(0.82, 1.0) if strong else rng.uniform(0.45, 0.8)
        scores[code] = max(0, min(top, round(top * share * 2) / 2))
    return scores


def _cycle(ctx: DemoContext, communes: list[Unit], year: int, records: list[TitleRecord]) -> int:
    """Take this year's records as far as the date allows: scores, review, proposal, decision."""
    from learning_models.scoring import RulesCache

    rng, today = ctx.rng, ctx.today
    if today < D(year, 10, 1):
        return 0
    records = list(
        TitleRecord.objects.filter(pk__in=[r.pk for r in records]).select_related("unit", "title_type", "criteria_set")
    )
    rules = RulesCache()
    entries = [
        ScoreEntry(record, _scores(rng, record, rules.get_rules(record.criteria_set)), "Tự chấm theo phiếu")
        for record in records
        if rng.random() < 0.95
    ]
    records_score(entries, reason=REASON)
    scored = [entry.record for entry in entries]
    if today < D(year, 12, 10):
        return 0
    records_review(scored, review_date=D(year, 12, 5), note="Biên bản họp bình xét chi hội", actor=None)
    good = [r for r in scored if not rules.get_rules(r.criteria_set).shortfalls(r.scores)]
    recognised = 0
    if today < D(year, 12, 20):
        return 0
    for number, commune in enumerate(communes, start=1):
        mine = [r for r in good if r.unit.path.startswith(commune.path) or r.unit_id == commune.pk]
        if not mine:
            continue
        records_propose(mine, proposed_on=D(year, 12, 12))
        refused = [r for r in mine if r.title_type.code == "gdht"][:2]
        for record in refused:
            record_refuse(record, reason="Có con bỏ học trong năm; chưa đủ điều kiện", actor=None)
        chosen = [r for r in mine if r not in refused]
        if chosen:
            records_recognise(
                chosen,
                decision_number=f"{40 + number}/QĐ-UBND",
                decision_date=D(year, 12, 20),
                decision_issuer=f"UBND {commune.name[:1].lower()}{commune.name[1:]}",
            )
            recognised += len(chosen)
    return recognised


def _classes(ctx: DemoContext, communes: list[Unit], year: int) -> int:
    rng, count = ctx.rng, 0
    for commune in communes:
        for topic, sessions in rng.sample(TOPICS, 5):
            starts = D(year, rng.randint(1, 11), rng.randint(1, 28))
            if starts > ctx.today:
                continue
            lesson = LearningClass(
                unit=commune,
                topic=topic,
                starts_on=starts,
                ends_on=starts + datetime.timedelta(days=7 * (sessions - 1)) if sessions > 1 else starts,
                sessions=sessions,
                attendances=0 if sessions == 1 else rng.randint(20, 60) * sessions,
                place="Trung tâm học tập cộng đồng",
            )
            if lesson.ends_on.year != year:
                lesson.ends_on = D(year, 12, 31)
            names = rng.sample(PARTICIPANTS, 4) if sessions == 1 else None
            class_save(lesson, participants=names)
            count += 1
    return count
