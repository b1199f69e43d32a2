"""The `awards` import kind: recipients of award decisions, one row per recipient, the decision named on each row.

Rows naming the same decision (the unit that keeps it, its issuer, number and year) go to one decision: an
existing one, or a new one created with its first row's date, occasion and form. A recipient is recognised by
decision, name, school and class: re-importing the same file changes nothing. Payments are not imported (they
are written with their fund vouchers on the decision's page).
"""

from collections import defaultdict

from django.db.models import Max

from awards.models import Decision, Recipient
from awards.paste import parse_kind
from chapters import scoping
from chapters.imports.kinds import NOT_IN_SCOPE, ImportContext, ImportKind, unit_code_column
from chapters.models import Unit
from chapters.summaries import summaries_add, summaries_refresh
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import choice_parser, parse_amount, parse_code, parse_date
from core.spreadsheets.validation import clean_row
from core.text import fold, nfc, sort_key

parse_form = choice_parser(
    Decision.Form.choices,
    {
        Decision.Form.CERTIFICATE: ["GK", "Tặng giấy khen"],
        Decision.Form.HIGHER_CERTIFICATE: ["BK", "Tặng bằng khen"],
        Decision.Form.COMMENDATION: ["Biểu dương, khen ngợi", "Khen ngợi"],
        Decision.Form.CASH: ["Tiền thưởng", "Thưởng", "Khen thưởng", "Tiền", "Tặng thưởng"],
        Decision.Form.SCHOLARSHIP: ["HB", "Cấp học bổng", "Trao học bổng"],
        Decision.Form.GIFT: ["Quà", "Quà tặng", "Tặng quà, hiện vật", "Hiện vật"],
    },
)
parse_occasion = choice_parser(
    Decision.Occasion.choices,
    {
        Decision.Occasion.YEAR_END: ["Tổng kết", "Cuối năm", "Năm"],
        Decision.Occasion.TERM_REVIEW: ["5 năm", "Tổng kết nhiệm kỳ", "Nhiệm kỳ"],
        Decision.Occasion.STUDY_DAY: ["2/10", "Ngày Khuyến học", "Ngày Khuyến học Việt Nam", "02/10"],
        Decision.Occasion.CONGRESS: ["Đại hội đại biểu"],
        Decision.Occasion.SCHOOL_YEAR: ["Đầu năm học", "Cuối năm học", "Năm học", "Khai giảng"],
    },
)
parse_level = choice_parser(
    Unit.Level.choices,
    {
        Unit.Level.CENTRAL: ["Trung ương", "TW"],
        Unit.Level.PROVINCE: ["Tỉnh", "Thành phố", "Cấp tỉnh"],
        Unit.Level.DISTRICT: ["Huyện", "Quận", "Thị xã", "Cấp huyện"],
        Unit.Level.COMMUNE: ["Xã", "Phường", "Thị trấn", "Đặc khu", "Cấp xã"],
        Unit.Level.GRASSROOTS: ["Chi hội", "Cấp cơ sở"],
    },
)

SENTINEL_START = -1  # new decisions carry negative ids until they are written (see build())


def _key_text(value) -> str:
    return fold(value or "")


def _issuer_kind(name: str) -> str:
    key = fold(name)
    return Decision.IssuerKind.COMMITTEE if key.startswith(("ubnd", "uy ban")) else Decision.IssuerKind.OTHER


