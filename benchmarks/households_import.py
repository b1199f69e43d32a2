"""Importing households from .xlsx (issue 19: ≥ 2,000 rows/s with full validation), against django-import-export's
default path on the same file in the same run, each measured `--runs` times (min / median / max).

    python benchmarks/households_import.py [--rows 50000] [--runs 3]

Uses the database `kh_bench_members` (BENCH_MEMBERS_DATABASE_URL; `generate_dataset --scale province` there
first). The file's households are new ones in the residential chapters of the dataset's communes; every run is
a transaction rolled back, so the dataset stays as it was. Results in benchmarks/results/households_import.md.

- Ours: the `households` kind through the import pipeline: read (python-calamine), every row parsed and fully
  validated (Household.clean(), codes unique in the chapter for the whole file in one query per 1,000 rows,
  same-head warnings), then one all-or-nothing commit with history.
- django-import-export 4, default path: `ModelResource.import_data()` with its defaults (one instance and one
  save() per row, history through simple-history's signal, no model validation).
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import common, imports  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kh_bench_members"
HEADERS = ["Mã chi hội", "Mã hộ", "Chủ hộ", "Địa chỉ", "Số nhân khẩu", "Số điện thoại"]


def write_sheet(path: Path, rows: int, unit_codes: list[str]) -> None:
    from openpyxl import Workbook

    from members.demo import FAMILY, GIVEN_MALE, MIDDLE_MALE

    rng = random.Random(19)
    families = [name for name, _weight in FAMILY]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(HEADERS)
    for number in range(1, rows + 1):
        sheet.append(
            [
                rng.choice(unit_codes),
                f"BH{number:06d}",
                f"{rng.choice(families)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}",
                f"Số {rng.randint(1, 300)}, tổ {rng.randint(1, 30)}",
                rng.randint(1, 8),
                f"09{rng.randint(0, 99_999_999):08d}",
            ]
        )
    workbook.save(path)


def household_resource():
    """django-import-export's ModelResource for the same sheet, with its default behaviour."""
    from import_export import fields, resources, widgets

    from chapters.models import Unit
    from members.models import Household

    class HouseholdResource(resources.ModelResource):
        unit = fields.Field("unit", "Mã chi hội", widget=widgets.ForeignKeyWidget(Unit, "code"))
        code = fields.Field("code", "Mã hộ")
        head_name = fields.Field("head_name", "Chủ hộ")
        address = fields.Field("address", "Địa chỉ")
        people = fields.Field("people", "Số nhân khẩu", widget=widgets.IntegerWidget())
        phone = fields.Field("phone", "Số điện thoại")

        class Meta:
            model = Household
            fields = ("unit", "code", "head_name", "address", "people", "phone")
            import_id_fields = ("unit", "code")

    return HouseholdResource()


def theirs_once(path: Path) -> dict:
    import tablib
    from django.db import transaction

    from members.models import Household

    with transaction.atomic():
        history_before = Household.history.count()
        t0 = time.perf_counter()
        dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
        outcome = household_resource().import_data(dataset, dry_run=False)
        total = time.perf_counter() - t0
        measured = {
            "total": total,
            "new": outcome.totals.get("new", 0),
            "errors": outcome.has_errors() or outcome.has_validation_errors(),
            "history": Household.history.count() - history_before,
        }
        transaction.set_rollback(True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
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
    from django.db import transaction

    from chapters.models import Role, Unit
    from members.imports import household_kind
    from tests.factories import UserFactory

    common.require_dataset()
    province = common.dataset_province()
    chapters = common.dataset_units().filter(
        level=Unit.Level.GRASSROOTS, host=Unit.Host.RESIDENTIAL, path__startswith=province.path
    )
    codes = list(chapters.order_by("pk").values_list("code", flat=True)[:400])
    path = Path(tempfile.mkdtemp(prefix="kh_bench_households_")) / "ho-gia-dinh.xlsx"
    write_sheet(path, options.rows, codes)

    with transaction.atomic():
        user = UserFactory(username="bench_households")
        Role.objects.create(user=user, unit=province, kind=Role.Kind.SECRETARY)
        ours = [imports.ours_once(household_kind, path, user) for _ in range(options.runs)]
        theirs = [] if options.skip_import_export else [theirs_once(path) for _ in range(options.runs)]
        transaction.set_rollback(True)

    rows = options.rows

    def rate(runs: list[dict]) -> str:
        low, middle, high = common.spread([rows / run["total"] for run in runs])
        return f"{low:,.0f} / **{middle:,.0f}** / {high:,.0f}".replace(",", ".")

    def seconds(runs: list[dict], key: str) -> str:
        return " / ".join(f"{value:.1f}" for value in common.spread([run[key] for run in runs]))

    lines = [
        "",
        f"## Hộ gia đình: nhập {rows:,} hộ từ .xlsx".replace(",", "."),
        "",
        f"Tệp {path.stat().st_size / 1e6:.1f} MB vào {len(codes)} chi hội khu dân cư của {province.display_name}; "
        f"mỗi cách {options.runs} lần trong cùng một lần chạy, mỗi lần trong một giao dịch được hủy sau khi đo. "
        "Số liệu: nhỏ nhất / trung vị / lớn nhất.",
        "",
        "| Cách nhập | Đọc (s) | Kiểm tra (s) | Ghi (s) | Tổng (s) | Dòng/giây | Dòng lịch sử | Nền sau khi ghi (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| Của phần mềm (loại `households`, kiểm tra đầy đủ) | {seconds(ours, 'read')} | "
        f"{seconds(ours, 'validate')} | {seconds(ours, 'commit')} | {seconds(ours, 'total')} | {rate(ours)} | "
        f"{ours[0]['history']} | {seconds(ours, 'drain')} |",
    ]
    if theirs:
        lines.append(
            f"| django-import-export 4, mặc định (không kiểm tra model) | – | – | – | {seconds(theirs, 'total')} | "
            f"{rate(theirs)} | {theirs[0]['history']} | – |"
        )
        ratio = common.spread([t["total"] for t in theirs])[1] / common.spread([o["total"] for o in ours])[1]
        lines += ["", f"- Tỉ lệ (trung vị): phần mềm nhanh hơn {ratio:.1f} lần."]
    reached = rows / common.spread([run["total"] for run in ours])[1] >= 2000
    lines += [f"- Mục tiêu ≥ 2.000 dòng/giây (trung vị): {'đạt' if reached else 'CHƯA ĐẠT'}.", ""]
    common.write_results("households_import", lines)


if __name__ == "__main__":
    main()
