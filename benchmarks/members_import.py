"""Importing 100,000 members from .xlsx (issue 4: < 60 s with full validation and history), against
django-import-export's default path on the same file in the same run.

    python benchmarks/members_import.py [--rows 100000]

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL to change it; filled by
`generate_dataset --scale province` if empty). Both imports run inside a transaction that is rolled back, so the
dataset stays as it was. Prints a Markdown section for docs/benchmarks.md.

- Ours: `chapters.imports` pipeline with the `members` kind: read (python-calamine), every row parsed and fully
  validated (field validators, Member.clean(), check constraints, card numbers unique per province, likely
  duplicates), then one all-or-nothing commit: members and their history rows, memberships, summaries.
- django-import-export 4, default path: `ModelResource.import_data()` with its defaults (tablib/openpyxl
  reading, one instance and one save() per row, history through simple-history's signal, no model validation
  since `clean_model_instances` is off by default, and no memberships, so counts at a date would be wrong).
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
HEADERS = [
    "STT", "Mã chi hội", "Họ và tên", "Giới tính", "Năm sinh", "Số điện thoại", "Địa chỉ", "Nghề nghiệp",
    "Đảng viên", "Ngày vào hội", "Số thẻ hội viên",
]  # fmt: skip


def write_sheet(path: Path, rows: int, unit_codes: list[str]) -> None:
    from openpyxl import Workbook

    from members.demo import FAMILY, GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE, OCCUPATIONS

    rng = random.Random(4)
    families = [name for name, _weight in FAMILY]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(HEADERS)
    for number in range(1, rows + 1):
        female = rng.random() < 0.56
        middle, given = (MIDDLE_FEMALE, GIVEN_FEMALE) if female else (MIDDLE_MALE, GIVEN_MALE)
        birth = rng.randint(1940, 2000)
        sheet.append(
            [
                number,
                rng.choice(unit_codes),
                f"{rng.choice(families)} {rng.choice(middle)} {rng.choice(given)}",
                "Nữ" if female else "Nam",
                birth,
                f"09{rng.randint(0, 99_999_999):08d}",
                f"Số {rng.randint(1, 300)}, tổ {rng.randint(1, 30)}",
                rng.choice(OCCUPATIONS),
                "x" if rng.random() < 0.15 else "",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(max(2000, birth + 18), 2025)}",
                f"BM-{number:07d}",
            ]
        )
    workbook.save(path)


def member_resource():
    """django-import-export's ModelResource for the same sheet, with its default behaviour."""
    from import_export import fields, resources, widgets

    from chapters.models import Unit
    from members.models import Member

    class YesWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return bool(value)

    class GenderWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return "F" if str(value).strip().lower() in ("nữ", "nu") else "M"

    class MemberResource(resources.ModelResource):
        unit = fields.Field("unit", "Mã chi hội", widget=widgets.ForeignKeyWidget(Unit, "code"))
        full_name = fields.Field("full_name", "Họ và tên")
        gender = fields.Field("gender", "Giới tính", widget=GenderWidget())
        birth_year = fields.Field("birth_year", "Năm sinh", widget=widgets.IntegerWidget())
        phone = fields.Field("phone", "Số điện thoại")
        address = fields.Field("address", "Địa chỉ")
        occupation = fields.Field("occupation", "Nghề nghiệp")
        party_member = fields.Field("party_member", "Đảng viên", widget=YesWidget())
        joined_on = fields.Field("joined_on", "Ngày vào hội", widget=widgets.DateWidget("%d/%m/%Y"))
        card_number = fields.Field("card_number", "Số thẻ hội viên")

        class Meta:
            model = Member
            fields = ("unit", "full_name", "gender", "birth_year", "phone", "address", "occupation",
                      "party_member", "joined_on", "card_number")  # fmt: skip
            import_id_fields = ("card_number",)

    return MemberResource()