class AwardsKind(ImportKind):
    name = "awards"
    personal = True
    label = "Khen thưởng (người nhận theo quyết định)"
    model = Recipient
    unit_code_field = "unit_code"
    key_field = "name"
    period_field = "decision_date"
    summary_providers = ["awards"]
    description = (
        "Mỗi dòng là một người (hoặc tập thể) được khen thưởng, kèm quyết định khen thưởng: mã đơn vị lưu quyết "
        "định, số và ngày quyết định, hình thức. Các dòng cùng số quyết định (cùng nơi ban hành, cùng năm) thuộc "
        "một quyết định; quyết định chưa có thì được tạo mới. Người nhận được nhận ra theo quyết định, họ tên, "
        "trường và lớp: nhập lại cùng một tệp không thay đổi gì. Giấy khen, bằng khen, biểu dương không ghi số "
        "tiền (trừ khi quyết định đã có kèm tiền thưởng); thưởng tiền và học bổng phải ghi số tiền. Không nhập được "
        "khen thưởng của năm đã khóa sổ. Việc chi tiền làm trên trang của quyết định (lập phiếu chi)."
    )
    columns = [
        Column(
            "decision_unit_code",
            "Mã đơn vị lưu quyết định",
            ("Mã hội", "Mã hội ra quyết định", "Mã đơn vị ra quyết định", "Mã đơn vị quyết định"),
            required=True,
            parser=parse_code,
            help="Mã của hội (hoặc chi hội) quản lý quyết định, trong phạm vi của bạn.",
            example="10001",
            width=12,
        ),
        Column(
            "decision_number",
            "Số quyết định",
            ("Số QĐ", "Quyết định số", "Số hiệu quyết định"),
            required=True,
            model_fields=("decision",),
            example="125/QĐ-HKH",
            width=14,
        ),
        Column(
            "decision_date",
            "Ngày quyết định",
            ("Ngày QĐ", "Ngày ký", "Ngày ban hành"),
            required=True,
            parser=parse_date,
            help="Ngày/tháng/năm, ví dụ 20/12/2025.",
            example="20/12/2025",
            width=12,
        ),
        Column(
            "issuer_code",
            "Mã hội ban hành",
            ("Mã nơi ban hành",),
            parser=parse_code,
            help="Khi quyết định do một hội khác (ví dụ hội cấp trên) ban hành; để trống nếu chính đơn vị lưu.",
            width=12,
        ),
        Column(
            "issuer_name",
            "Cơ quan ban hành",
            ("Nơi ban hành", "Cấp khen", "Cơ quan ra quyết định"),
            help="Khi quyết định do Ủy ban nhân dân hoặc cơ quan khác ban hành, ví dụ: UBND phường Bạch Đằng.",
            width=24,
        ),
        Column(
            "issuer_level",
            "Cấp ban hành",
            ("Cấp",),
            parser=parse_level,
            help="Cấp của cơ quan ban hành (tỉnh, huyện, xã); để trống: cùng cấp với đơn vị lưu quyết định.",
            width=10,
        ),
        Column(
            "occasion",
            "Dịp",
            ("Dịp khen thưởng", "Nhân dịp"),
            parser=parse_occasion,
            help="Tổng kết năm, Tổng kết 5 năm, Ngày Khuyến học Việt Nam (2/10), Đại hội, Đầu năm học…; "
            "để trống: tổng kết năm.",
            example="Tổng kết năm",
            width=16,
        ),
        Column(
            "form",
            "Hình thức",
            ("Hình thức khen thưởng", "Hình thức khen"),
            required=True,
            parser=parse_form,
            help="Giấy khen, Bằng khen, Biểu dương, Thưởng tiền, Học bổng, Tặng quà.",
            example="Thưởng tiền",
            width=14,
        ),
        Column(
            "name",
            "Họ và tên",
            ("Họ tên", "Tên tập thể", "Họ tên, tên tập thể", "Người nhận", "Họ và tên học sinh", "Tên"),
            required=True,
            example="Nguyễn Văn An",
            width=26,
        ),
        Column(
            "kind",
            "Đối tượng",
            ("Loại", "Đối tượng khen thưởng"),
            required=True,
            parser=parse_kind,
            help="Tập thể, Nhà giáo, Học sinh, Cá nhân.",
            example="Học sinh",
            width=12,
        ),
        Column("school", "Trường, đơn vị", ("Trường", "Đơn vị công tác", "Trường học"), example="THCS Bạch Đằng"),
        Column("grade", "Lớp, môn", ("Lớp", "Môn dạy", "Lớp, môn dạy"), example="8A", width=10),
        Column(
            "achievement",
            "Thành tích",
            ("Thành tích đạt được", "Nội dung khen", "Lý do khen"),
            example="Giải Nhất học sinh giỏi cấp tỉnh",
            width=30,
        ),
        unit_code_column(
            "Mã chi hội",
            ("Mã đơn vị người nhận", "Mã đơn vị", "Thuộc đơn vị"),
            model_fields=("unit", "collective_unit"),
            help="Chi hội nơi người nhận sinh hoạt, học tập (để tổng hợp số liệu); để trống: đơn vị lưu quyết định.",
            example="10001-01",
            width=12,
            required=False,
        ),
        Column(
            "amount",
            "Số tiền",
            ("Số tiền (đồng)", "Tiền thưởng", "Thành tiền", "Mức thưởng", "Số tiền thưởng"),
            parser=parse_amount,
            help="Số đồng nguyên, có thể viết 500.000 hoặc 500000.",
            example="500.000",
            width=12,
        ),
    ]

    # --- units and decisions ----------------------------------------------------------------------------------

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        codes = set()
        for row in rows:
            codes.update(row.values.get(name) for name in ("unit_code", "decision_unit_code"))
        ctx.load_units(codes)
        issuer_codes = {row.values.get("issuer_code") for row in rows if row.values.get("issuer_code")}
        ctx.data["issuers"] = defaultdict(list)
        for unit in Unit.objects.filter(code__in=issuer_codes).order_by("-active_from", "pk"):
            ctx.data["issuers"][unit.code.upper()].append(unit)

    def row_unit(self, ctx: ImportContext, row: Row) -> Unit | None:
        day = row.values.get("decision_date")
        code = row.values.get("decision_unit_code")
        keeper = ctx.unit_by_code(code, start=day, end=day)
        if keeper is None:
            row.error("decision_unit_code", NOT_IN_SCOPE.format(code=code))
            return None
        row.extra["keeper"] = keeper
        issuer_code = row.values.get("issuer_code")
        issuer_name = nfc(row.values.get("issuer_name"))
        if issuer_code:
            issuers = ctx.data["issuers"].get(issuer_code.upper(), [])
            if not issuers:
                row.error("issuer_code", f"Không có hội nào mang mã {issuer_code}.")
                return None
            issuer = next((u for u in issuers if day and u.is_open_on(day)), issuers[0])
            row.extra["issuer"] = (Decision.IssuerKind.ASSOCIATION, issuer, "", issuer.level)
        elif issuer_name:
            level = row.values.get("issuer_level") or keeper.level
            row.extra["issuer"] = (_issuer_kind(issuer_name), None, issuer_name, level)
        else:
            row.extra["issuer"] = (Decision.IssuerKind.ASSOCIATION, keeper, "", keeper.level)
        row.extra["decision_key"] = self._decision_key(ctx, row)
        recipient_code = row.values.get("unit_code")
        if not recipient_code:
            return keeper
        unit = ctx.unit_by_code(recipient_code, start=day, end=day)
        if unit is None:
            row.error("unit_code", NOT_IN_SCOPE.format(code=recipient_code))
        return unit

    def _decision_key(self, ctx: ImportContext, row: Row) -> tuple[str, int, str]:
        """(issuer key, year, number key) as Decision derives them, worked out once per distinct decision (a
        decision's 40 recipients are 40 rows naming it)."""
        kind, issuer_unit, issuer_name, level = row.extra["issuer"]
        values = row.values
        given = (values.get("decision_number"), values.get("decision_date"), kind, getattr(issuer_unit, "pk", None),
                 issuer_name, level, values.get("occasion"), values.get("form"), row.extra["keeper"].pk)  # fmt: skip
        known = ctx.data.setdefault("decision_keys", {})
        if given not in known:
            probe = self._decision_probe(row)
            known[given] = (probe.issuer_key, probe.year, probe.number_key)
        return known[given]

    def _decision_probe(self, row: Row) -> Decision:
        kind, issuer_unit, issuer_name, level = row.extra["issuer"]
        decision = Decision(
            number=nfc(row.values.get("decision_number")),
            date=row.values.get("decision_date"),
            issuer_kind=kind,
            issuer_unit=issuer_unit,
            issuer_name=issuer_name,
            issuer_level=level,
            occasion=row.values.get("occasion") or Decision.Occasion.YEAR_END,
            form=row.values.get("form") or "",
            unit=row.extra["keeper"],
        )
        decision._derive()
        return decision

    def natural_key(self, ctx: ImportContext, row: Row):
        values = row.values
        return (
            row.extra["decision_key"],
            _key_text(values.get("name")),
            _key_text(values.get("school")),
            _key_text(values.get("grade")),
        )

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        decision_keys = {key[0] for key in keys if key}
        decisions: dict = {}
        if decision_keys:
            qs = Decision.objects.filter(
                issuer_key__any={k[0] for k in decision_keys},
                year__any={k[1] for k in decision_keys},
                number_key__any={k[2] for k in decision_keys},
            ).select_related("unit", "issuer_unit")
            for decision in qs:
                key = (decision.issuer_key, decision.year, decision.number_key)
                if key in decision_keys:
                    decisions[key] = decision
        ctx.data.setdefault("decisions", {}).update(decisions)
        wanted = set(keys)
        found = {}
        if decisions:
            by_pk = {d.pk: key for key, d in decisions.items()}
            for recipient in Recipient.objects.filter(decision_id__in=list(by_pk)).select_related("unit"):
                key = (
                    by_pk[recipient.decision_id],
                    recipient.search_key,
                    _key_text(recipient.school),
                    _key_text(recipient.grade),
                )
                if key in wanted:
                    recipient.decision = decisions[key[0]]
                    found[key] = recipient
        return found

    def _decision(self, ctx: ImportContext, row: Row) -> Decision:
        """The row's decision: an existing one, or the new one shared by every row naming it."""
        key = row.extra["decision_key"]
        decisions = ctx.data.setdefault("decisions", {})
        decision = decisions.get(key)
        if decision is None:
            decision = self._decision_probe(row)
            # A temporary negative id marks it as known to the import (validated with its rows, written first).
            ctx.data["next_id"] = ctx.data.get("next_id", SENTINEL_START + 1) - 1
            decision.pk = ctx.data["next_id"]
            decision.version = 1
            decisions[key] = decision
            ctx.data.setdefault("first_row", {})[key] = row.number
        return decision

    def build(self, ctx: ImportContext, row: Row):
        decision = self._decision(ctx, row)
        instance = row.existing if row.existing is not None else Recipient()
        values = row.values
        instance.decision = decision
        for name in ("name", "school", "grade", "achievement"):
            if name in ctx.columns_present:
                setattr(instance, name, nfc(values.get(name)))
        if "kind" in ctx.columns_present:
            instance.kind = values.get("kind") or ""
        if "amount" in ctx.columns_present:
            instance.amount = values.get("amount")
        instance.unit = row.unit
        if instance.kind == Recipient.Kind.COLLECTIVE and row.unit is not None and values.get("unit_code"):
            # A collective named by the code of a unit of the tree is that unit.
            if fold(row.unit.name) == fold(instance.name) or fold(row.unit.display_name) == fold(instance.name):
                instance.collective_unit = row.unit
        return instance

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        """A new certificate decision carries money when any of its rows has an amount."""
        with_amount = {row.extra["decision_key"] for row in rows if row.values.get("amount")}
        for key, decision in ctx.data.get("decisions", {}).items():
            if decision.pk is not None and decision.pk < 0 and decision.form in Decision.CERTIFICATE_FORMS:
                decision.with_money = key in with_amount

    def validate(self, ctx: ImportContext, row: Row) -> None:
        decision = row.instance.decision
        key = row.extra["decision_key"]
        date, form = row.values.get("decision_date"), row.values.get("form")
        new = decision.pk < 0
        where = f"dòng {ctx.data['first_row'][key]}" if new else "phần mềm"
        if date and date != decision.date:
            row.error(
                "decision_date",
                f"Quyết định số {decision.number} đã ghi ngày {decision.date:%d/%m/%Y} ({where}); dòng này ghi ngày "
                f"{date:%d/%m/%Y}.",
            )
        if form and form != decision.form:
            row.error(
                "form",
                f"Quyết định số {decision.number} có hình thức «{decision.get_form_display()}» ({where}); "
                f"dòng này ghi «{Decision.Form(form).label}».",
            )
        if not new and not ctx.in_scope(decision.unit):
            row.error("decision_unit_code", f"Quyết định số {decision.number} thuộc đơn vị ngoài phạm vi của bạn.")
        if new and ctx.data["first_row"][key] == row.number:
            for field_name, messages in clean_row(decision, exclude={"unit", "issuer_unit"}).items():
                column = {"number": "decision_number", "date": "decision_date", "form": "form"}.get(
                    field_name, "decision_number"
                )
                for message in messages:
                    row.error(column, message)

    def period_keys(self, instance) -> list:
        decision = instance.decision
        keys = [(instance.unit, decision.date)]
        if decision.pk is None or decision.pk < 0:
            keys.append((decision.unit, decision.date))
        return keys

    # --- writing ------------------------------------------------------------------------------------------------

    def prepare_for_write(self, ctx: ImportContext, instance) -> None:
        instance.name = nfc(instance.name)
        instance.search_key = fold(instance.name)[:255]
        instance.sort_key = sort_key(instance.name)[:600]

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        from core.bulk import create_with_history

        # By identity: a list's `in` compares models one by one (1.2 million comparisons for 10,000 recipients).
        new_decisions = list(
            {
                id(recipient.decision): recipient.decision
                for recipient in created
                if recipient.decision.pk is not None and recipient.decision.pk < 0
            }.values()
        )
        for decision in new_decisions:
            decision.pk = None
            decision._derive()
        create_with_history(
            Decision, new_decisions, user=ctx.history_user, reason=ctx.reason, batch_size=self.batch_size
        )
        ctx.data["new_decisions"] = new_decisions
        last = dict(
            Recipient.objects.filter(decision_id__any={r.decision.pk for r in created if r.decision.pk})
            .values_list("decision_id")
            .annotate(top=Max("position"))
        )
        for recipient in created:
            recipient.decision = recipient.decision  # picks up the id of a decision written just now
            last[recipient.decision_id] = last.get(recipient.decision_id, 0) + 1
            recipient.position = last[recipient.decision_id]
        super().write(ctx, created, updated)

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        if rows and all(row.existing is None for row in rows):
            # Only new recipients (and the decisions written for them): what they add is written, rather than the
            # figures of every unit they touched computed again from all its awards of the year.
            facts = [*ctx.data.get("new_decisions", []), *(row.instance for row in rows)]
            for name in self.summary_providers:
                summaries_add(name, facts)
            return
        unit_ids, years = set(), set()
        for row in rows:
            unit_ids.update({row.instance.unit_id, row.instance.decision.unit_id, row.before.get("unit_id")})
            years.add(row.instance.decision.date.year)
        unit_ids.discard(None)
        if unit_ids:
            summaries_refresh(unit_ids=unit_ids, years=years, providers=self.summary_providers)

    # --- export -------------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit: Unit | None = None):
        qs = Recipient.objects.all()
        if user is not None:
            qs = scoping.restrict(qs, user, scoping.VIEW)
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        return qs.select_related("decision__unit", "decision__issuer_unit", "unit").order_by(
            "decision__date", "decision_id", "position", "pk"
        )

    def export_rows(self, queryset):
        for recipient in queryset.iterator(chunk_size=2000):
            decision = recipient.decision
            association = decision.issuer_kind == Decision.IssuerKind.ASSOCIATION
            own = association and decision.issuer_unit_id == decision.unit_id
            yield [
                decision.unit.code,
                decision.number,
                decision.date,
                "" if own or not association else decision.issuer_unit.code,
                "" if association else decision.issuer_name,
                "" if association else decision.get_issuer_level_display(),
                decision.get_occasion_display(),
                decision.get_form_display(),
                recipient.name,
                recipient.get_kind_display(),
                recipient.school,
                recipient.grade,
                recipient.achievement,
                recipient.unit.code if recipient.unit_id != decision.unit_id else "",
                recipient.amount,
            ]


awards_kind = AwardsKind()
