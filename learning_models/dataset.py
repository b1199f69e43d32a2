"""Synthetic title records and classes for `generate_dataset` (contract in chapters/dataset.py).

A "Gia đình học tập" record per household per year (province scale: 3,500,000 households × 2 years = 7,000,000
records), at the stage of the cycle a real year would be in: the earlier years decided (most recognised, a few
refused, the rest reviewed or scored), the current year registered and partly self-assessed. Each record has its
"+" history row. Written with PostgreSQL COPY, chapter by chapter in batches (bulk_create elsewhere); then the
"titles" and "classes" summaries are computed once from facts.
"""

import datetime
import json
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chapters.dataset import DatasetContext
from chapters.models import Unit
from chapters.summaries import summaries_refresh
from core.text import fold, sort_key
from learning_models.models import LearningClass, TitleRecord, TitleType
from learning_models.scoring import rules_for, to_json
from learning_models.services.catalogue import CriteriaSetResolver

REASON = "lệnh: generate_dataset"
D = datetime.date
UNITS_PER_BATCH = 400
HISTORY = ["history_date", "history_change_reason", "history_type", "history_user_id"]
COLUMNS = ["id", "title_type_id", "year", "criteria_set_id", "unit_id", "household_id", "subject_name",
           "subject_key", "sort_key", "search_key", "registered_on", "status", "scores", "total", "evidence",
           "review_date", "review_note", "proposed_on", "level", "decision_number", "decision_date",
           "decision_issuer", "valid_until_year", "refusal_reason", "locked", "version"]  # fmt: skip
S = TitleRecord.Status
TOPICS = ["Tin học cơ bản", "Phòng chống lừa đảo qua mạng", "Kỹ thuật trồng trọt", "Chăn nuôi an toàn", "Pháp luật",
          "Sức khỏe người cao tuổi", "Tiếng Anh cho thiếu nhi", "Nuôi dạy con", "Dịch vụ công trực tuyến"]  # fmt: skip


def _score_pool(rng, rules, strong: bool, size: int = 40) -> list[tuple[str, float]]:
    """A few dozen score sheets (as JSON text, with their total), reused for millions of records."""
    pool = []
    for _ in range(size):
        scores = {}
        for code, leaf in rules.leaves.items():
            top = float(leaf.max_points)
            share = rng.uniform(0.82, 1.0) if strong else rng.uniform(0.45, 0.78)
            scores[code] = to_json(Decimal(str(round(top * share * 2) / 2)))
        pool.append((json.dumps(scores), float(rules.total(scores))))
    return pool


def _reserve_ids(model, count: int) -> int:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


