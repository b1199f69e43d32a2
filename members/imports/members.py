"""The `members` kind: a chapter's member list, as secretaries keep it in Excel.

A row is matched with a member already stored by, in this order: "Mã hội viên" (the id our exports write), the
card number (unique in the province), or the same name and birth year in the same chapter; otherwise it is a new
member. Re-importing a file therefore changes nothing. Someone with the same name and birth year elsewhere in
the commune (or twice in the file) is a likely duplicate: listed as a warning for a person to decide, never
merged. A member's chapter is not changed by an import (that is a move, with its own screen).
"""

from collections import defaultdict

from django.db.models import Case, When

from chapters import scoping
from chapters.imports.kinds import NOT_IN_SCOPE, ImportContext, ImportKind, unit_code_column, unit_name_column
from chapters.models import Unit
from core.bulk import pks_matching
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import parse_bool, parse_code, parse_date, parse_integer

from ..models import Household, Member, Membership, PersonalDataAccess
from ..privacy import access_log, citizen_id_visible_q, mask_citizen_id
from .common import (
    KEEP,
    chunks,
    commune_paths,
    name_key,
    parse_birth,
    parse_citizen_id,
    parse_day_or_year,
    parse_gender,
    parse_left_reason,
    province_paths,
)

DERIVED = ["name_key", "search_key", "sort_key", "birth_year", "card_scope"]


MEMBER_NOT_FOUND = "Không có hội viên mã {id} trong phạm vi của bạn."
CARD_TAKEN = "Số thẻ {card} đã cấp cho một hội viên khác trong cùng tỉnh: hãy kiểm tra lại số thẻ."


def _name_matches(keys: set[tuple[int, str, int]]) -> list[int]:
    """Ids of the members whose (unit, name key, birth year) is one of `keys`: only the matches, through the index
    on (name key, birth year) on PostgreSQL (`core.bulk.pks_matching`)."""
    return pks_matching(Member, ("unit", "name_key", "birth_year"), keys)


