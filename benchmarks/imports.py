"""Every import kind on the province dataset (issue 19: ≥ 2,000 rows/s with full validation), each against
django-import-export's default path on the same file in the same run, each measured `--runs` times.

    python benchmarks/imports.py [--kinds members,dues] [--scale 1] [--runs 3] [--skip-import-export]

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL; `generate_dataset --scale province` there
first; it refuses a database the dataset did not fill). For every kind it writes an .xlsx of realistic new rows on
the dataset (new units under its communes, baseline figures of earlier years, members, households, clans, dues of
a year nobody paid, receipts after the last voucher of each fund, award decisions, "Gia đình học tập"
registrations of a year without records, classes), then imports it:

- ours: the kind through the import pipeline (`core.imports.pipeline`): read, every row parsed and fully validated
  (the model's validation, the kind's rules, scope, closed periods), one all-or-nothing commit with history and
  summaries;
- django-import-export 4, default path: a `ModelResource` of the same model over the same columns,
  `import_data()` with its defaults (a query per foreign key per row, one save() per row, history through
  simple-history's signal, no model validation).

Every run is a transaction rolled back, so the dataset stays as it was, and starts after a `VACUUM (ANALYZE)` of the
tables the run before it wrote (`vacuum`). `--scale 0.05` multiplies the rows (a smoke test on a ward dataset).
Results: benchmarks/results/imports.md (rows/s min / median / max, and the ratio).
Members and households reuse the files and resources of benchmarks/members_import.py and households_import.py.
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Minh",
         "Nam", "Ngọc", "Phúc", "Quang", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến"]  # fmt: skip
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(['Văn', 'Thị', 'Minh', 'Thu', 'Đức'])} {rng.choice(GIVEN)}"


def words(i: int) -> str:
    """Three letter-only words, different for every i < 13,824."""
    n = len(GIVEN)
    return f"{GIVEN[i % n]} {GIVEN[(i // n) % n]} {GIVEN[(i // n // n) % n]}"


@dataclass
class Dataset:
    """What the files are made of, read once from the dataset."""

    province: Any
    communes: list
    chapters: list
    residential: list
    today: datetime.date
    years: list[int]


@dataclass
class Bench:
    """One kind: how many rows at scale 1, its file, its ModelResource for django-import-export."""

    rows: int
    write: Callable[[Path, int, Dataset], None]
    resource: Callable[[Dataset], Any]
    before_theirs: Callable[[Dataset, Path], None] = lambda data, path: None
    note: str = ""
    kind: str = ""  # the import kind, when not the bench's own name


def write_rows(path: Path, header: list[str], rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def model_resource(model, columns: list[tuple[str, str, Any]], ids: tuple[str, ...], before_save=None):
    """A ModelResource of `model` reading `columns` (header, attribute, widget or None) with its defaults;
    `before_save(instance)` fills the columns the model's services derive (what a developer adds to the resource)."""
    from import_export import fields, resources

    attrs = {attribute: fields.Field(attribute, header, widget=widget) for header, attribute, widget in columns}
    meta = type("Meta", (), {"model": model, "fields": tuple(attrs), "import_id_fields": ids})
    if before_save is not None:
        attrs["before_save_instance"] = lambda self, instance, row, **kwargs: before_save(instance)
    return type(f"{model.__name__}Resource", (resources.ModelResource,), {**attrs, "Meta": meta})()


def by_code(model, field: str = "code"):
    from import_export import widgets

    return widgets.ForeignKeyWidget(model, field)


def date_widget():
    from import_export import widgets

    return widgets.DateWidget("%d/%m/%Y")


