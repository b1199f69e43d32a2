"""Demo members, households, clans and dues for `seed_demo` (contract in chapters/demo.py).

About 2,000 members spread over the demo chapters, with realistic Vietnamese names, joined over several years
(never before their chapter opened), some left in 2024 and 2025, a few moved between chapters, dues for 2024 and
2025, households of the residential chapters and the clans of the area. Written in bulk with history
(bulk_create_with_history), moves through the move service; summaries refreshed at the end. Idempotent: nothing
is written when the demo chapters already have members.
"""

import datetime

from simple_history.utils import bulk_create_with_history

from chapters.demo import DemoContext
from chapters.models import Unit
from chapters.services.periods import period_guard
from chapters.summaries import summaries_refresh

from .models import Clan, Due, Household, Member, MoveRequest
from .services import member_move, members_bulk_create

D = datetime.date
TOTAL = 2000
REASON = "Dữ liệu mẫu"

FAMILY = [
    ("Nguyễn", 32), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 3), ("Phan", 4), ("Vũ", 4),
    ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Đinh", 1),
    ("Trịnh", 1), ("Đào", 1), ("Mai", 1), ("Tạ", 1), ("Lương", 1),
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Thanh", "Công", "Đình", "Ngọc", "Tiến"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Bích", "Phương"]
GIVEN_MALE = [
    "An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long", "Minh",
    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung", "Tuấn",
    "Việt", "Vinh", "Đạt", "Bảo", "Tâm", "Lộc", "Thịnh",
]  # fmt: skip
GIVEN_FEMALE = [
    "Anh", "Ánh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hồng", "Huệ", "Hương", "Lan",
    "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thu",
    "Thủy", "Trang", "Uyên", "Vân", "Yến", "Đào",
]  # fmt: skip
OCCUPATIONS = ["Hưu trí", "Hưu trí", "Hưu trí", "Giáo viên", "Cán bộ", "Kinh doanh", "Công nhân", "Nội trợ", "Bác sĩ"]
STREETS = ["Trần Duy Hưng", "Cầu Giấy", "Nguyễn Khánh Toàn", "Hoàng Quốc Việt", "Trung Kính", "Yên Hòa", "Nghĩa Tân"]


def _name(rng, gender: str) -> str:
    family = rng.choices([f for f, _ in FAMILY], weights=[w for _, w in FAMILY])[0]
    if gender == Member.Gender.MALE:
        return f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def _day_between(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _phone(rng) -> str:
    prefix = rng.choice(["090", "091", "093", "094", "096", "097", "098", "086", "088", "035", "039"])
    number = f"{rng.randint(0, 9999999):07d}"
    return f"{prefix}{number[:1]} {number[1:4]} {number[4:]}"


def seed(ctx: DemoContext) -> None:
    chapters = list(ctx.chapters)
    if not chapters or Member.objects.filter(unit__in=chapters).exists():
        return
    rng, today = ctx.rng, ctx.today
    members: list[Member] = []
    per_chapter = {chapter.pk: 0 for chapter in chapters}
    weights = [3 if c.host == Unit.Host.RESIDENTIAL else 1 for c in chapters]
    card = 0
    for _ in range(TOTAL):
        unit = rng.choices(chapters, weights=weights)[0]
        per_chapter[unit.pk] += 1
        gender = Member.Gender.FEMALE if rng.random() < 0.56 else Member.Gender.MALE
        birth_year = rng.randint(1940, 2000)
        opened = max(unit.active_from or D(2010, 1, 1), D(2012, 1, 1))
        if opened >= D(2025, 1, 1) and rng.random() < 0.7:
            joined = opened  # the founding members of a chapter opened at the 2025 reform
        else:
            joined = _day_between(rng, max(opened, D(birth_year + 18, 1, 1)), today)
        left_on, left_reason = None, ""
        if joined < D(2024, 1, 1) and rng.random() < 0.08:
            left_on = _day_between(rng, D(2024, 1, 1), min(today, D(2025, 12, 31)))
            left_reason = rng.choice(Member.LeftReason.values)
        has_card = rng.random() < 0.7
        if has_card:
            card += 1
        member = Member(
            unit=unit,
            full_name=_name(rng, gender),
            gender=gender,
            birth_year=birth_year,
            phone=_phone(rng) if rng.random() < 0.8 else "",
            address=f"Số {rng.randint(1, 200)} phố {rng.choice(STREETS)}",
            occupation=rng.choice(OCCUPATIONS),
            joined_on=joined,
            left_on=left_on,
            left_reason=left_reason,
            party_member=rng.random() < (0.3 if birth_year < 1965 else 0.1),
            card_number=f"HN-{card:06d}" if has_card else "",
            card_issued_on=_day_between(rng, joined, min(today, joined + datetime.timedelta(days=365)))
            if has_card
            else None,
        )
        member.prepare()
        members.append(member)

    period_guard(
        {(m.unit, m.joined_on.year) for m in members} | {(m.unit, m.left_on.year) for m in members if m.left_on}
    )
    members_bulk_create(members, reason=REASON)
    clans, households = _households_and_clans(ctx, members)
    moved = _moves(ctx, members)
    dues = _dues(ctx, members)
    summaries_refresh(unit_ids=[c.pk for c in chapters], years=None, providers=["members"])
    ctx.log.append(
        f"Hội viên: {len(members)} hội viên, {households} hộ gia đình, {clans} dòng họ, {dues} lượt nộp hội phí, "
        f"{moved} lượt chuyển sinh hoạt."
    )


def _households_and_clans(ctx: DemoContext, members: list[Member]) -> tuple[int, int]:
    rng = ctx.rng
    clans: list[Clan] = []
    for chapter in ctx.chapters:
        if chapter.host == Unit.Host.CLAN:
            family = chapter.name.split()[-1]
            clans.append(
                Clan(
                    unit=chapter.parent,
                    name=f"Dòng họ {family} {rng.choice(['Văn', 'Đình', 'Đức', 'Công', 'Quang'])}",
                    representative=f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}",
                    address=f"Nhà thờ họ, phố {rng.choice(STREETS)}",
                    board=chapter,
                )
            )
    taken = {(clan.unit_id, clan.name) for clan in clans}
    for commune in ctx.communes:
        for family in rng.sample(["Nguyễn Hữu", "Trần Đình", "Lê Quang", "Phạm Văn", "Đỗ Xuân", "Vũ Công"], 2):
            if (commune.pk, f"Dòng họ {family}") in taken:
                continue  # names are unique in a commune: imports and title records find a clan by its name
            clans.append(
                Clan(
                    unit=commune,
                    name=f"Dòng họ {family}",
                    representative=f"{family} {rng.choice(GIVEN_MALE)}",
                    address=f"Phố {rng.choice(STREETS)}",
                )
            )
    for clan in clans:
        clan.prepare()
    bulk_create_with_history(clans, Clan, batch_size=500, default_change_reason=REASON)
    clans_by_commune: dict[int, list[Clan]] = {}
    for clan in clans:
        commune_id = clan.unit_id if clan.unit.kind == Unit.Kind.ASSOCIATION else clan.unit.parent_id
        clans_by_commune.setdefault(commune_id, []).append(clan)

    households: list[Household] = []
    owners: list[list[Member]] = []
    residential = {c.pk for c in ctx.chapters if c.host == Unit.Host.RESIDENTIAL}
    active = [m for m in members if m.unit_id in residential and m.left_on is None]
    rng.shuffle(active)
    index = 0
    while index < len(active):
        size = rng.choice([1, 1, 2, 2, 3])
        group = [m for m in active[index : index + size] if m.unit_id == active[index].unit_id]
        index += size
        head = group[0]
        family = head.full_name.split()[0]
        clan_choices = [c for c in clans_by_commune.get(head.unit.parent_id, []) if family in c.name]
        households.append(
            Household(
                unit=head.unit,
                code=f"H{len(households) + 1:05d}",
                head_name=head.full_name
                if rng.random() < 0.6
                else f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}",
                address=head.address,
                people=len(group) + rng.randint(1, 4),
                phone=head.phone,
                clan=clan_choices[0] if clan_choices else None,
            )
        )
        owners.append(group)
    for household in households:
        household.prepare()
    bulk_create_with_history(households, Household, batch_size=500, default_change_reason=REASON)
    linked = []
    for household, group in zip(households, owners, strict=True):
        for member in group:
            member.household = household
            linked.append(member)
    Member.objects.bulk_update(linked, ["household"], batch_size=500)
    return len(clans), len(households)


