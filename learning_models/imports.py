"""Import kinds `titles` (registrations and scores; a commune sends tens of thousands of household rows) and
`classes` (community learning centre classes), on the shared mechanism of chapters/imports (design.md §5).

`titles`: a row names a unit (the chapter of a household, clan or person; the unit itself for a unit's title),
a title, a year and the subject, with the points per criterion. A row whose record does not exist registers the
subject; a row with points for a record that does not exist is refused unless it also gives the registration
date (then it registers and scores at once). Points are checked against the criteria set of the record; a
recognised or proposed record cannot be changed; re-importing the same file changes nothing.
"""

import time
from collections import defaultdict
from decimal import Decimal

from django.db import DatabaseError
from django.db.models import Q

from chapters.imports.kinds import ImportContext, ImportKind, unit_code_column, unit_name_column
from chapters.models import Unit
from chapters.summaries import summaries_refresh
from core import bulk
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import ParseError, is_empty, parse_code, parse_date, parse_integer, parse_year
from core.text import fold, nfc
from learning_models.models import ClassParticipant, CriteriaSet, Criterion, LearningClass, TitleRecord, TitleType
from learning_models.scoring import parse_points, points_text, rules_for
from learning_models.services.catalogue import CriteriaSetResolver
from learning_models.services.classes import parse_participants

SCORE_PREFIX = "score:"
DECISION_FIELDS = ["decision_number", "decision_date", "decision_issuer", "level", "valid_until_year", "locked"]
COLUMNS_TTL = 60  # seconds the criteria columns are kept before the criteria sets are read again
Subject = TitleType.Subject
CHUNK = 1000


def parse_score(value):
    if is_empty(value):
        return None
    try:
        return parse_points(value)
    except ValueError as error:
        raise ParseError(str(error)) from None


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


BASE_COLUMNS = [
    unit_code_column(
        "Mã chi hội",
        ("Mã đơn vị", "Mã CH", "Mã chi hội, đơn vị", "Mã thôn, tổ dân phố", "Mã đơn vị được công nhận"),
        help="Chi hội của hộ, dòng họ, cá nhân; với danh hiệu của đơn vị (cộng đồng, đơn vị học tập): mã của chính "
        "đơn vị đó.",
        example="10001-01",
        width=12,
    ),
    unit_name_column("Chi hội", ("Tên chi hội", "Tên đơn vị", "Thôn, tổ dân phố"), width=22),
    Column(
        "title",
        "Danh hiệu",
        ("Tên danh hiệu", "Mã danh hiệu", "Loại danh hiệu"),
        required=True,
        model_fields=("title_type",),
        help="Tên hoặc mã danh hiệu, ví dụ «Gia đình học tập» hoặc gdht.",
        example="Gia đình học tập",
        width=20,
    ),
    Column(
        "year",
        "Năm",
        ("Năm danh hiệu", "Năm đăng ký", "Năm xét"),
        required=True,
        parser=parse_year,
        model_fields=("year",),
        example="2025",
        width=7,
    ),
    Column(
        "household_code",
        "Mã hộ",
        ("Mã hộ gia đình", "Mã số hộ"),
        parser=parse_code,
        model_fields=("household",),
        help="Mã hộ trong chi hội (nếu có); không có mã thì hộ được tìm theo tên chủ hộ.",
        example="H00012",
        width=10,
    ),
    Column(
        "subject_name",
        "Tên",
        ("Chủ hộ", "Họ tên chủ hộ", "Tên chủ hộ", "Họ và tên", "Họ tên", "Tên dòng họ", "Dòng họ", "Tên hộ"),
        model_fields=("subject_name", "clan", "member"),
        help="Chủ hộ (gia đình), tên dòng họ, họ tên (công dân học tập). Với đơn vị: chỉ để dễ đọc.",
        example="Nguyễn Văn An",
        width=24,
    ),
    Column(
        "registered_on",
        "Ngày đăng ký",
        ("Ngày ĐK", "Đăng ký ngày"),
        parser=parse_date,
        model_fields=("registered_on",),
        help="Để trống: hôm nay. Bắt buộc khi nhập điểm cho hồ sơ chưa đăng ký (đăng ký và chấm điểm cùng lúc).",
        example="15/01/2025",
        width=12,
    ),
]
TAIL_COLUMNS = [
    Column(
        "evidence",
        "Minh chứng, ghi chú",
        ("Minh chứng", "Ghi chú", "Nhận xét"),
        model_fields=("evidence",),
        width=24,
    ),
    # Back data: a record recognised on paper years ago is imported with its decision (officers only).
    Column(
        "decision_number",
        "Số quyết định công nhận",
        ("Số quyết định", "Số QĐ", "Số QĐ công nhận", "Quyết định số"),
        model_fields=("decision_number",),
        help="Chỉ với số liệu cũ đã có quyết định công nhận (cần quyền duyệt): hồ sơ được ghi là đã công nhận.",
        example="125/QĐ-UBND",
        width=16,
    ),
    Column(
        "decision_date",
        "Ngày quyết định",
        ("Ngày QĐ", "Ngày ký quyết định", "Ngày công nhận"),
        parser=parse_date,
        model_fields=("decision_date",),
        help="Bắt buộc khi có số quyết định; không trước năm của danh hiệu, không sau hôm nay.",
        example="20/12/2025",
        width=12,
    ),
    Column(
        "decision_issuer",
        "Cơ quan ra quyết định",
        ("Cơ quan công nhận", "Nơi ra quyết định", "Cấp công nhận"),
        model_fields=("decision_issuer",),
        help="Bắt buộc khi có số quyết định.",
        example="UBND phường Bạch Đằng",
        width=22,
    ),
    Column("status_text", "Trạng thái", (), help="Chỉ khi xuất dữ liệu; không đọc khi nhập.", width=16),
    Column("total_text", "Tổng điểm", ("Tổng", "Tổng cộng điểm"), help="Chỉ khi xuất; tính từ các cột điểm.", width=8),
]