def _copy(table: str, columns: list[str], rows) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def generate(ctx: DatasetContext) -> None:
    from members.models import Household

    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    family = TitleType.objects.get(code="gdht")
    units = {pk: (parent_id, path) for pk, parent_id, path in Unit.objects.filter(pk__in=ctx.chapter_ids).values_list(
        "pk", "parent_id", "path")}  # fmt: skip
    communes = dict(Unit.objects.filter(pk__in=ctx.commune_ids).values_list("pk", "name"))
    province = Unit.objects.get(pk=ctx.province_id)
    criteria_set = CriteriaSetResolver().resolve(family, province, max(ctx.years))
    rules = rules_for(criteria_set)
    strong, weak = _score_pool(rng, rules, True), _score_pool(rng, rules, False)
    names: dict[str, tuple[str, str]] = {}
    postgres = connection.vendor == "postgresql"
    history_table = TitleRecord.history.model._meta.db_table
    tracked = {field.attname for field in TitleRecord.history.model._meta.concrete_fields}
    kept = [index for index, column in enumerate(COLUMNS) if column in tracked]
    history_columns = [COLUMNS[index] for index in kept] + HISTORY
    total = 0
    chapter_ids = sorted(units)
    for start in range(0, len(chapter_ids), UNITS_PER_BATCH):
        batch = chapter_ids[start : start + UNITS_PER_BATCH]
        households = list(Household.objects.filter(unit_id__in=batch).values_list("pk", "unit_id", "head_name"))
        if not households:
            continue
        count = len(households) * len(ctx.years)
        next_id = _reserve_ids(TitleRecord, count) if postgres else 1
        rows = []
        for year in ctx.years:
            decided = D(year, 12, 20) < today
            for household_id, unit_id, head in households:
                keys = names.get(head)
                if keys is None:
                    keys = names[head] = (sort_key(head)[:600], fold(head)[:255])
                row = _record_row(rng, year, decided, strong, weak, communes.get(units[unit_id][0], ""))
                rows.append(
                    (next_id, family.pk, year, criteria_set.pk, unit_id, household_id, head, f"h{household_id}",
                     keys[0], keys[1], min(today, D(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 80))), *row)
                )  # fmt: skip
                next_id += 1
        if postgres:
            _copy(TitleRecord._meta.db_table, COLUMNS, rows)
            _copy(history_table, history_columns, (tuple(r[i] for i in kept) + (now, REASON, "+", None) for r in rows))
        else:
            objects = [TitleRecord(**dict(zip(COLUMNS[1:], row[1:], strict=True))) for row in rows]
            for obj in objects:
                obj.scores = json.loads(obj.scores)
            bulk_create_with_history(objects, TitleRecord, batch_size=5000, default_change_reason=REASON)
        total += len(rows)
    classes = _classes(ctx, today)
    summaries_refresh(unit_ids=[*ctx.chapter_ids, *ctx.commune_ids], years=ctx.years, providers=["titles", "classes"])
    ctx.counts["Hồ sơ danh hiệu (gia đình × năm)"] = total
    ctx.counts["Lớp học cộng đồng"] = classes


def _record_row(rng, year: int, decided: bool, strong, weak, commune_name: str) -> tuple:
    """status, scores, total, evidence, review date and note, proposed on, level, decision (number, date,
    issuer), valid until, refusal reason, locked, version."""
    draw = rng.random()
    if not decided:
        if draw < 0.55:
            return (S.REGISTERED, "{}", None, "", None, "", None, None, "", None, "", None, "", False, 1)
        scores, points = rng.choice(strong if draw < 0.93 else weak)
        return (S.SELF_ASSESSED, scores, points, "", None, "", None, None, "", None, "", None, "", False, 1)
    if draw < 0.08:
        return (S.REGISTERED, "{}", None, "", None, "", None, None, "", None, "", None, "", False, 1)
    scores, points = rng.choice(weak if draw < 0.2 else strong)
    review = D(year, 12, 5)
    if draw < 0.2:
        return (S.REVIEWED, scores, points, "", review, "", None, None, "", None, "", None, "", False, 1)
    proposed = D(year, 12, 12)
    if draw < 0.23:
        return (S.REFUSED, scores, points, "", review, "", proposed, None, "", None, "", None,
                "Chưa đủ điều kiện", True, 1)  # fmt: skip
    issuer = f"UBND {commune_name[:1].lower()}{commune_name[1:]}" if commune_name else "UBND xã"
    return (S.RECOGNISED, scores, points, "", review, "", proposed, None, f"{year % 100:02d}/QĐ-UBND", D(year, 12, 20),
            issuer, year, "", True, 1)  # fmt: skip


def _classes(ctx: DatasetContext, today: datetime.date) -> int:
    rng = ctx.rng
    objects = []
    for commune_id in ctx.commune_ids:
        for year in ctx.years:
            for _ in range(rng.randint(5, 25)):
                starts = D(year, rng.randint(1, 12), rng.randint(1, 28))
                if starts > today:
                    continue
                sessions = rng.randint(1, 8)
                objects.append(
                    LearningClass(
                        unit_id=commune_id,
                        topic=rng.choice(TOPICS),
                        starts_on=starts,
                        sessions=sessions,
                        attendances=rng.randint(15, 60) * sessions,
                        place="Trung tâm học tập cộng đồng",
                        version=1,
                    )
                )
    bulk_create_with_history(objects, LearningClass, batch_size=5000, default_change_reason=REASON)
    return len(objects)