def _moves(ctx: DemoContext, members: list[Member]) -> int:
    """A few members moved between chapters of the same commune in 2024 and 2025, through the move service."""
    rng = ctx.rng
    by_commune: dict[int, list[Unit]] = {}
    for chapter in ctx.chapters:
        by_commune.setdefault(chapter.parent_id, []).append(chapter)
    moved = 0
    for member in rng.sample([m for m in members if m.left_on is None], 40):
        others = [c for c in by_commune.get(member.unit.parent_id, []) if c.pk != member.unit_id]
        start = max(member.joined_on + datetime.timedelta(days=30), D(2024, 1, 1))
        targets = [c for c in others if (c.active_from or D(2000, 1, 1)) <= start]
        if not targets or start >= ctx.today:
            continue
        member.refresh_from_db()
        member_move(member, to_unit=rng.choice(targets), on=_day_between(rng, start, ctx.today))
        moved += 1
    # One request waiting in the inbox of the demo chapter secretary, sent by the secretary of another ward.
    receiver, sender = ctx.users.get("thuky"), ctx.users.get("thuky_xa")
    to_unit = Unit.objects.filter(roles__user=receiver, level=Unit.Level.GRASSROOTS).first() if receiver else None
    sender_unit = Unit.objects.filter(roles__user=sender).first() if sender else None
    if to_unit is not None and sender_unit is not None:
        candidate = next(
            (m for m in members if m.left_on is None and m.unit.path.startswith(sender_unit.path)),
            None,
        )
        if candidate is not None:
            candidate.refresh_from_db()
            MoveRequest.objects.create(
                member=candidate,
                from_unit=candidate.unit,
                to_unit=to_unit,
                on=ctx.today,
                note="Gia đình chuyển về ở tổ dân phố mới.",
                requested_by=sender,
            )
    return moved


def _dues(ctx: DemoContext, members: list[Member]) -> int:
    rng = ctx.rng
    dues = []
    current = {m.pk: m.unit_id for m in Member.objects.filter(pk__in=[m.pk for m in members])}
    for member in members:
        for year, amount in ((2024, 50_000), (2025, 60_000)):
            start, end = D(year, 1, 1), D(year, 12, 31)
            if member.joined_on > end or (member.left_on and member.left_on <= start) or rng.random() > 0.82:
                continue
            paid_on = _day_between(rng, max(start, member.joined_on), min(end, ctx.today))
            dues.append(Due(member=member, unit_id=current[member.pk], year=year, amount=amount, paid_on=paid_on))
    units = {unit.pk: unit for unit in ctx.chapters}
    period_guard({(units[due.unit_id], due.year) for due in dues if due.unit_id in units})
    bulk_create_with_history(dues, Due, batch_size=1000, default_change_reason=REASON)
    return len(dues)
