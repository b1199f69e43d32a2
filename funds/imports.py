"""The `transactions` import kind: receipt and payment vouchers from a cash book kept in Excel.

Each row is one voucher of a fund, found by (unit code, fund name, voucher number): re-importing a file finds
the same vouchers and changes nothing. A voucher already in the books with different content is refused (a
voucher is corrected by a reversal, never overwritten). New vouchers keep the numbers of the paper books; the
fund's counters move past the highest number imported, so vouchers entered later never reuse one. The balance
check of the screens applies: a fund that may not go below zero refuses a file that would take it there. Rows
marked as reversing another voucher (column «Ghi âm phiếu số») take the opposite sign.
"""

import datetime
import re
from collections import defaultdict

from chapters.imports.kinds import ImportContext, ImportKind, unit_code_column, unit_name_column
from chapters.models import Unit
from core import formatting
from core.bulk import pks_matching, raise_to, values_update_rows
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import choice_parser, parse_amount, parse_date, parse_integer

from .models import ANONYMOUS_NAME, DEFAULT_FUND_NAME, Fund, OpeningBalance, Transaction, VoucherCounter

K = Transaction.Kind
P = Transaction.Purpose
C = Transaction.Counterparty
_NUMBER = re.compile(r"^(?:(PT|PC)[\s./_-]*)?(?:(\d{4})[\s./_-]+)?0*(\d{1,7})$", re.IGNORECASE)

parse_kind = choice_parser(
    K.choices,
    {K.RECEIPT: ["Thu", "PT", "Phiếu thu", "Thu tiền"], K.PAYMENT: ["Chi", "PC", "Phiếu chi", "Chi tiền"]},
)
parse_purpose = choice_parser(
    P.choices,
    {
        P.DONATION: ["Ủng hộ", "Tài trợ", "Ủng hộ quỹ", "Đóng góp", "Thu ủng hộ"],
        P.SCHOLARSHIP: ["Học bổng", "Chi học bổng", "Trao học bổng"],
        P.STUDENT_REWARD: ["Khen thưởng học sinh", "Thưởng học sinh", "Khen thưởng HS"],
        P.TEACHER_REWARD: ["Khen thưởng giáo viên", "Thưởng giáo viên", "Khen thưởng GV"],
        P.FAMILY_REWARD: ["Khen thưởng gia đình", "Gia đình học tập", "Dòng họ học tập"],
        P.AID: ["Hỗ trợ", "Hỗ trợ học sinh", "Hỗ trợ học sinh khó khăn", "Hỗ trợ đầu năm học", "Trợ cấp"],
        P.SCHOOL_SUPPORT: ["Hỗ trợ trường", "Hỗ trợ nhà trường"],
        P.OPERATIONS: ["Hoạt động", "Chi hoạt động", "Văn phòng phẩm", "Chi khác cho hoạt động"],
    },
)
parse_counterparty = choice_parser(
    C.choices,
    {
        C.PERSON: ["Cá nhân", "Người", "Ông", "Bà"],
        C.ORGANISATION: ["Tổ chức", "Doanh nghiệp", "Công ty", "Cơ quan"],
        C.ANONYMOUS: ["Giấu tên", "Ẩn danh", "Nhà hảo tâm giấu tên"],
    },
)


def split_number(text: str) -> tuple[str | None, int | None, int] | None:
    """ "PT-2024-0015" → ("receipt", 2024, 15); "15" → (None, None, 15); None when it is not a voucher number."""
    match = _NUMBER.match((text or "").strip())
    if not match:
        return None
    prefix, year, seq = match.groups()
    kind = {"PT": K.RECEIPT, "PC": K.PAYMENT}.get((prefix or "").upper())
    return kind, int(year) if year else None, int(seq)


