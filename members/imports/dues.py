"""The `dues` kind: dues paid, one row per member and year. The member is found by "Mã hội viên", by card number,
or by chapter code with name and birth year; re-importing the same file changes nothing."""

from collections import defaultdict

from chapters import scoping
from chapters.imports.kinds import ImportContext, ImportKind, unit_code_column
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import parse_amount, parse_code, parse_date, parse_integer, parse_year

from ..models import Due, Member
from .common import chunks, name_key, parse_birth


class DuesKind(ImportKind):
    name = "dues"
    personal = True
    label = "Hội phí"
    model = Due
    unit_code_field = "unit_code"
    natural_key_fields = ("member_id", "year")
    key_field = "year"
    period_field = "year"
    summary_providers = ["members"]
    description = (
        "Mỗi dòng là hội phí của một hội viên trong một năm. Hội viên được nhận ra theo «Mã hội viên», theo số thẻ, "
        "hoặc theo mã chi hội cùng họ tên và năm sinh. Đã có hội phí năm đó thì cập nhật số tiền, ngày nộp; nhập lại "
        "cùng một tệp không thay đổi gì. Không nhập được hội phí của năm đã khóa sổ."
    )
    columns = [
        Column(
            "member_id",
            "Mã hội viên",
            ("Mã HV", "ID hội viên"),
            parser=parse_integer,
            help="Mã của hội viên trong phần mềm (có trong tệp xuất danh sách hội viên).",
            width=10,
        ),
        unit_code_column(
            "Mã chi hội",
            ("Mã đơn vị", "Mã CH", "Mã chi hội, ban"),
            help="Cần khi không có mã hội viên và số thẻ: tìm hội viên theo chi hội, họ tên và năm sinh.",
            example="10001-01",
            width=12,
            required=False,
        ),
        Column("full_name", "Họ và tên", ("Họ tên", "Tên hội viên"), example="Nguyễn Văn Đức", width=24),
        Column("birth", "Năm sinh", ("Ngày sinh", "Sinh năm"), parser=parse_birth, example="1958", width=10),
        Column("card_number", "Số thẻ hội viên", ("Số thẻ", "Mã thẻ", "Số thẻ HV"), parser=parse_code, width=13),
        Column(
            "year",
            "Năm",
            ("Hội phí năm", "Năm nộp", "Năm đóng"),
            required=True,
            parser=parse_year,
            help="Năm của hội phí.",
            example="2025",
            width=8,
        ),
        Column(
            "amount",
            "Số tiền",
            ("Số tiền (đồng)", "Hội phí", "Mức đóng", "Số tiền đã nộp", "Đã nộp", "Thành tiền"),
            required=True,
            parser=parse_amount,
            help="Số đồng nguyên, có thể viết 60.000 hoặc 60000.",
            example="60.000",
            width=12,
        ),
        Column(
            "paid_on",
            "Ngày nộp",
            ("Ngày đóng", "Nộp ngày", "Ngày thu"),
            required=True,
            parser=parse_date,
            example="15/03/2025",
            width=12,
        ),
        Column("notes", "Ghi chú", (), width=20),
    ]

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().prepare(ctx, rows)
        found: dict = {}
        ids = {row.values["member_id"] for row in rows if row.values.get("member_id")}
        for chunk in chunks(ids, 1000):
            for member in Member.objects.filter(pk__any=chunk).select_related("unit"):
                found[("id", member.pk)] = [member]
        cards = {row.values["card_number"] for row in rows if row.values.get("card_number")}
        for chunk in chunks(cards, 1000):
            qs = Member.objects.filter(card_number__any=chunk)
            if ctx.user is not None:
                qs = scoping.restrict(qs, ctx.user, scoping.CHANGE)
            for member in qs.select_related("unit"):
                found.setdefault(("card", member.card_number), []).append(member)
        names = defaultdict(set)
        for row in rows:
            birth, code = row.values.get("birth"), row.values.get("unit_code")
            if code and birth and row.values.get("full_name"):
                names[code].add((name_key(row.values["full_name"]), birth[1]))
        for code, wanted in names.items():
            units = [unit.pk for unit in ctx.units_by_code.get(code, [])]
            qs = Member.objects.filter(
                unit_id__any=units, name_key__any={n for n, _y in wanted}, birth_year__any={y for _n, y in wanted}
            )
            for member in qs.select_related("unit"):
                found.setdefault(("name", code, member.name_key, member.birth_year), []).append(member)
        ctx.data["members"] = found

    def _lookup(self, row: Row):
        values = row.values
        if values.get("member_id"):
            return ("id", values["member_id"]), "member_id"
        if values.get("card_number"):
            return ("card", values["card_number"]), "card_number"
        birth = values.get("birth")
        if values.get("unit_code") and values.get("full_name") and birth:
            return ("name", values["unit_code"], name_key(values["full_name"]), birth[1]), "full_name"
        return None, "member_id"

    def row_unit(self, ctx: ImportContext, row: Row):
        key, field_name = self._lookup(row)
        if key is None:
            row.error("member_id", "Hãy ghi mã hội viên, số thẻ, hoặc mã chi hội cùng họ tên và năm sinh.")
            return None
        # Members out of scope are not there for this importer: not found reads the same (issue 15).
        members = [member for member in ctx.data["members"].get(key, []) if ctx.in_scope(member.unit)]
        if len(members) > 1:
            row.error(field_name, "Có nhiều hội viên khớp với dòng này: hãy ghi «Mã hội viên» để phân biệt.")
            return None
        if not members:
            row.error(field_name, "Không tìm thấy hội viên này (trong phạm vi của bạn).")
            return None
        member = members[0]
        row.extra["member"] = member
        return member.unit

    def natural_key(self, ctx: ImportContext, row: Row):
        return (row.extra["member"].pk, row.values.get("year"))

    def attach(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().attach(ctx, rows)
        for row in rows:  # the key is the member's: the dues record is hers
            row.existing.member = row.extra["member"]

    def build(self, ctx: ImportContext, row: Row) -> Due:
        member = row.extra["member"]
        due = row.existing if row.existing is not None else Due(member=member, unit=member.unit)
        values = row.values
        due.year = values.get("year")
        due.amount = values.get("amount")
        due.paid_on = values.get("paid_on")
        if "notes" in ctx.columns_present:
            due.notes = values.get("notes") or ""
        return due

    def validate(self, ctx: ImportContext, row: Row) -> None:
        member, due = row.extra["member"], row.instance
        start_year = member.joined_on.year
        if due.year < start_year or (member.left_on and member.left_on.year < due.year):
            row.error(
                "year",
                f"{member.full_name} không là hội viên trong năm {due.year} "
                f"(vào hội {member.joined_on:%d/%m/%Y}"
                + (f", ra hội {member.left_on:%d/%m/%Y}" if member.left_on else "")
                + ").",
            )

    def export_queryset(self, user, unit=None):
        return super().export_queryset(user, unit).select_related("member", "unit").order_by("unit__path", "year")

    def export_rows(self, queryset):
        for due in queryset.iterator(chunk_size=2000):
            member = due.member
            yield [
                member.pk,
                due.unit.code,
                member.full_name,
                member.birth_year,
                member.card_number,
                due.year,
                due.amount,
                due.paid_on,
                due.notes,
            ]


dues_kind = DuesKind()