def warning_count(result, kind) -> int:
    """The likely duplicates the pipeline found (the warnings a person decides on in the preview)."""
    return len(result.warning_list(kind))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-import-export", action="store_true")
    options = parser.parse_args()
    # Redis as the cache, as in production (the embedded default's file cache writes one file per token).
    common.configure(
        "BENCH_MEMBERS_DATABASE_URL",
        DEFAULT_URL,
        REDIS_URL=common.BENCH_REDIS_URL,
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from chapters.imports.kinds import ImportContext
    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Role, Unit
    from core.imports import pipeline
    from core.spreadsheets.reading import read_file
    from members.imports import member_kind
    from members.models import Member, Membership
    from tests.factories import UserFactory

    if "members_member" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        call_command("generate_dataset", scale="province")
    common.require_dataset()
    commune = Unit.objects.filter(level=Unit.Level.COMMUNE, children__notes=MARKER).distinct().order_by("code").first()
    codes = list(Unit.objects.filter(parent=commune, notes=MARKER).values_list("code", flat=True))
    workdir = Path(tempfile.mkdtemp(prefix="kh_bench_import_"))
    path = workdir / "hoi-vien.xlsx"
    started = time.perf_counter()
    write_sheet(path, options.rows, codes)
    print(f"Tệp {path.name}: {options.rows} dòng, {path.stat().st_size / 1e6:.1f} MB, tạo trong "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip

    ours = {}
    with transaction.atomic():
        user = UserFactory(username="bench_import")
        Role.objects.create(user=user, unit=commune, kind=Role.Kind.SECRETARY)
        history_before = Member.history.count()
        ctx = ImportContext(kind=member_kind, user=user, reason="benchmark")
        t0 = time.perf_counter()
        read = read_file(path)
        t1 = time.perf_counter()
        result = pipeline.validate(member_kind, ctx, read)
        t2 = time.perf_counter()
        assert result.ok, result.error_list(member_kind)[:5]
        counts = pipeline.commit(member_kind, ctx, result)
        t3 = time.perf_counter()
        ours = {
            "read": t1 - t0,
            "validate": t2 - t1,
            "commit": t3 - t2,
            "total": t3 - t0,
            "new": counts["new"],
            "history": Member.history.count() - history_before,
            "memberships": Membership.objects.filter(member__card_number__startswith="BM-").count(),
            "warnings": warning_count(result, member_kind),
        }
        transaction.set_rollback(True)
    print(f"Ours: {ours}", file=sys.stderr)

    theirs = None
    if not options.skip_import_export:
        import tablib

        with transaction.atomic():
            history_before = Member.history.count()
            t0 = time.perf_counter()
            dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
            t1 = time.perf_counter()
            outcome = member_resource().import_data(dataset, dry_run=False)
            t2 = time.perf_counter()
            theirs = {
                "read": t1 - t0,
                "import": t2 - t1,
                "total": t2 - t0,
                "errors": outcome.has_errors() or outcome.has_validation_errors(),
                "new": outcome.totals.get("new", 0),
                "history": Member.history.count() - history_before,
            }
            transaction.set_rollback(True)
        print(f"django-import-export: {theirs}", file=sys.stderr)

    rows = options.rows

    def n(value) -> str:
        return f"{value:,.0f}".replace(",", ".")

    lines = [
        "",
        f"## Hội viên: nhập {n(rows)} hội viên từ .xlsx",
        "",
        f"`python benchmarks/members_import.py` trên `{common.database_name()}`: tệp .xlsx {n(rows)} "
        f"dòng ({path.stat().st_size / 1e6:.1f} MB) vào {len(codes)} chi hội của một xã, cả hai cách trong cùng một "
        "lần chạy; mỗi lần nhập trong một giao dịch được hủy sau khi đo.",
        "",
        "| Cách nhập | Đọc tệp (s) | Kiểm tra (s) | Ghi (s) | Tổng (s) | Dòng/giây | Dòng lịch sử | Ghi chú |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| Của phần mềm (`chapters.imports`, loại `members`) | {ours['read']:.1f} | {ours['validate']:.1f} | "
        f"{ours['commit']:.1f} | **{ours['total']:.1f}** | {n(rows / ours['total'])} | {n(ours['history'])} | "
        f"kiểm tra đầy đủ; {n(ours['memberships'])} quá trình sinh hoạt; {n(ours['warnings'])} cảnh báo có thể "
        "trùng người; cập nhật số liệu tổng hợp |",
    ]
    if theirs:
        lines.append(
            f"| django-import-export 4, mặc định | {theirs['read']:.1f} | – | {theirs['import']:.1f} | "
            f"**{theirs['total']:.1f}** | {n(rows / theirs['total'])} | {n(theirs['history'])} | không kiểm tra model "
            "(`clean_model_instances` tắt); không có quá trình sinh hoạt nên số hội viên theo ngày sai |"
        )
    lines += ["", f"- Mục tiêu < 60 s: {'đạt' if ours['total'] < 60 else 'CHƯA ĐẠT'}.", ""]
    common.write_results("members_import", lines)


if __name__ == "__main__":
    main()