def choice_widget(mapping: dict[str, str]):
    from import_export import widgets

    class Choice(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return mapping.get(str(value).strip(), value)

    return Choice()


# --- the kinds ------------------------------------------------------------------------------------------------


def units_write(path: Path, rows: int, data: Dataset) -> None:
    rng = random.Random(19)
    write_rows(
        path,
        ["Mã đơn vị", "Tên đơn vị", "Loại", "Cấp", "Nơi tổ chức", "Mã đơn vị cấp trên", "Hoạt động từ", "Địa chỉ"],
        (
            [
                f"{c.code}-N{i:05d}",
                f"Chi hội thôn {words(i)}",
                "Chi hội",
                "Cơ sở",
                "Khu dân cư",
                c.code,
                f"{data.today:%d/%m/%Y}",
                f"Thôn {rng.randint(1, 30)}",
            ]  # fmt: skip
            for i, c in ((i, data.communes[i % len(data.communes)]) for i in range(rows))
        ),
    )


def units_resource(data: Dataset):
    from chapters.models import Unit

    kinds = choice_widget({"Chi hội": Unit.Kind.CHAPTER})
    levels = choice_widget({"Cơ sở": Unit.Level.GRASSROOTS})
    hosts = choice_widget({"Khu dân cư": Unit.Host.RESIDENTIAL})
    return model_resource(
        Unit,
        [
            ("Mã đơn vị", "code", None),
            ("Tên đơn vị", "name", None),
            ("Loại", "kind", kinds),
            ("Cấp", "level", levels),
            ("Nơi tổ chức", "host", hosts),
            ("Mã đơn vị cấp trên", "parent", by_code(Unit)),
            ("Hoạt động từ", "active_from", date_widget()),
            ("Địa chỉ", "address", None),
        ],  # fmt: skip
        ("code",),
    )


def baseline_units(data: Dataset) -> list:
    return [*data.communes, *data.residential]


def baseline_write(path: Path, rows: int, data: Dataset) -> None:
    rng = random.Random(19)
    units, first = baseline_units(data), min(data.years)
    write_rows(
        path,
        ["Mã đơn vị", "Năm", "Dân số", "Số hộ gia đình", "Số người trưởng thành", "Số đảng viên"],
        (
            [
                units[i % len(units)].code,
                first - 1 - i // len(units),
                rng.randint(900, 1500),
                rng.randint(200, 400),
                rng.randint(600, 900),
                rng.randint(10, 60),
            ]  # fmt: skip
            for i in range(min(rows, len(units) * 20))
        ),
    )


def baseline_resource(data: Dataset):
    from import_export import widgets

    from chapters.models import BaselineFigure, Unit

    number = widgets.IntegerWidget()
    return model_resource(
        BaselineFigure,
        [
            ("Mã đơn vị", "unit", by_code(Unit)),
            ("Năm", "year", number),
            ("Dân số", "population", number),
            ("Số hộ gia đình", "households", number),
            ("Số người trưởng thành", "adults", number),
            ("Số đảng viên", "party_members", number),
        ],  # fmt: skip
        ("unit", "year"),
    )


def members_write(path: Path, rows: int, data: Dataset) -> None:
    from benchmarks.members_import import write_sheet

    write_sheet(path, rows, [unit.code for unit in data.chapters[:400]])


def members_resource(data: Dataset):
    from benchmarks.members_import import member_resource

    return member_resource()


def households_write(path: Path, rows: int, data: Dataset) -> None:
    from benchmarks.households_import import write_sheet

    write_sheet(path, rows, [unit.code for unit in data.residential[:400]])


def households_resource(data: Dataset):
    from benchmarks.households_import import household_resource

    return household_resource()


def clans_write(path: Path, rows: int, data: Dataset) -> None:
    rng = random.Random(19)
    write_rows(
        path,
        ["Mã đơn vị", "Tên dòng họ", "Người đại diện", "Số điện thoại", "Địa chỉ nhà thờ họ"],
        (
            [
                data.communes[i % len(data.communes)].code,
                f"Dòng họ {rng.choice(FAMILY)} {words(i)}",
                person(rng),
                f"09{rng.randint(0, 99_999_999):08d}",
                f"Thôn {rng.randint(1, 30)}",
            ]  # fmt: skip
            for i in range(rows)
        ),
    )


def clans_resource(data: Dataset):
    from chapters.models import Unit
    from members.models import Clan

    return model_resource(
        Clan,
        [
            ("Mã đơn vị", "unit", by_code(Unit)),
            ("Tên dòng họ", "name", None),
            ("Người đại diện", "representative", None),
            ("Số điện thoại", "phone", None),
            ("Địa chỉ nhà thờ họ", "address", None),
        ],  # fmt: skip
        ("unit", "name"),
    )


def dues_year(data: Dataset) -> int:
    return min(data.years) - 1


def dues_write(path: Path, rows: int, data: Dataset) -> None:
    from members.models import Due, Member

    year = dues_year(data)
    paid = set(Due.objects.filter(year=year).values_list("member_id", flat=True))
    members = (
        Member.objects.filter(unit__in=data.chapters, joined_on__year__lte=year, left_on__isnull=True)
        .exclude(pk__in=paid)
        .order_by("pk")
        .values_list("pk", "unit__code")[:rows]
    )
    write_rows(
        path,
        ["Mã hội viên", "Mã chi hội", "Năm", "Số tiền", "Ngày nộp"],
        ([pk, code, year, 60_000, f"15/03/{year}"] for pk, code in members),
    )


def dues_resource(data: Dataset):
    from import_export import widgets

    from chapters.models import Unit
    from members.models import Due, Member

    return model_resource(
        Due,
        [
            ("Mã hội viên", "member", widgets.ForeignKeyWidget(Member)),
            ("Mã chi hội", "unit", by_code(Unit)),
            ("Năm", "year", widgets.IntegerWidget()),
            ("Số tiền", "amount", widgets.IntegerWidget()),
            ("Ngày nộp", "paid_on", date_widget()),
        ],  # fmt: skip
        ("member", "year"),
    )


def transactions_write(path: Path, rows: int, data: Dataset, chapters=None) -> None:
    """Receipts dated today, one after another over the funds of `chapters` (default: every chapter)."""
    from funds.models import Fund, Transaction, VoucherCounter

    rng = random.Random(19)
    year = data.today.year
    funds = list(Fund.objects.filter(unit__in=chapters or data.chapters).select_related("unit").order_by("pk"))
    last = dict(
        VoucherCounter.objects.filter(fund__in=funds, kind=Transaction.Kind.RECEIPT, year=year).values_list(
            "fund_id", "last"
        )
    )

    def lines():
        for i in range(rows):
            fund = funds[i % len(funds)]
            last[fund.pk] = last.get(fund.pk, 0) + 1
            yield [fund.unit.code, fund.name, f"PT-{year}-{last[fund.pk]:04d}", "Thu", f"{data.today:%d/%m/%Y}",
                   rng.randrange(1, 40) * 50_000, person(rng), "Cá nhân", "Ủng hộ, tài trợ quỹ"]  # fmt: skip

    write_rows(
        path,
        ["Mã đơn vị", "Quỹ", "Số phiếu", "Loại phiếu", "Ngày", "Số tiền", "Người nộp, người nhận", "Là", "Mục đích"],
        lines(),
    )


def transactions_commune_write(path: Path, rows: int, data: Dataset) -> None:
    """The same receipts over the funds of one commune's chapters (the commune with the most): a commune's cash
    books, many vouchers per fund, where the file above touches every fund of the province once or twice."""
    from collections import Counter

    per_commune = Counter(chapter.path.split("/")[2] for chapter in data.chapters)
    busiest = per_commune.most_common(1)[0][0]
    transactions_write(path, rows, data, [c for c in data.chapters if c.path.split("/")[2] == busiest])


def transactions_resource(data: Dataset):
    from import_export import widgets

    from chapters.models import Unit
    from funds.models import Fund, Transaction

    class FundOfUnit(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            return Fund.objects.get(unit__code=row["Mã đơn vị"], name=value)

    def derive(voucher) -> None:
        voucher.year, voucher.seq = voucher.date.year, int(voucher.number.rsplit("-", 1)[1])
        voucher.fill_derived()

    kinds = choice_widget({"Thu": Transaction.Kind.RECEIPT})
    types = choice_widget({"Cá nhân": Transaction.Counterparty.PERSON})
    purposes = choice_widget({"Ủng hộ, tài trợ quỹ": Transaction.Purpose.DONATION})
    return model_resource(
        Transaction,
        [
            ("Mã đơn vị", "unit", by_code(Unit)),
            ("Quỹ", "fund", FundOfUnit(Fund)),
            ("Số phiếu", "number", None),
            ("Loại phiếu", "kind", kinds),
            ("Ngày", "date", date_widget()),
            ("Số tiền", "amount", widgets.IntegerWidget()),
            ("Người nộp, người nhận", "counterparty_name", None),
            ("Là", "counterparty_type", types),
            ("Mục đích", "purpose", purposes),
        ],  # fmt: skip
        ("fund", "number"),
        before_save=derive,
    )


AWARDS_PER_DECISION = 40


def awards_write(path: Path, rows: int, data: Dataset) -> None:
    rng = random.Random(19)
    header = ["Mã hội", "Số quyết định", "Ngày quyết định", "Hình thức", "Họ và tên", "Đối tượng", "Trường", "Lớp",
              "Thành tích", "Mã chi hội", "Số tiền (đồng)"]  # fmt: skip

    # A decision's recipients are in chapters of the commune that decided (the import refuses any other).
    chapters_of = defaultdict(list)
    for chapter in data.chapters:
        chapters_of[chapter.parent_id].append(chapter)
    communes = [c for c in data.communes if chapters_of[c.pk]]

    def lines():
        for i in range(rows):
            decision = i // AWARDS_PER_DECISION
            commune = communes[decision % len(communes)]
            mine = chapters_of[commune.pk]
            chapter = mine[i % len(mine)]
            yield [commune.code, f"{decision + 1}/QĐ-ĐO", f"{data.today:%d/%m/%Y}", "Thưởng tiền", person(rng),
                   "Học sinh", f"Trường THCS {rng.choice(GIVEN)}", f"Lớp {i}", "Học sinh giỏi", chapter.code,
                   rng.randrange(2, 20) * 50_000]  # fmt: skip

    write_rows(path, header, lines())


def awards_before_theirs(data: Dataset, path: Path) -> None:
    """django-import-export imports recipients of decisions that exist: the decisions are made first (untimed)."""
    from awards.models import Decision
    from core.spreadsheets.reading import read_file

    sheet = read_file(path).sheets[0]
    numbers = {row[1]: row[0] for _n, row in sheet.rows[1:] if row and row[1]}
    units = {unit.code: unit for unit in data.communes}
    for number, code in numbers.items():
        Decision.objects.create(
            unit=units[code],
            issuer_kind=Decision.IssuerKind.ASSOCIATION,
            issuer_unit=units[code],
            number=number,
            date=data.today,
            year=data.today.year,
            occasion=Decision.Occasion.YEAR_END,
            form=Decision.Form.CASH,
        )


def awards_resource(data: Dataset):
    from import_export import widgets

    from awards.models import Decision, Recipient
    from chapters.models import Unit

    return model_resource(
        Recipient,
        [
            ("Số quyết định", "decision", by_code(Decision, "number")),
            ("Họ và tên", "name", None),
            ("Đối tượng", "kind", choice_widget({"Học sinh": Recipient.Kind.STUDENT})),
            ("Trường", "school", None),
            ("Lớp", "grade", None),
            ("Thành tích", "achievement", None),
            ("Mã chi hội", "unit", by_code(Unit)),
            ("Số tiền (đồng)", "amount", widgets.IntegerWidget()),
        ],  # fmt: skip
        ("decision", "name", "grade"),
    )


def titles_year(data: Dataset) -> int:
    return min(data.years) - 1


def titles_write(path: Path, rows: int, data: Dataset) -> None:
    from members.models import Household

    year = titles_year(data)
    households = (
        Household.objects.filter(unit__in=data.residential)
        .exclude(title_records__year=year)
        .order_by("pk")
        .values_list("unit__code", "code")[:rows]
    )
    write_rows(
        path,
        ["Mã chi hội", "Danh hiệu", "Năm", "Mã hộ", "Ngày đăng ký"],
        ([unit, "Gia đình học tập", year, code, f"15/01/{year}"] for unit, code in households),
    )


def titles_resource(data: Dataset):
    from import_export import widgets

    from chapters.models import Unit
    from learning_models.models import TitleRecord, TitleType
    from learning_models.services.catalogue import CriteriaSetResolver
    from members.models import Household

    resolved = {}

    def derive(record) -> None:
        key = (record.title_type_id, record.year)
        if key not in resolved:
            resolved[key] = CriteriaSetResolver().resolve(record.title_type, data.province, record.year)
        record.criteria_set = resolved[key]

    class HouseholdOfUnit(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            return Household.objects.get(unit__code=row["Mã chi hội"], code=value)

    return model_resource(
        TitleRecord,
        [
            ("Mã chi hội", "unit", by_code(Unit)),
            ("Danh hiệu", "title_type", by_code(TitleType, "name")),
            ("Năm", "year", widgets.IntegerWidget()),
            ("Mã hộ", "household", HouseholdOfUnit(Household)),
            ("Ngày đăng ký", "registered_on", date_widget()),
        ],  # fmt: skip
        ("household", "title_type", "year"),
        before_save=derive,
    )


def classes_write(path: Path, rows: int, data: Dataset) -> None:
    rng = random.Random(19)
    year = data.today.year
    write_rows(
        path,
        ["Mã đơn vị", "Chủ đề, nội dung", "Ngày bắt đầu", "Số buổi", "Số lượt người", "Địa điểm"],
        (
            [
                data.communes[i % len(data.communes)].code,
                f"Chuyên đề {words(i)}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, data.today.month):02d}/{year}",
                rng.randint(1, 8),
                rng.randint(10, 120),
                f"Nhà văn hóa thôn {rng.randint(1, 30)}",
            ]  # fmt: skip
            for i in range(rows)
        ),
    )


def classes_resource(data: Dataset):
    from import_export import widgets

    from chapters.models import Unit
    from learning_models.models import LearningClass

    return model_resource(
        LearningClass,
        [
            ("Mã đơn vị", "unit", by_code(Unit)),
            ("Chủ đề, nội dung", "topic", None),
            ("Ngày bắt đầu", "starts_on", date_widget()),
            ("Số buổi", "sessions", widgets.IntegerWidget()),
            ("Số lượt người", "attendances", widgets.IntegerWidget()),
            ("Địa điểm", "place", None),
        ],  # fmt: skip
        ("unit", "topic", "starts_on"),
    )


BENCHES: dict[str, Bench] = {
    "units": Bench(5_000, units_write, units_resource, note="chi hội mới dưới các xã của bộ dữ liệu"),
    "baseline": Bench(20_000, baseline_write, baseline_resource, note="số liệu nền các năm trước bộ dữ liệu"),
    "members": Bench(
        100_000, members_write, members_resource, note="django-import-export không ghi quá trình sinh hoạt"
    ),
    "households": Bench(50_000, households_write, households_resource),
    "clans": Bench(10_000, clans_write, clans_resource),
    "dues": Bench(50_000, dues_write, dues_resource, note="hội phí một năm chưa ai nộp"),
    "transactions": Bench(
        20_000,
        transactions_write,
        transactions_resource,
        note="phiếu thu sau phiếu cuối mỗi quỹ; django-import-export không cộng số dư, không dời bộ đếm số phiếu",
    ),
    "transactions-commune": Bench(
        20_000,
        transactions_commune_write,
        transactions_resource,
        kind="transactions",
        note="như trên, nhưng mọi phiếu thuộc các quỹ chi hội của một xã (nhiều phiếu mỗi quỹ)",
    ),
    "awards": Bench(
        20_000,
        awards_write,
        awards_resource,
        awards_before_theirs,
        note=f"{AWARDS_PER_DECISION} người mỗi quyết định; django-import-export: quyết định tạo trước, không đo",
    ),
    "titles": Bench(50_000, titles_write, titles_resource, note="đăng ký «Gia đình học tập» một năm chưa có"),
    "classes": Bench(20_000, classes_write, classes_resource),
}


# --- measuring ------------------------------------------------------------------------------------------------


def vacuum(model) -> None:
    """Before each run: clear what the previous rolled-back run left (its rows are dead tuples, its summaries
    too), so that every run, whatever ran before it, starts from the same tables, as a committed import does in
    production once autovacuum has passed."""
    from django.db import connection

    from chapters.models import CommuneTotal, Summary

    tables = {Summary._meta.db_table, CommuneTotal._meta.db_table, model._meta.db_table}
    history = getattr(model, "history", None)
    if history is not None:
        tables.add(history.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(sorted(tables))}")


def runs(count: int, model, once: Callable[[], dict]) -> list[dict]:
    """`count` measurements of `once`, each after a `vacuum` of what the one before left."""
    measured = []
    for _ in range(count):
        vacuum(model)
        measured.append(once())
    return measured


def _wal_position() -> int:
    """Bytes written to PostgreSQL's write-ahead log so far (by every session: the machine is otherwise idle)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def ours_once(kind, path: Path, user) -> dict:
    """One validated, committed import of `path` through the pipeline, rolled back afterwards."""
    from django.db import transaction

    from chapters.imports.kinds import ImportContext
    from chapters.summaries import commune_totals_drain
    from core.imports import pipeline
    from core.spreadsheets.reading import read_file

    history = kind.model.history
    with transaction.atomic():
        history_before = history.count()
        t0 = time.perf_counter()
        read = read_file(path)
        t1 = time.perf_counter()
        ctx = ImportContext(kind=kind, user=user, reason="benchmark")
        result = pipeline.validate(kind, ctx, read)
        t2 = time.perf_counter()
        if not result.ok:
            raise SystemExit(f"Tệp đo tốc độ «{kind.name}» có lỗi: {result.error_list(kind)[:5]} {result.file_errors}")
        wal = _wal_position()
        counts = pipeline.commit(kind, ctx, result)
        t3 = time.perf_counter()
        wal = _wal_position() - wal
        # What the worker does a few seconds after the commit: the touched communes' stored totals summed again
        # (run here, inside the rolled-back transaction, so that it is measured; not part of the import's time).
        commune_totals_drain()
        t4 = time.perf_counter()
        measured = {
            "read": t1 - t0,
            "validate": t2 - t1,
            "commit": t3 - t2,
            "total": t3 - t0,
            "drain": t4 - t3,
            "wal": wal,
            "rows": counts["total"],
            "new": counts["new"],
            "history": history.count() - history_before,
        }
        transaction.set_rollback(True)
    return measured


def profile(kind, path: Path, user) -> None:
    """Where the time of one import goes (the 25 costliest functions, cumulative), on stderr; the whole profile in
    benchmarks/results/imports-<kind>.prof (for `python -m pstats`)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(ours_once, kind, path, user)
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(common.RESULTS / f"imports-{kind.name}.prof")
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)


def sql_times(kind, path: Path, user) -> None:
    """The SQL of one import, without the profiler: the 15 statements (by their first 160 characters) that took
    longest in all, with how often they ran, on stderr. The worker's summing of the communes afterwards is in it."""
    from collections import Counter

    from django.db import connection

    spent: Counter = Counter()
    runs: Counter = Counter()

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[sql[:160]] += time.perf_counter() - started
            runs[sql[:160]] += 1

    with connection.execute_wrapper(timed):
        ours_once(kind, path, user)
    for sql, seconds in spent.most_common(15):
        print(f"SQL {seconds:7.3f} s {runs[sql]:5d} lần  {sql}", file=sys.stderr)


def theirs_once(bench: Bench, data: Dataset, model, path: Path) -> dict:
    import tablib
    from django.db import transaction

    with transaction.atomic():
        bench.before_theirs(data, path)
        history_before = model.history.count()
        t0 = time.perf_counter()
        dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
        outcome = bench.resource(data).import_data(dataset, dry_run=False)
        total = time.perf_counter() - t0
        errors = len(outcome.invalid_rows) + sum(1 for row in outcome.rows if row.errors)
        first = next((str(e.error)[:120] for row in outcome.rows for e in row.errors), "")
        first = first or next((str(row.error)[:120] for row in outcome.invalid_rows), "")
        if first:
            print(f"django-import-export, {model.__name__}: {errors} dòng lỗi, ví dụ: {first}", file=sys.stderr)
        measured = {
            "total": total,
            "rows": len(dataset),
            "new": outcome.totals.get("new", 0),
            "errors": errors,
            "history": model.history.count() - history_before,
        }
        transaction.set_rollback(True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default=",".join(BENCHES), help="tên các loại, cách nhau bằng dấu phẩy")
    parser.add_argument("--scale", type=float, default=1.0, help="nhân số dòng của mỗi loại")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile của lần nhập đầu mỗi loại, ra stderr")
    parser.add_argument("--sql", action="store_true", help="thời gian SQL theo câu của một lần nhập mỗi loại")
    options = parser.parse_args()
    # Redis as the cache, as in production (the embedded default's file cache writes one file per token).
    common.configure(
        "BENCH_MEMBERS_DATABASE_URL",
        DEFAULT_URL,
        REDIS_URL=common.BENCH_REDIS_URL,
    )
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from chapters.models import BaselineFigure, Role, Unit
    from core.imports.kinds import KINDS
    from tests.factories import UserFactory

    common.require_dataset()
    names = [name.strip() for name in options.kinds.split(",") if name.strip()]
    unknown = set(names) - set(BENCHES)
    if unknown:
        raise SystemExit(f"Không có loại {', '.join(sorted(unknown))}; các loại: {', '.join(BENCHES)}")
    province = common.dataset_province()
    units = common.dataset_units()
    chapters = list(units.filter(level=Unit.Level.GRASSROOTS).order_by("pk"))
    communes = list(Unit.objects.filter(pk__in={c.parent_id for c in chapters}).order_by("code"))
    years = sorted(set(BaselineFigure.objects.filter(unit__in=communes).values_list("year", flat=True)))
    data = Dataset(
        province=province,
        communes=communes,
        chapters=chapters,
        residential=[c for c in chapters if c.host == Unit.Host.RESIDENTIAL],
        today=timezone.localdate(),
        years=years or [timezone.localdate().year],
    )
    workdir = Path(tempfile.mkdtemp(prefix="kh_bench_imports_"))

    measured = {}
    # The secretary who imports: committed (each run is its own transaction, rolled back), removed at the end.
    with transaction.atomic():
        user = UserFactory(username=f"bench_imports_{os.getpid()}")
        Role.objects.create(user=user, unit=province, kind=Role.Kind.SECRETARY)
    try:
        for name in names:
            bench = BENCHES[name]
            kind = KINDS[bench.kind or name]
            path = workdir / f"{name}.xlsx"
            bench.write(path, max(1, round(bench.rows * options.scale)), data)
            if options.profile:
                vacuum(kind.model)
                profile(kind, path, user)
            if options.sql:
                vacuum(kind.model)
                sql_times(kind, path, user)
            ours = runs(options.runs, kind.model, partial(ours_once, kind, path, user))
            theirs = []
            if not options.skip_import_export:
                theirs = runs(options.runs, kind.model, partial(theirs_once, bench, data, kind.model, path))
            measured[name] = (path, ours, theirs)
            print(f"{name}: {ours[0]['rows']} dòng, của phần mềm {ours[0]['rows'] / ours[0]['total']:,.0f} dòng/s",
                  file=sys.stderr)  # fmt: skip
    finally:
        with transaction.atomic():
            Role.objects.filter(user=user).delete()
            user.delete()

    def n(value: float) -> str:
        return f"{value:,.0f}".replace(",", ".")

    def rates(runs: list[dict]) -> tuple[float, float, float]:
        return common.spread([run["rows"] / run["total"] for run in runs])

    lines = [
        "",
        "## Nhập dữ liệu: mọi loại, so với django-import-export",
        "",
        f"Bộ dữ liệu của {province.display_name}; mỗi loại một tệp .xlsx dòng mới, mỗi cách {options.runs} lần "
        "trong cùng một lần chạy, mỗi lần trong một giao dịch được hủy sau khi đo. Dòng/giây: nhỏ nhất / **trung "
        "vị** / lớn nhất, tính cả đọc tệp, kiểm tra đầy đủ, ghi với lịch sử và số liệu tổng hợp. Cột «nền» là việc "
        "máy xử lý nền làm vài giây sau khi ghi (cộng dồn lại số liệu của các xã bị chạm), không tính vào dòng/giây. "
        "Cột «WAL» là số MB lần ghi thêm vào nhật ký ghi trước của PostgreSQL, nhỏ nhất–lớn nhất (nhiều hơn khi lần "
        "ghi rơi ngay sau một checkpoint: ảnh trang đầy đủ).",
        "",
        "| Loại | Dòng | Đọc / kiểm tra / ghi (s, trung vị) | WAL (MB) | Nền (s) | Của phần mềm (dòng/s) | "
        "django-import-export (dòng/s) | Tỉ lệ | ≥ 2.000 dòng/s | Ghi chú |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, (_path, ours, theirs) in measured.items():
        low, middle, high = rates(ours)
        steps = " / ".join(
            f"{common.spread([run[key] for run in ours])[1]:.1f}" for key in ("read", "validate", "commit")
        )
        drain = f"{common.spread([run['drain'] for run in ours])[1]:.1f}"
        wal = f"{min(run['wal'] for run in ours) / 1e6:.0f}–{max(run['wal'] for run in ours) / 1e6:.0f}"
        theirs_text, ratio = "–", "–"
        note = BENCHES[name].note
        if theirs:
            t_low, t_middle, t_high = rates(theirs)
            theirs_text = f"{n(t_low)} / **{n(t_middle)}** / {n(t_high)}"
            ratio = f"{middle / t_middle:.1f}×"
            if theirs[0]["errors"]:
                note = f"{note}; django-import-export: {n(theirs[0]['errors'])} dòng lỗi".lstrip("; ")
        lines.append(
            f"| `{name}` | {n(ours[0]['rows'])} | {steps} | {wal} | {drain} | {n(low)} / **{n(middle)}** / {n(high)} | "
            f"{theirs_text} | {ratio} | {'đạt' if middle >= 2000 else 'CHƯA ĐẠT'} | {note} |"
        )
    lines.append("")
    common.write_results("imports", lines)


if __name__ == "__main__":
    main()