def _paid_out_of(vouchers) -> dict[int, datetime.date]:
    """{fund id: the first day of the new vouchers in it} for each fund one of them pays out of. Only such a fund
    can be taken below zero by a file (a receipt never is, as on the screens); its receipts still count in its
    running balance. Used by the check of a file and by its commit, under the funds' locks."""
    first: dict[int, datetime.date] = {}
    paying: set[int] = set()
    for voucher in vouchers:
        first[voucher.fund_id] = min(first.get(voucher.fund_id, voucher.date), voucher.date)
        if voucher.delta < 0:
            paying.add(voucher.fund_id)
    return {fund_id: first[fund_id] for fund_id in sorted(paying)}


class TransactionKind(ImportKind):
    name = "transactions"
    label = "Phiếu thu, chi quỹ khuyến học"
    model = Transaction
    unit_code_field = "unit_code"
    natural_key_fields = ("fund_id", "kind", "year", "seq")
    key_field = "number"
    period_field = "date"
    summary_providers = ["funds"]
    description = (
        "Mỗi dòng là một phiếu thu hoặc phiếu chi của một quỹ. Phiếu được nhận ra theo mã đơn vị, tên quỹ và số "
        "phiếu: nhập lại cùng một tệp không thay đổi gì. Số phiếu ghi đầy đủ (PT-2024-0015) hoặc chỉ số thứ tự "
        "(15) kèm cột «Loại phiếu»; năm của số phiếu là năm của ngày lập phiếu. Phiếu đã có trong sổ không sửa được "
        "bằng tệp (sửa bằng phiếu ghi âm). Quỹ phải được mở trước trên phần mềm; quỹ không cho phép chi quá số dư "
        "thì tệp làm quỹ âm sẽ bị từ chối. Không nhập được phiếu của năm đã khóa sổ."
    )
    columns = [
        unit_code_column(
            "Mã đơn vị",
            ("Mã", "Mã ĐV", "Mã chi hội", "Mã hội"),
            help="Mã của đơn vị giữ quỹ (trong phạm vi của bạn).",
            example="10001-01",
            width=14,
        ),
        unit_name_column(
            "Tên đơn vị",
            ("Đơn vị", "Tên chi hội", "Tên hội"),
            example="Chi hội tổ dân phố số 1",
            width=28,
        ),
        Column(
            "fund_name",
            "Quỹ",
            ("Tên quỹ", "Quỹ khuyến học", "Chương trình"),
            help=f"Tên quỹ đã mở trên phần mềm; để trống là «{DEFAULT_FUND_NAME}».",
            example=DEFAULT_FUND_NAME,
            model_fields=("fund",),
            width=20,
        ),
        Column(
            "number",
            "Số phiếu",
            ("Số chứng từ", "Số CT", "Số", "Số phiếu thu, chi", "Chứng từ số"),
            required=True,
            help="PT-2024-0015, PC-2024-0003, hoặc chỉ số thứ tự 15.",
            example="PT-2024-0015",
            model_fields=("number", "seq"),
            width=14,
        ),
        Column(
            "kind",
            "Loại phiếu",
            ("Thu/Chi", "Thu, chi", "Loại", "Loại chứng từ"),
            parser=parse_kind,
            help="Thu hoặc Chi; có thể bỏ trống nếu số phiếu bắt đầu bằng PT hoặc PC.",
            example="Thu",
            width=10,
        ),
        Column(
            "date",
            "Ngày",
            ("Ngày lập", "Ngày chứng từ", "Ngày tháng", "Ngày thu, chi", "Ngày phiếu"),
            required=True,
            parser=parse_date,
            help="Ngày/tháng/năm, ví dụ 05/03/2024.",
            example="05/03/2024",
            width=12,
        ),
        Column(
            "amount",
            "Số tiền",
            ("Số tiền (đồng)", "Thành tiền", "Số tiền thu, chi", "Giá trị"),
            required=True,
            parser=parse_amount,
            help="Số nguyên đồng, có thể viết 1.500.000; với hiện vật là giá trị quy ra tiền.",
            example="1.500.000",
            width=14,
        ),
        Column(
            "counterparty_name",
            "Người nộp, người nhận",
            ("Họ và tên", "Họ tên", "Người nộp tiền", "Người nhận tiền", "Người nộp", "Người nhận", "Đơn vị, cá nhân"),
            help="Họ tên cá nhân hoặc tên đơn vị; để trống nếu nhà hảo tâm giấu tên.",
            example="Ông Nguyễn Văn An",
            width=26,
        ),
        Column(
            "counterparty_type",
            "Là",
            ("Loại người nộp, nhận", "Đối tượng", "Loại đối tượng"),
            parser=parse_counterparty,
            help="Cá nhân, Cơ quan/doanh nghiệp/tổ chức, Dòng họ, Hội viên hoặc Giấu tên; để trống là Cá nhân.",
            example="Cá nhân",
            width=14,
        ),
        Column("counterparty_address", "Địa chỉ", ("Địa chỉ người nộp, nhận",), help="Không bắt buộc.", width=24),
        Column("member_id", "Mã hội viên", (), parser=parse_integer, help="Khi người nộp, nhận là hội viên.", width=10),
        Column(
            "purpose",
            "Mục đích",
            ("Khoản mục", "Nội dung chi", "Loại thu, chi"),
            parser=parse_purpose,
            help="Phiếu thu: Ủng hộ, tài trợ quỹ hoặc Khác. Phiếu chi: Học bổng, Khen thưởng học sinh, ... "
            "Để trống: Ủng hộ (thu), Khác (chi).",
            example="Ủng hộ, tài trợ quỹ",
            width=20,
        ),
        Column("reason", "Nội dung", ("Diễn giải", "Lý do", "Lý do thu, chi", "Nội dung thu, chi"), width=30),
        Column(
            "in_kind_description",
            "Hiện vật",
            ("Tặng hiện vật", "Mô tả hiện vật"),
            help="Ghi khi ủng hộ, trao bằng hiện vật (ví dụ: 50 chiếc xe đạp).",
            width=20,
        ),
        Column("attachments", "Kèm theo", ("Chứng từ kèm theo",), width=16),
        Column("notes", "Ghi chú", (), width=20),
        Column(
            "reverses_number",
            "Ghi âm phiếu số",
            ("Hủy phiếu số", "Điều chỉnh phiếu số"),
            help="Chỉ ghi khi dòng này hủy (ghi âm) một phiếu trước đó của cùng quỹ.",
            model_fields=("reverses",),
            width=14,
        ),
    ]

    # --- units, funds, keys ------------------------------------------------------------------------------------

    def row_period(self, row: Row):
        day = row.values.get("date")
        return (day, day) if day else None

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().prepare(ctx, rows)
        units = {unit.pk: unit for units in ctx.units_by_code.values() for unit in units}
        funds = list(Fund.objects.filter(unit_id__any=units))
        for fund in funds:  # the units loaded for the file's codes (10,000 of them for a province-wide file)
            fund.unit = units[fund.unit_id]
        ctx.data["funds"] = {(fund.unit_id, fund.name.casefold()): fund for fund in funds}
        ctx.data["openings"] = dict(
            OpeningBalance.objects.filter(fund_id__any=[fund.pk for fund in funds]).values_list("fund_id", "year")
        )

    def attach(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().attach(ctx, rows)
        funds = {fund.pk: fund for fund in ctx.data["funds"].values()}
        for row in rows:  # the key is the fund's: the voucher is in it
            if row.existing.fund_id in funds:
                row.existing.fund = funds[row.existing.fund_id]

    def row_unit(self, ctx: ImportContext, row: Row) -> Unit | None:
        unit = super().row_unit(ctx, row)
        if unit is None:
            return None
        name = row.values.get("fund_name") or DEFAULT_FUND_NAME
        fund = ctx.data["funds"].get((unit.pk, name.casefold()))
        if fund is None:
            closed = "" if unit.active_until is None else ", kể cả khi đơn vị đã ngừng hoạt động"
            row.error(
                "fund_name",
                f"{unit.display_name} chưa có quỹ «{name}»: hãy mở quỹ trên phần mềm trước (Quỹ → Mở quỹ{closed}).",
            )
            return unit
        row.extra["fund"] = fund
        parsed = split_number(row.values.get("number", ""))
        day = row.values.get("date")
        if parsed is None:
            row.error("number", f"«{row.values.get('number')}» không phải số phiếu (ví dụ PT-2024-0015 hoặc 15).")
            return unit
        kind, year, seq = parsed
        column_kind = row.values.get("kind") or None
        if kind and column_kind and kind != column_kind:
            row.error("kind", f"Số phiếu {row.values['number']} là {K(kind).label.lower()}, khác cột «Loại phiếu».")
        kind = kind or column_kind
        if not kind:
            row.error("kind", "Hãy ghi loại phiếu (Thu hoặc Chi), hoặc ghi số phiếu có PT, PC.")
        if year and day and year != day.year:
            row.error("number", f"Số phiếu {row.values['number']} thuộc năm {year} nhưng ngày lập là {day:%d/%m/%Y}.")
        if seq == 0:
            row.error("number", "Số thứ tự của phiếu phải từ 1 trở lên.")
        row.extra.update({"kind": kind, "seq": seq})
        return unit

    def natural_key(self, ctx: ImportContext, row: Row):
        fund = row.extra.get("fund")
        day = row.values.get("date")
        if fund is None or not row.extra.get("kind") or day is None:
            return None
        return (fund.pk, row.extra["kind"], day.year, row.extra["seq"])

    def build(self, ctx: ImportContext, row: Row):
        fund = row.extra["fund"]
        kind = row.extra["kind"]
        values = row.values
        instance = row.existing if row.existing is not None else Transaction()
        counterparty = values.get("counterparty_type") or C.PERSON
        instance.fund = fund
        instance.unit = fund.unit
        instance.kind = kind
        instance.year = values["date"].year
        instance.seq = row.extra["seq"]
        instance.date = values["date"]
        instance.amount = values.get("amount")
        instance.counterparty_type = counterparty
        instance.counterparty_name = values.get("counterparty_name") or ""
        if counterparty == C.ANONYMOUS and not instance.counterparty_name:
            instance.counterparty_name = ANONYMOUS_NAME
        instance.counterparty_address = values.get("counterparty_address") or ""
        instance.member_id = values.get("member_id")
        instance.purpose = values.get("purpose") or (P.DONATION if kind == K.RECEIPT else P.OTHER)
        instance.reason = values.get("reason") or ""
        instance.in_kind_description = values.get("in_kind_description") or ""
        instance.in_kind = bool(instance.in_kind_description)
        instance.attachments = values.get("attachments") or ""
        instance.notes = values.get("notes") or ""
        if isinstance(instance.amount, int) and instance.amount > 0:
            instance.fill_derived()
        return instance

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        keys = [key for key in keys if key is not None]
        if not keys:
            return {}
        # Only the vouchers with exactly a file's key are read (`pks_matching`): the funds' other vouchers with the
        # same numbers are ~500,000 rows for a file of 10,000 vouchers over the funds of a province.
        matched = pks_matching(Transaction, ("fund", "kind", "year", "seq"), keys)
        found = {}
        for start in range(0, len(matched), 5000):
            for voucher in Transaction.objects.filter(pk__any=matched[start : start + 5000]).select_related("reverses"):
                found[(voucher.fund_id, voucher.kind, voucher.year, voucher.seq)] = voucher
        return found

    # --- cross-row rules ---------------------------------------------------------------------------------------

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Reversals find the voucher they cancel (in the books or earlier in the file)."""
        by_number = {}
        for row in rows:
            if row.instance is not None and row.existing is None:
                by_number[(row.instance.fund_id, row.instance.number)] = row
        wanted = [row for row in rows if row.values.get("reverses_number") and row.instance is not None]
        numbers = {row.values["reverses_number"].upper() for row in wanted}
        in_books = (
            {
                (voucher.fund_id, voucher.number): voucher
                for voucher in Transaction.objects.filter(
                    fund_id__any={row.instance.fund_id for row in wanted}, number__in=numbers
                ).select_related("reversal")
            }
            if wanted
            else {}
        )
        claimed: dict[tuple, int] = {}
        for row in wanted:
            voucher = row.instance
            number = row.values["reverses_number"].upper()
            key = (voucher.fund_id, number)
            original = in_books.get(key) or (by_number[key].instance if key in by_number else None)
            if original is None:
                row.error("reverses_number", f"Không có phiếu {number} trong quỹ này để ghi âm.")
                continue
            if original.kind != voucher.kind or original.amount != voucher.amount:
                row.error("reverses_number", f"Phiếu ghi âm phải cùng loại và cùng số tiền với phiếu {number}.")
                continue
            if original.date > voucher.date:
                row.error("reverses_number", f"Ngày ghi âm không được trước ngày của phiếu {number}.")
                continue
            already = getattr(original, "reversal", None) if original.pk else None
            if key in claimed or (already is not None and already.pk != voucher.pk):
                row.error("reverses_number", f"Phiếu {number} đã được ghi âm.")
                continue
            claimed[key] = row.number
            voucher.reverses = original
            voucher.fill_derived()
        self._check_balances(ctx, [row for row in rows if row.instance is not None and not row.errors])

    def _check_balances(self, ctx: ImportContext, rows: list[Row]) -> None:
        """The running balance of each fund, with the new vouchers, must not go below zero (unless allowed). The
        commit checks again under the funds' locks (`funds_ensure_not_negative`)."""
        from funds.services.vouchers import funds_overdrafts

        by_fund: dict[int, list[Row]] = defaultdict(list)
        pending: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            if row.existing is None and row.instance.delta is not None:
                by_fund[row.instance.fund_id].append(row)
                pending[row.instance.fund_id][row.instance.date] += row.instance.delta
        new = (row.instance for fund_rows in by_fund.values() for row in fund_rows)
        first_days = {by_fund[fund_id][0].instance.fund: day for fund_id, day in _paid_out_of(new).items()}
        for fund, (day, balance) in funds_overdrafts(first_days, pending).items():
            fund_rows = by_fund[fund.pk]
            row = next((row for row in reversed(fund_rows) if row.instance.date == day), fund_rows[-1])
            row.error(
                "amount",
                f"Không đủ số dư: {fund.name} của {fund.unit.display_name} sẽ âm {formatting.money(-balance)} "
                f"vào ngày {day:%d/%m/%Y}.",
            )

    def validate(self, ctx: ImportContext, row: Row) -> None:
        voucher = row.instance
        if row.existing is not None:
            if row.changed:
                row.error(
                    "number",
                    f"Phiếu {voucher.number} đã có trong sổ với nội dung khác: phiếu không sửa được bằng tệp. "
                    "Hãy ghi âm phiếu đó rồi lập phiếu mới.",
                )
            return
        fund, unit, day = voucher.fund, voucher.unit, voucher.date
        if not fund.is_active:
            row.error("fund_name", f"{fund.name} của {unit.display_name} đã ngừng sử dụng.")
        if day > ctx.today:
            row.error("date", "Ngày của phiếu không được sau hôm nay.")
        if not unit.is_open_on(day):
            row.error("date", f"{unit.display_name} không hoạt động vào ngày {day:%d/%m/%Y}.")
        opening_year = ctx.data["openings"].get(fund.pk)
        if opening_year and day.year < opening_year:
            row.error("date", f"Sổ {fund.name} bắt đầu từ năm {opening_year}: không nhập được phiếu năm {day.year}.")
        allowed = Transaction.RECEIPT_PURPOSES if voucher.kind == K.RECEIPT else Transaction.PAYMENT_PURPOSES
        if voucher.purpose == P.TRANSFER:
            row.error("purpose", "Chuyển quỹ giữa các đơn vị hãy dùng chức năng Chuyển quỹ, không nhập bằng tệp.")
        elif voucher.purpose not in allowed:
            row.error(
                "purpose",
                f"Mục đích «{voucher.get_purpose_display()}» không dùng cho {voucher.get_kind_display().lower()}.",
            )
        if voucher.counterparty_type != C.ANONYMOUS and not voucher.counterparty_name and not voucher.member_id:
            row.error("counterparty_name", "Hãy ghi họ tên người nộp, người nhận (hoặc ghi «Giấu tên» ở cột «Là»).")

    # --- writing -----------------------------------------------------------------------------------------------

    def prepare_for_write(self, ctx: ImportContext, instance) -> None:
        if instance.pk is None:
            instance.created_by = ctx.history_user
        instance.fill_derived()

    def write(self, ctx: ImportContext, created: list, updated) -> None:
        from funds.services.vouchers import funds_ensure_not_negative

        fund_ids = sorted({voucher.fund_id for voucher in created})
        # Locked with their units, as the screens lock a fund: writers of one unit's funds take turns, so the givers
        # counted again for the summaries (refresh_summaries) include every committed voucher of the unit. A column
        # of the unit joins it (FOR UPDATE locks the rows of both tables, in the funds' order); only the balances
        # are read, as values (a province-wide file locks 10,000 funds: no fund or unit is built for it).
        locked = Fund.objects.select_for_update().filter(pk__any=fund_ids).values_list("pk", "balance", "unit__path")
        balances = {fund_id: balance for fund_id, balance, _path in locked}
        plain = [voucher for voucher in created if voucher.reverses is None]
        reversals = [voucher for voucher in created if voucher.reverses is not None]
        super().write(ctx, plain, [])
        for voucher in reversals:
            voucher.reverses_id = voucher.reverses.pk  # saved just above when it was in the same file
        super().write(ctx, reversals, [])
        top: dict[tuple[int, str, int], int] = defaultdict(int)
        moved: dict[int, int] = defaultdict(int)
        for voucher in created:
            key = (voucher.fund_id, voucher.kind, voucher.year)
            top[key] = max(top[key], voucher.seq)
            moved[voucher.fund_id] += voucher.delta
        # Counters and balances of every fund the file touched, in a few queries (not a few per fund): each counter
        # moves past the highest number the file wrote, never back (a file may fill numbers below it).
        raise_to(VoucherCounter, ("fund_id", "kind", "year"), "last", [(*key, seq) for key, seq in top.items()])
        # The funds are locked above, so their balances as read are current: the new ones are written as values
        # (an UPDATE … FROM unnest(…) per batch; a CASE with a branch per fund took 4.9 s for 10,000 funds).
        values_update_rows(
            Fund, ["balance"], [(fund_id, balances[fund_id] + delta) for fund_id, delta in sorted(moved.items())]
        )
        paying = _paid_out_of(created)
        if paying:  # read now, with their new balances
            funds = Fund.objects.select_related("unit").in_bulk(list(paying))
            funds_ensure_not_negative({funds[fund_id]: day for fund_id, day in paying.items()})

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        """A file only adds vouchers: what they add is written to the summaries (`summaries_add`), rather than the
        figures of every unit they touched computed again from all its vouchers."""
        from chapters.summaries import summaries_add

        if any(row.existing is not None for row in rows):  # never so today: a voucher in the books is not changed
            return super().refresh_summaries(ctx, rows)
        summaries_add("funds", [row.instance for row in rows])

    # --- export ------------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit: Unit | None = None):
        return (
            super()
            .export_queryset(user, unit)
            .select_related("unit", "fund", "reverses")
            .order_by("unit__path", "fund_id", "date", "pk")
        )

    def export_rows(self, queryset):
        kinds = {K.RECEIPT: "Thu", K.PAYMENT: "Chi"}
        for voucher in queryset.iterator(chunk_size=2000):
            yield [
                voucher.unit.code,
                voucher.unit.name,
                voucher.fund.name,
                voucher.number,
                kinds[voucher.kind],
                voucher.date,
                voucher.amount,
                voucher.counterparty_name if voucher.counterparty_type != C.ANONYMOUS else "",
                voucher.get_counterparty_type_display(),
                voucher.counterparty_address,
                voucher.member_id,
                voucher.get_purpose_display(),
                voucher.reason,
                voucher.in_kind_description,
                voucher.attachments,
                voucher.notes,
                voucher.reverses.number if voucher.reverses_id else "",
            ]


transactions_kind = TransactionKind()
