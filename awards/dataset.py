"""Synthetic awards for `generate_dataset` (contract in chapters/dataset.py): 100,000 recipients a year at
province scale (a few hundred at ward scale), spread over the communes' year-end, scholarship and study-day
decisions, counted at the chapters.

Decisions go through bulk_create_with_history; recipients, being many, are loaded with PostgreSQL's COPY together
with their history rows (ids reserved from the sequence first), or with bulk_create_with_history elsewhere.
Payments are not generated (they need fund vouchers): every amount is "decided, not yet paid".
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from awards.models import Decision, Recipient
from chapters.dataset import DatasetContext
from chapters.models import ClosedPeriod, Unit
from chapters.services.periods import period_guard
from chapters.summaries import summaries_refresh
from core.text import fold, sort_key

PER_YEAR = {"province": 100_000, "ward": 400}
REASON = "lệnh: generate_dataset"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Dương", "Lý", "Mai", "Trịnh"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thu", "Đức", "Gia", "Bảo", "Khánh", "Thanh", "Hoài", "Quang"]
GIVEN = [
    "An", "Anh", "Bảo", "Bình", "Châu", "Chi", "Dũng", "Duy", "Đạt", "Giang", "Hà", "Hải", "Hân", "Hằng", "Hiếu",
    "Hoa", "Huy", "Khang", "Khôi", "Lan", "Linh", "Long", "Mai", "Minh", "My", "Nam", "Ngân", "Ngọc", "Nhi",
    "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Uyên", "Vy", "Yến",
]  # fmt: skip
ACHIEVEMENTS = [
    "Học sinh giỏi cấp tỉnh",
    "Học sinh giỏi cấp huyện",
    "Học sinh xuất sắc",
    "Học sinh vượt khó học giỏi",
    "Đỗ thủ khoa đại học",
]
TEACHER_ACHIEVEMENTS = ["Giáo viên dạy giỏi", "Bồi dưỡng học sinh giỏi", "Nhà giáo tận tụy"]
COLLECTIVE_NAMES = ["Gia đình học tập", "Dòng họ học tập", "Trường học tiêu biểu"]
COLUMNS = [
    "id", "decision_id", "position", "kind", "collective_unit_id", "name", "search_key", "sort_key", "member_id",
    "school", "grade", "achievement", "unit_id", "amount", "scholarship_id", "stage", "version",
]  # fmt: skip
HISTORY_COLUMNS = [c for c in COLUMNS if c not in ("search_key", "sort_key")] + [
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
]


def _amount(rng, low: int, high: int) -> int:
    return rng.randrange(low, high + 1, 50_000)


def _decisions(ctx: DatasetContext, communes: list[Unit], year: int) -> list[Decision]:
    today = timezone.localdate()
    decisions = []
    for commune in communes:
        for number, (day, occasion, form) in enumerate(
            [
                (datetime.date(year, 9, 5), Decision.Occasion.SCHOOL_YEAR, Decision.Form.SCHOLARSHIP),
                (datetime.date(year, 10, 2), Decision.Occasion.STUDY_DAY, Decision.Form.CERTIFICATE),
                (datetime.date(year, 12, 20), Decision.Occasion.YEAR_END, Decision.Form.CASH),
            ],
            start=1,
        ):
            decision = Decision(
                number=f"{number}{year % 100:02d}/QĐ-HKH",
                date=min(day, today),
                issuer_kind=Decision.IssuerKind.ASSOCIATION,
                issuer_unit=commune,
                issuer_level=commune.level,
                occasion=occasion,
                form=form,
                unit=commune,
                subject=f"Khen thưởng năm {year} (dữ liệu tổng hợp)",
                notes=REASON,
                version=1,
            )
            decision._derive()
            decisions.append(decision)
    return bulk_create_with_history(decisions, Decision, batch_size=1000, default_change_reason=REASON)


def _recipients(ctx: DatasetContext, decisions: list[Decision], chapters_of: dict, total: int, first_year: bool):
    """Rows (dicts keyed by COLUMNS, without id) for one year's decisions."""
    rng = ctx.rng
    per_decision = max(1, total // len(decisions))
    rows = []
    for decision in decisions:
        chapters = chapters_of.get(decision.unit_id) or [decision.unit_id]
        count = per_decision
        for position in range(1, count + 1):
            unit_id = rng.choice(chapters)
            collective = False
            amount, stage = None, ""
            if decision.form == Decision.Form.CERTIFICATE:
                collective = rng.random() < 0.4
                kind = Recipient.Kind.COLLECTIVE if collective else Recipient.Kind.INDIVIDUAL
                achievement = rng.choice(COLLECTIVE_NAMES) if collective else "Hội viên tiêu biểu"
            elif decision.form == Decision.Form.SCHOLARSHIP:
                kind = Recipient.Kind.STUDENT
                amount = _amount(rng, 1_000_000, 3_000_000)
                stage = Recipient.Stage.NEW if first_year or rng.random() < 0.4 else Recipient.Stage.RENEWAL
                achievement = "Học sinh nghèo vượt khó"
            else:
                kind = Recipient.Kind.TEACHER if rng.random() < 0.05 else Recipient.Kind.STUDENT
                low, high = (500_000, 2_000_000) if kind == Recipient.Kind.TEACHER else (200_000, 1_000_000)
                amount = _amount(rng, low, high)
                achievement = rng.choice(TEACHER_ACHIEVEMENTS if kind == Recipient.Kind.TEACHER else ACHIEVEMENTS)
            if collective:
                name = (
                    f"{rng.choice(['Gia đình ông', 'Dòng họ', 'Gia đình bà'])} {rng.choice(FAMILY)} {rng.choice(GIVEN)}"
                )
            else:
                name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            rows.append(
                {
                    "decision_id": decision.pk,
                    "position": position,
                    "kind": kind,
                    "collective_unit_id": None,
                    "name": name,
                    "search_key": fold(name),
                    "sort_key": sort_key(name),
                    "member_id": None,
                    "school": "" if collective else f"Trường THCS số {rng.randint(1, 9)}",
                    "grade": "" if collective or kind == Recipient.Kind.TEACHER else f"{rng.randint(6, 9)}A",
                    "achievement": achievement,
                    "unit_id": unit_id,
                    "amount": amount,
                    "scholarship_id": None,
                    "stage": stage,
                    "version": 1,
                }
            )
    return rows


def _copy(rows: list[dict]) -> None:
    """COPY the recipients and their "created" history rows; ids come from a block reserved on the sequence."""
    table, history = Recipient._meta.db_table, Recipient.history.model._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + len(rows) - 1])
        for offset, row in enumerate(rows):
            row["id"] = first + offset
        with cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
        extra = {"history_date": now, "history_change_reason": REASON, "history_type": "+", "history_user_id": None}
        with cursor.copy(f"COPY {history} ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] if c in row else extra[c] for c in HISTORY_COLUMNS])


def _bulk(rows: list[dict]) -> None:
    objects = [Recipient(**{c: row[c] for c in COLUMNS if c != "id"}) for row in rows]
    bulk_create_with_history(objects, Recipient, batch_size=2000, default_change_reason=REASON)


def generate(ctx: DatasetContext) -> None:
    communes = list(Unit.objects.filter(pk__in=ctx.commune_ids).order_by("pk"))
    if not communes:
        return
    chapters_of: dict[int, list[int]] = defaultdict(list)
    for unit_id, parent_id in Unit.objects.filter(pk__in=ctx.chapter_ids).values_list("pk", "parent_id"):
        chapters_of[parent_id].append(unit_id)
    if ClosedPeriod.objects.in_force().filter(year__in=ctx.years).exists():
        period_guard([(commune, year) for commune in communes for year in ctx.years])
    total = PER_YEAR.get(ctx.scale, PER_YEAR["ward"])
    written = 0
    decision_count = 0
    for index, year in enumerate(sorted(ctx.years)):
        decisions = _decisions(ctx, communes, year)
        decision_count += len(decisions)
        rows = _recipients(ctx, decisions, chapters_of, total, first_year=index == 0)
        if connection.vendor == "postgresql":
            _copy(rows)
        else:
            _bulk(rows)
        written += len(rows)
    summaries_refresh(unit_ids=[*ctx.commune_ids, *ctx.chapter_ids], years=sorted(ctx.years), providers=["awards"])
    ctx.counts["Quyết định khen thưởng"] = decision_count
    ctx.counts["Người nhận khen thưởng"] = written