class MemberKind(ImportKind):
    name = "members"
    personal = True
    label = "Hội viên"
    model = Member
    unit_code_field = "unit_code"
    key_field = "full_name"
    period_field = "joined_on"
    summary_providers = ["members"]

    def touched_tables(self) -> list[str]:
        return [*super().touched_tables(), Membership._meta.db_table]

    description = (
        "Mỗi dòng là một hội viên. Hội viên đã có được nhận ra theo «Mã hội viên» (có trong tệp xuất ra), theo số "
        "thẻ, hoặc theo họ tên và năm sinh trong cùng chi hội: đã có thì cập nhật, chưa có thì thêm mới; nhập lại "
        "cùng một tệp không thay đổi gì. Người trùng họ tên và năm sinh ở chi hội khác trong xã được báo để bạn "
        "kiểm tra, không tự gộp. Muốn chuyển hội viên sang chi hội khác, hãy dùng chức năng «Chuyển sinh hoạt»."
    )
    columns = [
        Column(
            "member_id",
            "Mã hội viên",
            ("Mã HV", "ID hội viên", "Mã số hội viên"),
            parser=parse_integer,
            help="Mã của hội viên trong phần mềm (có sẵn trong tệp xuất ra). Để trống với người mới.",
            example="",
            width=10,
        ),
        unit_code_column(
            "Mã chi hội",
            ("Mã đơn vị", "Mã CH", "Mã chi hội, ban", "Mã ban", "Mã chi hội/ban"),
            help="Mã của chi hội (ban khuyến học, tổ hội) nơi hội viên sinh hoạt, trong phạm vi của bạn.",
            example="10001-01",
            width=12,
        ),
        unit_name_column(
            "Chi hội",
            ("Tên chi hội", "Đơn vị", "Chi hội, ban", "Nơi sinh hoạt"),
            example="Chi hội tổ dân phố số 1",
            width=26,
        ),
        Column(
            "full_name",
            "Họ và tên",
            ("Họ tên", "Tên hội viên", "Họ và tên hội viên", "Họ, tên", "Họ và tên (*)"),
            required=True,
            help="Họ, tên đệm và tên.",
            example="Nguyễn Văn Đức",
            width=26,
        ),
        Column(
            "gender",
            "Giới tính",
            ("Giới", "Nam/Nữ", "Nam, nữ", "Phái"),
            required=True,
            parser=parse_gender,
            help="Nam hoặc Nữ.",
            example="Nam",
            width=9,
        ),
        Column(
            "birth",
            "Năm sinh",
            ("Ngày sinh", "Ngày tháng năm sinh", "Sinh năm", "Ngày, tháng, năm sinh", "NS"),
            required=True,
            parser=parse_birth,
            model_fields=("birth_year", "birth_date"),
            help="Năm sinh (ví dụ 1958) hoặc ngày sinh đầy đủ (12/03/1958).",
            example="1958",
            width=11,
        ),
        Column("ethnicity", "Dân tộc", ("Dân tộc (ghi rõ)",), help="Để trống: Kinh.", example="Kinh", width=9),
        Column(
            "phone",
            "Số điện thoại",
            ("Điện thoại", "SĐT", "SDT", "Số ĐT", "Di động", "ĐT liên hệ"),
            help="Chỉ gồm chữ số, dấu cách, dấu + và dấu chấm.",
            example="0912 345 678",
            width=14,
        ),
        Column(
            "address",
            "Địa chỉ",
            ("Nơi ở", "Chỗ ở hiện nay", "Địa chỉ thường trú", "Nơi cư trú", "Nơi ở hiện nay"),
            example="Số 5 ngõ 12 phố Trần Phú",
            width=28,
        ),
        Column("occupation", "Nghề nghiệp", ("Nghề", "Công việc", "Nghề nghiệp hiện nay"), example="Hưu trí"),
        Column(
            "party_member",
            "Đảng viên",
            ("Là đảng viên", "ĐV", "Đảng viên (x)", "Đảng viên?"),
            parser=parse_bool,
            help="Có (hoặc x) nếu là đảng viên; để trống nếu không.",
            example="Có",
            width=9,
        ),
        Column(
            "joined_on",
            "Ngày vào hội",
            ("Ngày kết nạp", "Vào hội", "Ngày gia nhập", "Năm vào hội", "Kết nạp ngày", "Năm kết nạp"),
            required=True,
            parser=parse_day_or_year,
            help="Ngày/tháng/năm; nếu chỉ biết năm, ghi năm (tính từ 01/01 năm đó).",
            example="15/03/2015",
            width=12,
        ),
        Column(
            "card_number",
            "Số thẻ hội viên",
            ("Số thẻ", "Mã thẻ", "Thẻ HV", "Số thẻ HV", "Số thẻ hội viên (nếu có)"),
            parser=parse_code,
            help="Không trùng với hội viên khác trong tỉnh.",
            example="HN-000125",
            width=13,
        ),
        Column("card_issued_on", "Ngày cấp thẻ", ("Cấp thẻ ngày",), parser=parse_date, example="20/11/2016"),
        Column(
            "citizen_id",
            "Số CCCD",
            ("CCCD", "Căn cước công dân", "Số căn cước", "CMND/CCCD", "Số định danh", "Số CMND"),
            parser=parse_citizen_id,
            help="12 chữ số; chỉ ghi khi thật cần. Giá trị bị che (•••) trong tệp xuất ra được giữ nguyên.",
            example="",
            width=14,
        ),
        Column(
            "household_code",
            "Mã hộ",
            ("Mã hộ gia đình", "Hộ gia đình (mã)"),
            parser=parse_code,
            model_fields=("household",),
            help="Mã của hộ gia đình (đã nhập ở danh sách hộ) trong cùng chi hội, hoặc trong chi hội ghi ở cột sau.",
            example="",
            width=9,
        ),
        Column(
            "household_unit_code",
            "Chi hội của hộ",
            ("Mã chi hội của hộ", "Mã đơn vị của hộ"),
            parser=parse_code,
            model_fields=("household",),
            help="Mã chi hội nơi hộ gia đình được ghi, khi khác chi hội của hội viên (ví dụ hội viên sinh hoạt ở "
            "ban khuyến học của trường, hộ ở chi hội tổ dân phố). Để trống: hộ ở cùng chi hội.",
            example="",
            width=10,
        ),
        Column(
            "left_on",
            "Ngày ra hội",
            ("Ngày thôi sinh hoạt", "Ra hội ngày", "Ngày chuyển đi"),
            parser=parse_date,
            help="Để trống nếu đang sinh hoạt.",
            example="",
            width=12,
        ),
        Column(
            "left_reason",
            "Lý do ra hội",
            ("Tình trạng", "Lý do", "Trạng thái"),
            parser=parse_left_reason,
            help="Chuyển đi nơi khác, Thôi sinh hoạt, xin ra hội, hoặc Từ trần.",
            example="",
            width=16,
        ),
        Column("notes", "Ghi chú", (), example="", width=20),
    ]

    # --- matching -----------------------------------------------------------------------------------------------

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().prepare(ctx, rows)
        units = [unit for candidates in ctx.units_by_code.values() for unit in candidates]
        ctx.data["provinces"] = province_paths(units)
        ctx.data["communes"] = commune_paths(units)
        ctx.data["ambiguous"] = set()

    def natural_key(self, ctx: ImportContext, row: Row):
        values = row.values
        if values.get("member_id"):
            return ("id", values["member_id"])
        if values.get("card_number"):
            return ("card", ctx.data["provinces"].get(row.unit.pk, row.unit.path), values["card_number"])
        birth = values.get("birth")
        return ("name", row.unit.pk, name_key(values.get("full_name", "")), birth[1] if birth else None)

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        found = {}
        ids = [key[1] for key in keys if key and key[0] == "id"]
        for chunk in chunks(ids, 1000):
            for member in Member.objects.filter(pk__any=chunk).select_related("unit"):
                found[("id", member.pk)] = member
        cards = defaultdict(set)
        for key in keys:
            if key and key[0] == "card":
                cards[key[1]].add(key[2])
        for province, numbers in cards.items():
            for chunk in chunks(numbers, 1000):
                for member in Member.objects.holding_cards(province, chunk).prefetch_related("unit"):
                    found[("card", province, member.card_number)] = member
        names = [key for key in keys if key and key[0] == "name" and key[3]]
        namesakes = defaultdict(list)
        for chunk in chunks(_name_matches({key[1:] for key in names}), 1000):
            for member in Member.objects.filter(pk__any=chunk).select_related("unit").order_by("pk"):
                namesakes[("name", member.unit_id, member.name_key, member.birth_year)].append(member)
        # Namesakes in one chapter are told apart by the file itself: a row without id or card is the one no other
        # row of the file claims by its id or card (the file that created them imports back unchanged).
        claimed = {member.pk for member in found.values()}
        for key, members in namesakes.items():
            if len(members) > 1:
                members = [member for member in members if member.pk not in claimed] or members
            if len(members) > 1:
                ctx.data["ambiguous"].add(key)
            found[key] = members[-1]
        return found

    def appeared(self, ctx: ImportContext, rows: list[Row]) -> list[Row]:
        """At commit: members added meanwhile under the keys of the new rows (cards and name keys)."""
        ctx.data["ambiguous"] = set()
        return super().appeared(ctx, rows)

    # --- building -----------------------------------------------------------------------------------------------

    def build(self, ctx: ImportContext, row: Row) -> Member:
        member = row.existing if row.existing is not None else Member(unit=row.unit)
        values, present = row.values, ctx.columns_present
        for name in ("full_name", "ethnicity", "phone", "address", "occupation", "notes", "card_number"):
            if name in present:
                setattr(member, name, values.get(name) or "")
        if "ethnicity" in present and not member.ethnicity:
            member.ethnicity = "Kinh"
        for name in ("gender", "left_reason"):
            if name in present:
                setattr(member, name, values.get(name) or "")
        for name in ("joined_on", "left_on", "card_issued_on"):
            if name in present:
                setattr(member, name, values.get(name))
        if "party_member" in present:
            member.party_member = bool(values.get("party_member"))
        if "birth" in present:
            birth = values.get("birth")
            member.birth_date, member.birth_year = birth if birth else (None, None)
        if "citizen_id" in present and values.get("citizen_id") is not KEEP:
            member.citizen_id = values.get("citizen_id") or ""
        return member

    def describe_change(self, row: Row, attname: str):
        old, new = super().describe_change(row, attname)
        if attname == "citizen_id":  # the preview never shows a citizen ID in full
            return mask_citizen_id(old or ""), mask_citizen_id(new or "")
        return old, new

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        self._link_households(ctx, rows)
        self._check_cards(ctx, rows)
        self._likely_duplicates(ctx, rows)

    def _link_households(self, ctx: ImportContext, rows: list[Row]) -> None:
        """A household by its code in the member's unit, or in the unit "Chi hội của hộ" names (any unit the
        importer can see: linking reads the household, it does not change it)."""
        if "household_code" not in ctx.columns_present:
            return
        other_codes = {row.values.get("household_unit_code") for row in rows} - {None, ""}
        units = {}
        if other_codes:
            qs = Unit.objects.filter(code__in=other_codes).order_by("-active_from", "pk")
            if ctx.user is not None:
                qs = scoping.restrict(qs, ctx.user, scoping.VIEW, unit_field="")
            for unit in qs:
                units.setdefault(unit.code.upper(), unit)
        wanted = set()
        for row in rows:
            code = row.values.get("household_code")
            other = row.values.get("household_unit_code")
            row.extra["household_unit"] = units.get(other.upper()) if other else row.unit
            if code and row.extra["household_unit"] is not None:
                wanted.add((row.extra["household_unit"].pk, code))
        households = {}
        for chunk in chunks(wanted, 1000):
            qs = Household.objects.filter(
                unit_id__any={unit_id for unit_id, _code in chunk}, code__any={code for _unit, code in chunk}
            )
            households.update({(h.unit_id, h.code): h for h in qs})
        for row in rows:
            code = row.values.get("household_code")
            if not code:
                row.instance.household = None
                continue
            unit = row.extra["household_unit"]
            if unit is None:
                row.error("household_unit_code", NOT_IN_SCOPE.format(code=row.values["household_unit_code"]))
                continue
            household = households.get((unit.pk, code))
            if household is None:
                row.error("household_code", f"Không có hộ gia đình mã {code} ở {unit}.")
            else:
                row.instance.household = household

    def _check_cards(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Card numbers unique in the province: across the file in memory, against the database in bulk."""
        provinces = ctx.data["provinces"]
        by_province: dict[str, dict[str, Row]] = defaultdict(dict)
        for row in rows:
            member = row.instance
            member.card_checked = True
            card = (member.card_number or "").strip().upper()
            if not card or row.unit is None:
                continue
            province = provinces.get(row.unit.pk, row.unit.path)
            first = by_province[province].get(card)
            if first is not None:
                row.error("card_number", f"Số thẻ {card} trùng với dòng {first.number} của tệp (cùng tỉnh).")
            else:
                by_province[province][card] = row
        for province, cards in by_province.items():
            for chunk in chunks(cards, 1000):
                qs = Member.objects.holding_cards(province, chunk).only("pk", "unit_id", "card_number")
                for member in qs.prefetch_related("unit"):
                    row = cards[member.card_number]
                    if row.instance.pk != member.pk:
                        row.error(
                            "card_number",
                            f"Số thẻ {member.card_number} đã cấp cho một hội viên khác trong cùng tỉnh ({member.unit})."
                            if ctx.in_scope(member.unit)
                            else CARD_TAKEN.format(card=member.card_number),
                        )

    def _likely_duplicates(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Same name (without accents) and birth year in the same commune: a warning, never a merge."""
        communes = ctx.data["communes"]
        seen: dict[tuple, list[Row]] = defaultdict(list)
        for row in rows:
            member = row.instance
            if row.errors or not member.full_name or not member.birth_year or row.unit is None:
                continue
            key = (communes.get(row.unit.pk, row.unit.path), name_key(member.full_name), member.birth_year)
            seen[key].append(row)
        for same in seen.values():
            if len(same) > 1:
                numbers = ", ".join(str(r.number) for r in same)
                for row in same:
                    row.warn("full_name", f"Có thể trùng người: các dòng {numbers} cùng họ tên và năm sinh trong xã.")
        new = {key: same for key, same in seen.items() if any(r.existing is None for r in same)}
        # Per commune, the members whose name is one of the file's: an index look-up inside one subtree.
        by_commune: dict[str, set[str]] = defaultdict(set)
        for commune, name, _year in new:
            by_commune[commune].add(name)
        for commune, names in by_commune.items():
            for chunk in chunks(names, 1000):
                qs = Member.objects.filter(unit__path__startswith=commune, name_key__any=chunk).values_list(
                    "pk", "name_key", "birth_year", "full_name", "unit__name", "unit__path"
                )
                for pk, name, year, full_name, unit_name, unit_path in qs:
                    if not ctx.visible_path(unit_path):
                        continue  # a possible namesake the importer may not see is not named to her
                    for row in new.get((commune, name, year), ()):
                        if row.existing is None:
                            row.warn(
                                "full_name",
                                f"Có thể trùng với hội viên đã có: {full_name} ({year}, {unit_name}, mã {pk}). "
                                "Nếu đúng là một người, hãy ghi mã hội viên vào cột «Mã hội viên».",
                            )

    def validate(self, ctx: ImportContext, row: Row) -> None:
        values, existing = row.values, row.existing
        # Out of scope reads exactly like not found: an error must not tell who exists elsewhere (issue 15).
        if values.get("member_id") and (existing is None or not ctx.in_scope(existing.unit)):
            row.error("member_id", MEMBER_NOT_FOUND.format(id=values["member_id"]))
            return
        if existing is not None:
            if not ctx.in_scope(existing.unit):
                row.error("card_number", CARD_TAKEN.format(card=values["card_number"]))
            elif existing.unit_id != row.unit.pk:
                row.error(
                    "unit_code",
                    f"{existing.full_name} đang sinh hoạt ở {existing.unit} ({existing.unit.code}); muốn chuyển sang "
                    "chi hội khác, hãy dùng chức năng «Chuyển sinh hoạt».",
                )
            elif existing.is_erased:
                row.error("full_name", "Dữ liệu cá nhân của hội viên này đã bị xóa theo yêu cầu; không thể nhập lại.")
        if row.key in ctx.data["ambiguous"]:
            row.error(
                "full_name",
                "Chi hội có nhiều hội viên cùng họ tên và năm sinh này: "
                "hãy ghi «Mã hội viên» hoặc số thẻ để phân biệt.",
            )

    # --- writing ------------------------------------------------------------------------------------------------

    def prepare_for_write(self, ctx: ImportContext, instance: Member) -> None:
        if instance.card_number and instance.unit_id in ctx.data["provinces"]:
            instance.card_scope = ctx.data["provinces"][instance.unit_id]
        instance.prepare()

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        from members.services import members_bulk_create, members_bulk_update

        if created:
            members_bulk_create(created, user=ctx.history_user, reason=ctx.reason)
        if updated:
            fields = {name for _member, changed in updated for name in changed}
            names = sorted({Member._meta.get_field(name).name for name in fields} | {"version", *DERIVED})
            members_bulk_update(
                updated, fields=names, user=ctx.history_user, reason=ctx.reason, batch_size=self.batch_size
            )

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Once for the file. A file of new members only adds them: what they add is written to the stored rows
        (`summaries_add`). Otherwise its units are counted again, from the earliest date any row touches."""
        from chapters.summaries import summaries_add, summaries_refresh, years_from

        if all(row.existing is None for row in rows):
            summaries_add("members", [row.instance for row in rows])
            return

        unit_ids, earliest = set(), None
        for row in rows:
            for unit, day in [*self.period_keys(row.instance), *row.extra.get("old_period_keys", [])]:
                unit_ids.add(unit.pk)
                earliest = day if earliest is None or day < earliest else earliest
            unit_ids.add(row.instance.unit_id)
        if unit_ids:
            summaries_refresh(unit_ids=unit_ids, years=years_from(earliest), providers=self.summary_providers)

    # --- export -------------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit=None):
        """Members `user` may see, citizen IDs in full only where the one rule allows."""
        qs = Member.objects.filter(erased_at__isnull=True)
        if user is not None:
            qs = scoping.restrict(qs, user, scoping.VIEW)
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        qs = qs.annotate(citizen_id_visible=Case(When(citizen_id_visible_q(user), then=True), default=False))
        return qs.select_related("unit", "household__unit").order_by("unit__path", "sort_key", "pk")

    def export_logged(self, user, queryset, purpose: str) -> None:
        access_log(
            user,
            [Member(pk=pk, unit_id=unit_id) for pk, unit_id in queryset.values_list("pk", "unit_id")],
            PersonalDataAccess.Action.EXPORT,
            f"Xuất danh sách hội viên (Excel), mục đích: {purpose}" if purpose else "Xuất danh sách hội viên (Excel)",
        )

    def export_rows(self, queryset):
        gender = dict(Member.Gender.choices)
        reasons = dict(Member.LeftReason.choices)
        for m in queryset.iterator(chunk_size=2000):
            yield [
                m.pk,
                m.unit.code,
                m.unit.name,
                m.full_name,
                gender.get(m.gender, ""),
                m.birth_date or m.birth_year,
                m.ethnicity,
                m.phone,
                m.address,
                m.occupation,
                "Có" if m.party_member else "",
                m.joined_on,
                m.card_number,
                m.card_issued_on,
                m.citizen_id if m.citizen_id_visible else mask_citizen_id(m.citizen_id),
                m.household.code if m.household_id else "",
                m.household.unit.code if m.household_id and m.household.unit_id != m.unit_id else "",
                m.left_on,
                reasons.get(m.left_reason, ""),
                m.notes,
            ]


member_kind = MemberKind()
