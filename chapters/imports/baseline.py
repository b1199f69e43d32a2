"""The `baseline` kind: a unit's own yearly figures of its area (population, households, ...), by unit code and
year. Re-importing finds the same (unit, year) rows and changes nothing."""

import datetime

from chapters.models import BaselineFigure, Unit
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import parse_integer, parse_text, parse_year

from .kinds import ImportContext, ImportKind, unit_code_column, unit_name_column

COUNT_HELP = "Số nguyên, có thể viết 1.234 hoặc 1234; để trống nếu chưa có số liệu."


class BaselineKind(ImportKind):
    name = "baseline"
    label = "Số liệu nền (dân số, số hộ...)"
    model = BaselineFigure
    unit_code_field = "unit_code"
    natural_key_fields = ("unit_id", "year")
    key_field = "year"
    period_field = "year"
    summary_providers = ["baseline"]
    description = (
        "Mỗi dòng là số liệu của một đơn vị trong một năm. Dòng được nhận ra theo mã đơn vị và năm: đã có thì cập "
        "nhật, chưa có thì thêm mới. Số liệu của đơn vị cấp trên, nếu không nhập, được tính bằng tổng các đơn vị "
        "trực thuộc. Không nhập được số liệu của năm đã khóa sổ."
    )
    columns = [
        unit_code_column(
            "Mã đơn vị",
            ("Mã", "Mã số", "Mã ĐV", "Mã chi hội", "Mã hội", "Mã xã", "Mã đơn vị hành chính"),
            help="Mã của đơn vị (trong phạm vi của bạn) mà số liệu thuộc về.",
            example="10001-01",
            width=14,
        ),
        unit_name_column(
            "Tên đơn vị",
            ("Tên", "Đơn vị", "Tên chi hội", "Tên hội", "Tên xã, phường"),
            example="Chi hội tổ dân phố số 1",
            width=32,
        ),
        Column(
            "year",
            "Năm",
            ("Năm số liệu", "Năm báo cáo"),
            required=True,
            parser=parse_year,
            help="Năm của số liệu, 4 chữ số.",
            example="2024",
            width=8,
        ),
        Column(
            "population",
            "Dân số",
            ("Số dân", "Tổng dân số", "Số nhân khẩu", "Nhân khẩu", "Dân số (người)"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="12.486",
            width=12,
        ),
        Column(
            "households",
            "Số hộ gia đình",
            ("Số hộ", "Hộ gia đình", "Tổng số hộ", "Số hộ dân", "Tổng số hộ gia đình"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="3.120",
            width=12,
        ),
        Column(
            "adults",
            "Số người trưởng thành",
            ("Người trưởng thành", "Số người lớn", "Người lớn", "Dân số trưởng thành"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="9.050",
            width=12,
        ),
        Column(
            "party_members",
            "Số đảng viên",
            ("Đảng viên", "Tổng số đảng viên", "Số ĐV"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="412",
            width=12,
        ),
        Column(
            "residential_groups",
            "Số thôn, tổ dân phố",
            ("Thôn, tổ dân phố", "Số thôn", "Số tổ dân phố", "Số khu dân cư", "Số thôn, TDP", "Thôn, TDP"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="14",
            width=12,
        ),
        Column(
            "clans",
            "Số dòng họ",
            ("Dòng họ", "Tổng số dòng họ"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="12",
            width=12,
        ),
        Column(
            "agencies",
            "Số cơ quan, đơn vị, trường học",
            ("Cơ quan, đơn vị, trường học", "Số cơ quan", "Số cơ quan, trường học", "Cơ quan, trường học"),
            parser=parse_integer,
            help=COUNT_HELP,
            example="8",
            width=14,
        ),
        Column("notes", "Ghi chú", (), parser=parse_text, help="Ghi chú ngắn (tối đa 255 ký tự).", width=24),
    ]

    def row_period(self, row: Row):
        year = row.values.get("year")
        return (datetime.date(year, 1, 1), datetime.date(year, 12, 31)) if year else None

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        from chapters.summaries import summaries_refresh

        unit_ids = {row.instance.unit_id for row in rows}
        years = {row.instance.year for row in rows} | {row.before.get("year") for row in rows if row.before}
        if unit_ids:
            summaries_refresh(unit_ids=unit_ids, years={y for y in years if y}, providers=self.summary_providers)

    def export_queryset(self, user, unit: Unit | None = None):
        return super().export_queryset(user, unit).select_related("unit").order_by("unit__path", "year")

    def export_rows(self, queryset):
        from chapters.resources import BaselineFigureResource

        return BaselineFigureResource().export(queryset, force_native_type=True)


baseline_kind = BaselineKind()