def _score_columns() -> list[Column]:
    """One column per criterion code scored in some criteria set ("Điểm 1.1", "Điểm 2", ...)."""
    codes = set()
    try:
        parents = set(Criterion.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
        rows = list(Criterion.objects.values_list("pk", "code"))
    except DatabaseError:  # before the migrations have run (a fresh database)
        return []
    for pk, code in rows:
        if pk not in parents:
            codes.add(code)

    def order(code: str):
        return [int(part) if part.isdigit() else part for part in code.replace("-", ".").split(".")]

    try:
        ordered = sorted(codes, key=order)
    except TypeError:
        ordered = sorted(codes)
    return [
        Column(
            f"{SCORE_PREFIX}{code}",
            f"Điểm {code}",
            (f"TC {code}", f"Tiêu chí {code}", f"Điểm TC {code}") + ((code,) if "." in code else ()),
            parser=parse_score,
            model_fields=("scores",),
            help=f"Điểm tiêu chí {code} của bộ tiêu chí áp dụng (không quá điểm tối đa); để trống: chưa chấm.",
            example="8",
            width=7,
        )
        for code in ordered
    ]


class TitleKind(ImportKind):
    name = "titles"
    personal = True
    label = "Đăng ký và chấm điểm danh hiệu"
    model = TitleRecord
    unit_code_field = "unit_code"
    key_field = "subject_name"
    period_field = "year"
    summary_providers = ["titles"]
    batch_size = 2000
    description = (
        "Mỗi dòng là một hộ gia đình, dòng họ, đơn vị hoặc cá nhân đăng ký một danh hiệu trong một năm, kèm điểm "
        "từng tiêu chí (nếu đã chấm), và với số liệu cũ đã được công nhận: số, ngày, cơ quan ra quyết định (cần quyền "
        "duyệt). Hồ sơ chưa có thì được đăng ký; đã có thì cập nhật điểm và ghi chú. Dòng có "
        "điểm của hồ sơ chưa đăng ký bị từ chối, trừ khi ghi «Ngày đăng ký» (đăng ký và chấm điểm cùng lúc). Điểm "
        "vượt điểm tối đa, hồ sơ đã được đề nghị hoặc công nhận, năm đã khóa sổ: báo lỗi, không lưu gì. Hộ gia "
        "đình và dòng họ phải có sẵn (nhập trước bằng loại «Hộ gia đình», «Dòng họ»)."
    )

    def __init__(self):
        self._columns: list[Column] | None = None
        self._columns_at = 0.0

    @property
    def columns(self) -> list[Column]:
        if self._columns is None or time.monotonic() - self._columns_at > COLUMNS_TTL:
            self.refresh_columns()
        return self._columns

    @property
    def documented_columns(self) -> list[Column]:
        """The columns as docs/import-formats.md shows them: one line for the criteria scores, whatever the
        criteria sets of this database."""
        score = Column(
            f"{SCORE_PREFIX}1.1",
            "Điểm <mã tiêu chí>",
            ("TC <mã>", "Tiêu chí <mã>", "Điểm TC <mã>"),
            help="Một cột cho mỗi tiêu chí được chấm của các bộ tiêu chí (ví dụ «Điểm 1.1», «Điểm 2»): điểm của "
            "tiêu chí (không quá điểm tối đa); để trống: chưa chấm.",
            example="8",
        )
        return [*BASE_COLUMNS, score, *TAIL_COLUMNS]

    def refresh_columns(self) -> None:
        self._columns = [*BASE_COLUMNS, *_score_columns(), *TAIL_COLUMNS]
        self._columns_at = time.monotonic()

    def header_lookup(self) -> dict[str, str]:
        self.refresh_columns()  # criteria sets may have changed since the last import
        return super().header_lookup()

    # --- preparation ---------------------------------------------------------------------------------------------

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        from members.models import Clan, Household

        super().prepare(ctx, rows)
        types = list(TitleType.objects.all())
        lookup = {}
        for title_type in types:
            lookup[fold(title_type.code)] = title_type
            lookup[fold(title_type.name)] = title_type
        ctx.data["types"] = lookup
        ctx.data["resolver"] = CriteriaSetResolver()
        ctx.data["rules"] = {}
        unit_ids = [unit.pk for units in ctx.units_by_code.values() for unit in units]
        households_by_code, households_by_head = {}, defaultdict(list)
        clans = defaultdict(list)
        wanted = {lookup.get(fold(title)) for title in {row.values.get("title") or "" for row in rows}} - {None}
        kinds = {title_type.subject_kind for title_type in wanted}
        if Subject.HOUSEHOLD in kinds:
            fields = ("id", "unit_id", "code", "head_name", "sort_key", "version")
            for part in _chunks(unit_ids, 500):
                for household in Household.objects.filter(unit_id__any=part).only(*fields).iterator(chunk_size=5000):
                    if household.code:
                        households_by_code[(household.unit_id, household.code.upper())] = household
                    households_by_head[(household.unit_id, fold(household.head_name))].append(household)
        if Subject.CLAN in kinds:
            for part in _chunks(unit_ids, 500):
                for clan in Clan.objects.filter(unit_id__any=part):
                    clans[(clan.unit_id, _clan_key(clan.name))].append(clan)
        ctx.data.update({"by_code": households_by_code, "by_head": households_by_head, "clans": clans})

    def rules(self, ctx: ImportContext, criteria_set: CriteriaSet):
        cache = ctx.data["rules"]
        if criteria_set.pk not in cache:
            cache[criteria_set.pk] = rules_for(criteria_set)
        return cache[criteria_set.pk]

    def row_period(self, row: Row):
        import datetime

        year = row.values.get("year")
        return (datetime.date(year, 1, 1), datetime.date(year, 12, 31)) if year else None

    # --- the subject -----------------------------------------------------------------------------------------

    def natural_key(self, ctx: ImportContext, row: Row):
        problem = ("error", row.number)
        title_type = _title_type(ctx, row.values.get("title") or "")
        if title_type is None:
            row.error("title", f"Không có danh hiệu «{row.values.get('title')}»: hãy ghi đúng tên hoặc mã danh hiệu.")
            return problem
        row.extra["title_type"] = title_type
        unit, year = row.unit, row.values["year"]
        code = row.values.get("household_code")
        name = nfc(row.values.get("subject_name") or "")
        kind = title_type.subject_kind
        if code and kind != Subject.HOUSEHOLD:
            row.error(
                "title",
                f"Danh hiệu «{title_type.name}» dành cho {title_type.subject_word}, không dành cho hộ gia đình "
                f"(dòng có mã hộ {code}).",
            )
            return problem
        subject = {}
        if kind == Subject.HOUSEHOLD:
            if code:
                household = ctx.data["by_code"].get((unit.pk, code))
                if household is None:
                    row.error("household_code", f"Không có hộ mã {code} trong {unit.display_name}.")
                    return problem
            else:
                if not name:
                    row.error("subject_name", "Hãy ghi tên chủ hộ hoặc mã hộ.")
                    return problem
                found = ctx.data["by_head"].get((unit.pk, fold(name)), [])
                if not found:
                    row.error(
                        "subject_name",
                        f"Không tìm thấy hộ của {name} trong {unit.display_name}: hãy nhập danh sách hộ trước "
                        "(loại «Hộ gia đình»).",
                    )
                    return problem
                if len(found) > 1:
                    row.error(
                        "subject_name", f"{unit.display_name} có {len(found)} hộ chủ hộ tên {name}: hãy ghi mã hộ."
                    )
                    return problem
                household = found[0]
            subject["household"] = household
        elif kind == Subject.CLAN:
            found = ctx.data["clans"].get((unit.pk, _clan_key(name)), []) if name else []
            if len(found) != 1:
                message = (
                    f"Không tìm thấy dòng họ «{name}» trong {unit.display_name}."
                    if not found
                    else f"{unit.display_name} có {len(found)} dòng họ tên «{name}»."
                )
                row.error("subject_name", message if name else "Hãy ghi tên dòng họ.")
                return problem
            subject["clan"] = found[0]
        elif kind == Subject.UNIT:
            if not title_type.applies_to_unit(unit):
                row.error(
                    "title",
                    f"{unit.display_name} không thuộc đối tượng của danh hiệu «{title_type.name}».",
                )
                return problem
            subject["subject_unit"] = unit
        elif not name:
            row.error("subject_name", "Hãy ghi họ và tên.")
            return problem
        row.extra["subject"] = subject
        key = TitleRecord.key_for(unit_id=unit.pk, name=name, **{f"{k}_id": v.pk for k, v in subject.items()})
        return (title_type.pk, year, key)

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        keys = [key for key in keys if key and key[0] != "error"]
        found = {}
        for part in _chunks(keys):
            query = TitleRecord.objects.filter(
                title_type_id__any={k[0] for k in part},
                year__any={k[1] for k in part},
                subject_key__any={k[2] for k in part},
            ).select_related("criteria_set", "unit", "title_type", "household", "clan", "member", "subject_unit")
            # Related rows loaded with the record: validation then checks no foreign key one query per row.
            wanted = set(part)
            for record in query:
                key = (record.title_type_id, record.year, record.subject_key)
                if key in wanted:
                    found[key] = record
        return found

    # --- building and checking ---------------------------------------------------------------------------------

    def _raw_scores(self, ctx: ImportContext, row: Row, rules) -> dict | None:
        present = [field for field in ctx.columns_present if field.startswith(SCORE_PREFIX)]
        if not present:
            return None
        raw = {}
        for field in present:
            code = field[len(SCORE_PREFIX) :]
            value = row.values.get(field)
            if value is not None or code in rules.leaves:
                raw[code] = value
        return raw

    def build(self, ctx: ImportContext, row: Row) -> TitleRecord:
        title_type: TitleType = row.extra["title_type"]
        record = row.existing
        present = ctx.columns_present
        if record is None:
            criteria_set = ctx.data["resolver"].resolve(title_type, row.unit, row.values["year"])
            if criteria_set is None:
                row.error("title", f"Chưa có bộ tiêu chí của danh hiệu «{title_type.name}» năm {row.values['year']}.")
            subject = row.extra["subject"]
            record = TitleRecord(
                title_type=title_type,
                year=row.values["year"],
                criteria_set=criteria_set,
                unit=row.unit,
                subject_name=_subject_name(row, subject),
                registered_on=row.values.get("registered_on") or _default_day(ctx, row.values["year"]),
                **subject,
            )
        elif "registered_on" in present and row.values.get("registered_on"):
            record.registered_on = row.values["registered_on"]
        if record.criteria_set_id is None:
            return record
        rules = self.rules(ctx, record.criteria_set)
        raw = self._raw_scores(ctx, row, rules)
        if raw is not None:
            scores, total, problems = rules.clean(raw)
            for code, message in problems:
                row.error(f"{SCORE_PREFIX}{code}" if code else "", message)
            if row.existing is None and scores and not row.values.get("registered_on"):
                row.error(
                    "registered_on",
                    f"{_label(record)} chưa đăng ký danh hiệu «{title_type.name}» năm {record.year}: không nhập điểm "
                    "cho hồ sơ chưa đăng ký. Hãy ghi «Ngày đăng ký» nếu muốn đăng ký và chấm điểm cùng lúc.",
                )
            record.scores, record.total = scores, total
            if scores and record.status == TitleRecord.Status.REGISTERED:
                record.status = TitleRecord.Status.SELF_ASSESSED
            elif not scores and record.status == TitleRecord.Status.SELF_ASSESSED:
                record.status = TitleRecord.Status.REGISTERED
        if "evidence" in present:
            record.evidence = nfc(row.values.get("evidence") or "")
        self._build_decision(ctx, row, record, rules)
        household = row.extra["subject"].get("household")
        record.prepare(name_sort_key=household.sort_key if household is not None else None)
        return record

    def _build_decision(self, ctx: ImportContext, row: Row, record: TitleRecord, rules) -> None:
        """A row with a decision number records the recognition by that decision (back data)."""
        row.extra["was_locked"] = row.existing is not None and row.existing.locked
        row.extra["was_proposed"] = row.existing is not None and row.existing.status == TitleRecord.Status.PROPOSED
        number = nfc(row.values.get("decision_number") or "")
        if not number:
            return
        row.extra["decision"] = True
        if row.extra["was_locked"]:
            # The same decision again changes nothing; another one is not written over a locked record.
            if (number, row.values.get("decision_date")) != (record.decision_number, record.decision_date):
                row.error(
                    "decision_number",
                    f"Hồ sơ của {_label(record)} năm {record.year} đã khóa"
                    + (f" với quyết định {record.decision_number}" if record.decision_number else "")
                    + ": không ghi quyết định khác bằng tệp (cán bộ mở khóa hồ sơ trước).",
                )
            return
        record.status = TitleRecord.Status.RECOGNISED
        record.decision_number = number
        record.decision_date = row.values.get("decision_date")
        record.decision_issuer = nfc(row.values.get("decision_issuer") or "")
        record.level = rules.level_for(record.total)
        record.valid_until_year = record.year + row.extra["title_type"].years_valid - 1
        record.refusal_reason = ""
        record.locked = True

    def _decision_problems(self, ctx: ImportContext, row: Row) -> None:
        from learning_models.services.records import can_approve

        record = row.instance
        if not record.decision_date:
            row.error("decision_date", "Có số quyết định thì phải ghi ngày quyết định.")
        elif record.decision_date > ctx.today:
            row.error("decision_date", "Ngày quyết định không được sau hôm nay.")
        elif record.decision_date.year < record.year:
            row.error("decision_date", f"Quyết định ký trước năm {record.year} của danh hiệu.")
        if not record.decision_issuer:
            row.error("decision_issuer", "Hãy ghi cơ quan ra quyết định (ví dụ: UBND phường Bạch Đằng).")
        shortfalls = self.rules(ctx, record.criteria_set).shortfalls(record.scores)
        if shortfalls:
            row.error("", f"{_label(record)} chưa đạt tiêu chí: " + "; ".join(shortfalls) + ".")
        if ctx.user is not None:
            allowed = ctx.data.setdefault("approves", {})
            if record.unit_id not in allowed:
                allowed[record.unit_id] = can_approve(ctx.user, record.unit)
            if not allowed[record.unit_id]:
                row.error(
                    "decision_number",
                    "Ghi quyết định công nhận cần quyền duyệt (cán bộ) của hội cấp xã; thư ký nhập tệp không có cột "
                    "quyết định.",
                )

    def validate(self, ctx: ImportContext, row: Row) -> None:
        record = row.instance
        if row.extra.get("decision") and not row.extra.get("was_locked"):
            self._decision_problems(ctx, row)
        if row.existing is not None and row.changed:
            if row.extra.get("was_locked") or row.extra.get("was_proposed"):
                state = "đã khóa" if record.locked else "đã được hội xã đề nghị công nhận"
                row.error("", f"Hồ sơ của {_label(record)} năm {record.year} {state}: không sửa được bằng tệp.")
        if row.existing is None and record.registered_on:
            year = record.year
            if not (year - 1 <= record.registered_on.year <= year):
                row.error("registered_on", f"Ngày đăng ký danh hiệu năm {year} phải trong năm {year - 1} hoặc {year}.")

    def compare_fields(self) -> list[str]:
        return ["registered_on", "scores", "evidence", "status", "decision_number", "decision_date", "decision_issuer"]

    def prepare_for_write(self, ctx: ImportContext, instance: TitleRecord) -> None:
        return None  # build() has prepared the derived columns

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        if created:
            bulk.create_with_history(
                TitleRecord, created, user=ctx.history_user, reason=ctx.reason, batch_size=self.batch_size
            )
        if updated:
            bulk.bulk_update_with_history(
                [record for record, _changed in updated],
                TitleRecord,
                ["registered_on", "scores", "total", "status", "evidence", "version", *DECISION_FIELDS],
                batch_size=self.batch_size,
                default_user=ctx.history_user,
                default_change_reason=ctx.reason,
            )

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        from chapters.summaries import summary_years

        unit_ids = {row.instance.unit_id for row in rows}
        years = set()
        for row in rows:
            record = row.instance
            years.update(range(record.year, max(record.valid_until_year or record.year, record.year) + 1))
        years &= set(summary_years())
        if unit_ids and years:
            summaries_refresh(unit_ids=unit_ids, years=years, providers=self.summary_providers)

    # --- export ----------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit: Unit | None = None):
        return (
            super()
            .export_queryset(user, unit)
            .select_related("unit", "title_type", "household")
            .order_by("year", "title_type__order", "unit__path", "sort_key", "pk")
        )

    def export_rows(self, queryset):
        columns = self.columns
        for record in queryset.iterator(chunk_size=2000):
            values = {
                "unit_code": record.unit.code,
                "unit_name": record.unit.name,
                "title": record.title_type.name,
                "year": record.year,
                "household_code": record.household.code if record.household_id else "",
                "subject_name": record.subject_name,
                "registered_on": record.registered_on,
                "evidence": record.evidence,
                "status_text": record.get_status_display(),
                "total_text": points_text(record.total),
                "decision_number": record.decision_number,
                "decision_date": record.decision_date,
                "decision_issuer": record.decision_issuer,
            }
            for code, points in record.scores.items():
                values[f"{SCORE_PREFIX}{code}"] = _number(points)
            yield [values.get(column.field, "") for column in columns]


def _number(points):
    value = Decimal(str(points))
    return int(value) if value == value.to_integral_value() else float(value)


def _title_type(ctx: ImportContext, text: str) -> TitleType | None:
    """The title a cell names (code or name, any case or accents); the same few texts repeat on every row."""
    cache = ctx.data.setdefault("title_cells", {})
    if text not in cache:
        cache[text] = ctx.data["types"].get(fold(text))
    return cache[text]


def _clan_key(name: str) -> str:
    key = fold(name)
    return key[len("dong ho ") :] if key.startswith("dong ho ") else key


def _label(record: TitleRecord) -> str:
    return f"Hộ {record.subject_name}" if record.household_id else record.subject_name


def _subject_name(row: Row, subject: dict) -> str:
    if "household" in subject:
        return subject["household"].head_name
    if "clan" in subject:
        return subject["clan"].name
    if "subject_unit" in subject:
        return subject["subject_unit"].display_name
    return nfc(row.values.get("subject_name") or "")


def _default_day(ctx: ImportContext, year: int):
    import datetime

    return ctx.today if ctx.today.year in (year - 1, year) else datetime.date(year, 1, 1)


# Classes ------------------------------------------------------------------------------------------------------


class ClassKind(ImportKind):
    name = "classes"
    label = "Lớp học cộng đồng"
    model = LearningClass
    unit_code_field = "unit_code"
    key_field = "topic"
    period_field = "starts_on"
    summary_providers = ["classes"]
    description = (
        "Mỗi dòng là một lớp của Trung tâm học tập cộng đồng (hoặc của chi hội): chủ đề, ngày bắt đầu, số buổi và "
        "số lượt người học. Lớp đã có được nhận ra theo đơn vị, ngày bắt đầu và chủ đề: đã có thì cập nhật. Danh "
        "sách học viên (không bắt buộc) ghi trong một ô, mỗi người cách nhau bằng dấu chấm phẩy; khi không ghi số "
        "lượt người, hệ thống đếm theo danh sách."
    )
    columns = [
        unit_code_column(
            "Mã đơn vị",
            ("Mã xã", "Mã hội", "Mã chi hội", "Mã đơn vị tổ chức"),
            help="Thường là mã Hội Khuyến học xã (Trung tâm học tập cộng đồng).",
            example="10001",
            width=10,
        ),
        unit_name_column("Đơn vị", ("Tên đơn vị", "Xã, phường"), width=22),
        Column(
            "topic",
            "Chủ đề, nội dung",
            ("Chủ đề", "Nội dung", "Tên lớp", "Nội dung lớp học", "Chuyên đề"),
            required=True,
            example="Tin học cho người cao tuổi",
            width=30,
        ),
        Column(
            "starts_on",
            "Ngày bắt đầu",
            ("Ngày mở lớp", "Từ ngày", "Ngày học", "Thời gian"),
            required=True,
            parser=parse_date,
            example="02/03/2025",
            width=12,
        ),
        Column("ends_on", "Ngày kết thúc", ("Đến ngày", "Ngày bế giảng"), parser=parse_date, width=12),
        Column(
            "sessions",
            "Số buổi",
            ("Buổi", "Số buổi học"),
            parser=parse_integer,
            help="Để trống: 1.",
            example="4",
            width=8,
        ),
        Column(
            "attendances",
            "Số lượt người",
            ("Lượt người", "Số lượt", "Số học viên", "Số người học", "Lượt học viên"),
            parser=parse_integer,
            help="Tổng lượt người tham dự; để trống thì đếm theo danh sách học viên.",
            example="45",
            width=10,
        ),
        Column("place", "Địa điểm", ("Nơi học",), width=18),
        Column("organiser", "Phối hợp, phụ trách", ("Người phụ trách", "Đơn vị phối hợp", "Giảng viên"), width=20),
        Column(
            "participant_names",
            "Danh sách học viên",
            ("Học viên", "Danh sách"),
            help="Họ tên, cách nhau bằng dấu chấm phẩy (;).",
            width=30,
        ),
        Column("notes", "Ghi chú", (), width=20),
    ]

    def row_period(self, row: Row):
        day = row.values.get("starts_on")
        return (day, row.values.get("ends_on") or day) if day else None

    def natural_key(self, ctx: ImportContext, row: Row):
        return (row.unit.pk, row.values.get("starts_on"), fold(row.values.get("topic")))

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        keys = [key for key in keys if key and None not in key]
        found = {}
        for part in _chunks(keys):
            query = Q(unit_id__any={k[0] for k in part}, starts_on__any={k[1] for k in part})
            wanted = set(part)
            for lesson in LearningClass.objects.filter(query):
                key = (lesson.unit_id, lesson.starts_on, fold(lesson.topic))
                if key in wanted:
                    found[key] = lesson
        return found

    def build(self, ctx: ImportContext, row: Row) -> LearningClass:
        lesson = super().build(ctx, row)
        if "sessions" in ctx.columns_present and not row.values.get("sessions"):
            lesson.sessions = 1
        names = None
        if "participant_names" in ctx.columns_present:
            names = parse_participants((row.values.get("participant_names") or "").replace(";", "\n"))
            old = sorted(lesson.participants.values_list("name", flat=True)) if lesson.pk else []
            if sorted(names) != old:
                row.extra["participants_changed"] = True
        if "attendances" in ctx.columns_present and row.values.get("attendances") is None:
            lesson.attendances = len(names) if names else 0
        lesson._participants = names
        return lesson

    def compare_fields(self) -> list[str]:
        return [name for name in super().compare_fields() if name != "participant_names"]

    def validate(self, ctx: ImportContext, row: Row) -> None:
        if row.extra.get("participants_changed") and row.existing is not None and not row.changed:
            row.changed.append("attendances")  # the list changed: write the row (and its participants)

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        from simple_history.utils import bulk_create_with_history

        super().write(ctx, created, updated)
        lessons = [*created, *(lesson for lesson, _changed in updated)]
        with_lists = [lesson for lesson in lessons if getattr(lesson, "_participants", None) is not None]
        if not with_lists:
            return
        ClassParticipant.objects.filter(learning_class__in=[lesson.pk for lesson in with_lists]).delete()
        participants = []
        for lesson in with_lists:
            for name in lesson._participants:
                participant = ClassParticipant(learning_class=lesson, name=name)
                participant.prepare()
                participants.append(participant)
        bulk_create_with_history(
            participants,
            ClassParticipant,
            batch_size=2000,
            default_user=ctx.history_user,
            default_change_reason=ctx.reason,
        )

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        # One refresh per year (a file spans one or two), not one per unit: the units of a year go together.
        units_by_year: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            units_by_year[row.instance.starts_on.year].add(row.instance.unit_id)
            before = row.before.get("starts_on")
            if before:  # a class moved to another unit or year: its old place is recounted too
                units_by_year[before.year].add(row.before.get("unit_id") or row.instance.unit_id)
        for year, unit_ids in sorted(units_by_year.items()):
            summaries_refresh(unit_ids=sorted(unit_ids), years=[year], providers=self.summary_providers)

    def export_queryset(self, user, unit: Unit | None = None):
        return super().export_queryset(user, unit).select_related("unit").prefetch_related("participants")

    def export_rows(self, queryset):
        for lesson in queryset.order_by("unit__path", "starts_on", "pk"):
            yield [
                lesson.unit.code,
                lesson.unit.name,
                lesson.topic,
                lesson.starts_on,
                lesson.ends_on,
                lesson.sessions,
                lesson.attendances,
                lesson.place,
                lesson.organiser,
                "; ".join(p.name for p in lesson.participants.all()),
                lesson.notes,
            ]


titles_kind = TitleKind()
classes_kind = ClassKind()


def register_all() -> None:
    from core.imports.kinds import register

    register(titles_kind)
    register(classes_kind)
