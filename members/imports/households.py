"""The `households` and `clans` kinds. A household is matched by its code in the chapter, or (without a code) by
its head and address; a clan by its name in its chapter or commune. Re-importing the same file changes nothing;
a new household whose head has the same name as one already in the chapter is listed as a warning."""

from collections import defaultdict

from django.db import connection
from django.db.models import Case, F, Value, When
from django.db.models.functions import Left, StrIndex

from chapters import scoping
from chapters.imports.kinds import NOT_IN_SCOPE, ImportContext, ImportKind, unit_code_column, unit_name_column
from chapters.models import Unit
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import parse_code, parse_integer
from core.text import fold, nfc

from ..models import Clan, Household
from .common import chunks, clan_key, commune_paths

UNIT_CODE = unit_code_column(
    "Mã chi hội",
    ("Mã đơn vị", "Mã CH", "Mã thôn, tổ dân phố", "Mã chi hội, ban"),
    help="Mã của chi hội khu dân cư (thôn, tổ dân phố) trong phạm vi của bạn.",
    example="10001-01",
    width=12,
)
UNIT_NAME = unit_name_column("Chi hội", ("Tên chi hội", "Thôn, tổ dân phố", "Đơn vị"), width=24)


def _clans_near(units: list[Unit]) -> dict[str, dict[str, list[Clan]]]:
    """{commune path: {clan key: [clans]}} for the communes of `units`, in one query."""
    paths = set(commune_paths(units).values())
    result: dict[str, dict[str, list[Clan]]] = {path: defaultdict(list) for path in paths}
    if not paths:
        return result
    query = None
    for path in paths:
        part = Clan.objects.filter(unit__path__startswith=path)
        query = part if query is None else query | part
    for clan in query.select_related("unit"):
        for path in paths:
            if clan.unit.path.startswith(path):
                result[path][clan_key(clan.name)].append(clan)
    return result


def _namesakes(keys: list[tuple[int, str]]):
    """(unit id, folded head name, head name, address, code) of the households whose folded head name is one of
    `keys` ((unit id, folded head name)) in that unit. The folded head name is the first part of the stored
    search key ("nguyen van an | so 5 ... | h001"): compared in the database, so only namesakes come back. On
    PostgreSQL each key is one probe of the index on (unit, that first part) (migration members 0009); elsewhere
    the units' households are read and their keys cut."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT h.unit_id, k.head, h.head_name, h.address, h.code "
                "FROM unnest(%s::bigint[], %s::text[]) AS k(unit_id, head) "
                f"JOIN {Household._meta.db_table} h "
                "ON h.unit_id = k.unit_id AND split_part(h.search_key, ' | ', 1) = k.head",
                [[unit_id for unit_id, _head in keys], [head for _unit_id, head in keys]],
            )
            yield from cursor.fetchall()
        return
    cut = StrIndex("search_key", Value(" | "))
    head_key = Case(When(cut__gt=0, then=Left("search_key", F("cut") - 1)), default=F("search_key"))
    yield from (
        Household.objects.filter(unit_id__in={k[0] for k in keys})
        .annotate(cut=cut, head_key=head_key)
        .filter(head_key__in={k[1] for k in keys})
        .values_list("unit_id", "head_key", "head_name", "address", "code")
    )


class NamedRecordKind(ImportKind):
    """Households and clans: rows with a name whose search and sort keys `prepare()` derives. One writer for
    both: new rows with their history, changed rows with the changed fields, the keys and the version."""

    def prepare_for_write(self, ctx: ImportContext, instance) -> None:
        instance.prepare()

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        from core.bulk import bulk_update_with_history

        super().write(ctx, created, [])
        if updated:
            fields = sorted({self.model._meta.get_field(n).name for _obj, changed in updated for n in changed})
            bulk_update_with_history(
                [instance for instance, _changed in updated],
                self.model,
                [*fields, "version", "search_key", "sort_key"],
                batch_size=self.batch_size,
                default_user=ctx.history_user,
                default_change_reason=ctx.reason,
            )


class HouseholdKind(NamedRecordKind):
    name = "households"
    personal = True
    label = "Hộ gia đình"
    model = Household
    unit_code_field = "unit_code"
    key_field = "head_name"
    description = (
        "Mỗi dòng là một hộ gia đình của chi hội khu dân cư. Hộ đã có được nhận ra theo mã hộ trong chi hội, hoặc "
        "(khi không có mã) theo tên chủ hộ và địa chỉ: đã có thì cập nhật, chưa có thì thêm mới. Dòng họ ghi bằng "
        "tên, là dòng họ đã có trong xã. Hộ mới có chủ hộ trùng tên với hộ đã có trong chi hội được báo để kiểm tra."
    )
    columns = [
        UNIT_CODE,
        UNIT_NAME,
        Column("code", "Mã hộ", ("Mã hộ gia đình", "Số hộ", "Mã số hộ"), parser=parse_code, example="H00012", width=10),
        Column(
            "head_name",
            "Chủ hộ",
            ("Họ tên chủ hộ", "Tên chủ hộ", "Chủ hộ gia đình", "Họ và tên chủ hộ"),
            required=True,
            example="Trần Văn Bình",
            width=24,
        ),
        Column("address", "Địa chỉ", ("Nơi ở", "Số nhà", "Địa chỉ hộ"), example="Số 5 ngõ Chùa", width=28),
        Column(
            "people",
            "Số nhân khẩu",
            ("Nhân khẩu", "Số người", "Số khẩu", "Số nhân khẩu (người)"),
            parser=parse_integer,
            help="Số người trong hộ; để trống: 1.",
            example="4",
            width=10,
        ),
        Column("phone", "Số điện thoại", ("Điện thoại", "SĐT", "SDT"), width=14),
        Column(
            "clan_name",
            "Dòng họ",
            ("Tên dòng họ", "Thuộc dòng họ"),
            model_fields=("clan",),
            help="Tên dòng họ đã có trong xã (ví dụ «Dòng họ Nguyễn Đình»); để trống nếu không.",
            width=22,
        ),
        Column("notes", "Ghi chú", (), width=20),
    ]

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        super().prepare(ctx, rows)
        units = [unit for candidates in ctx.units_by_code.values() for unit in candidates]
        ctx.data["communes"] = commune_paths(units)
        ctx.data["clans"] = _clans_near(units) if "clan_name" in ctx.columns_present else {}

    def natural_key(self, ctx: ImportContext, row: Row):
        if row.values.get("code"):
            return ("code", row.unit.pk, row.values["code"])
        return ("head", row.unit.pk, fold(row.values.get("head_name")), fold(row.values.get("address")))

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        found = {}
        coded = [key for key in keys if key and key[0] == "code"]
        for chunk in chunks(coded, 1000):
            # Written with the condition of the unique index on (unit, code), so that the index serves both arrays
            # (without it, every household of the file's units was read and filtered: 3.6 s for a province's file).
            qs = Household.objects.filter(unit_id__any={k[1] for k in chunk}, code__any={k[2] for k in chunk})
            found.update({("code", h.unit_id, h.code): h for h in qs.exclude(code="")})
        named = [key for key in keys if key and key[0] == "head"]
        for chunk in chunks(named, 1000):
            # Without a code the search key is exactly "head | address" (Household.prepare).
            search = {" | ".join(filter(None, [k[2], k[3]])): k for k in chunk}
            qs = Household.objects.filter(unit_id__any={k[1] for k in chunk}, code="", search_key__any=list(search))
            for household in qs:
                key = search.get(household.search_key)
                if key is not None and key[1] == household.unit_id:
                    found.setdefault(key, household)
        return found

    def build(self, ctx: ImportContext, row: Row) -> Household:
        household = row.existing if row.existing is not None else Household(unit=row.unit)
        values, present = row.values, ctx.columns_present
        for name in ("code", "head_name", "address", "phone", "notes"):
            if name in present:
                setattr(household, name, values.get(name) or "")
        if "people" in present:
            household.people = values.get("people") or 1
        if "clan_name" in present:
            household.clan = None
            name = values.get("clan_name")
            if name:
                commune = ctx.data["communes"].get(row.unit.pk, row.unit.path)
                clans = ctx.data["clans"].get(commune, {}).get(clan_key(name), [])
                if len(clans) == 1:
                    household.clan = clans[0]
                else:
                    row.extra["clan_problem"] = (name, len(clans))
        return household

    def validate(self, ctx: ImportContext, row: Row) -> None:
        problem = row.extra.get("clan_problem")
        if problem:
            name, count = problem
            if count:
                row.error("clan_name", f"Trong xã có {count} dòng họ tên «{name}»: hãy sửa tên dòng họ cho khác nhau.")
            else:
                row.error("clan_name", f"Chưa có dòng họ «{name}» trong xã: hãy nhập danh sách dòng họ trước.")

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        self._check_codes(rows)
        self._same_heads(rows)

    def _check_codes(self, rows: list[Row]) -> None:
        """A household's code is its own in the chapter, without Household.clean() asking once per row: a row with a
        code is matched to the household holding it (so it cannot clash with it), two rows with one code are the
        natural key's error, and the database's unique constraint (unit, code) stands behind both."""
        for row in rows:
            row.instance.code_checked = True
            row.instance.code = nfc(row.instance.code).upper()

    def _same_heads(self, rows: list[Row]) -> None:
        new = [row for row in rows if row.existing is None and row.instance is not None]
        heads = defaultdict(list)
        for row in new:
            heads[(row.unit.pk, fold(row.instance.head_name))].append(row)
        for chunk in chunks(heads, 5000 if connection.vendor == "postgresql" else 500):
            wanted = set(chunk)
            for unit_id, key_name, head, address, code in _namesakes(chunk):
                key = (unit_id, key_name)
                if key in wanted:
                    for row in heads[key]:
                        where = ", ".join(filter(None, [address, f"mã {code}" if code else ""]))
                        row.warn("head_name", f"Chi hội đã có hộ của {head}" + (f" ({where})" if where else "") + ".")

    def export_queryset(self, user, unit=None):
        return super().export_queryset(user, unit).select_related("unit", "clan").order_by("unit__path", "sort_key")

    def export_rows(self, queryset):
        for h in queryset.iterator(chunk_size=2000):
            yield [h.unit.code, h.unit.name, h.code, h.head_name, h.address, h.people, h.phone,
                   h.clan.name if h.clan_id else "", h.notes]  # fmt: skip


class ClanKind(NamedRecordKind):
    name = "clans"
    personal = True
    label = "Dòng họ"
    model = Clan
    unit_code_field = "unit_code"
    key_field = "name"
    description = (
        "Mỗi dòng là một dòng họ của chi hội (thôn, tổ dân phố) hoặc của xã. Dòng họ đã có được nhận ra theo tên "
        "trong cùng đơn vị: đã có thì cập nhật, chưa có thì thêm mới. Ban khuyến học của dòng họ (nếu có) ghi bằng mã."
    )
    columns = [
        unit_code_column(
            "Mã đơn vị",
            ("Mã chi hội", "Mã xã", "Mã đơn vị (chi hội hoặc xã)", "Mã CH"),
            help="Mã của chi hội (thôn, tổ dân phố) hoặc của Hội Khuyến học xã nơi dòng họ sinh sống.",
            example="10001",
            width=12,
        ),
        unit_name_column("Đơn vị", ("Tên đơn vị", "Chi hội", "Xã, phường"), width=22),
        Column(
            "name",
            "Tên dòng họ",
            ("Dòng họ", "Tên họ", "Họ"),
            required=True,
            help="Ví dụ «Dòng họ Nguyễn Đình».",
            example="Dòng họ Nguyễn Đình",
            width=24,
        ),
        Column(
            "representative",
            "Người đại diện",
            ("Trưởng họ", "Trưởng tộc", "Người đại diện dòng họ", "Tộc trưởng"),
            example="Nguyễn Đình Thi",
            width=22,
        ),
        Column("phone", "Số điện thoại", ("Điện thoại", "SĐT"), width=14),
        Column("address", "Địa chỉ nhà thờ họ", ("Nhà thờ họ", "Địa chỉ"), width=26),
        Column(
            "board_code",
            "Mã ban khuyến học dòng họ",
            ("Mã ban khuyến học", "Mã chi hội dòng họ", "Ban khuyến học (mã)"),
            parser=parse_code,
            model_fields=("board",),
            help="Mã của chi hội hoặc ban khuyến học do dòng họ lập (nơi tổ chức: dòng họ), nếu có.",
            width=14,
        ),
        Column("notes", "Ghi chú", (), width=20),
    ]

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        codes = [row.values.get("unit_code") for row in rows] + [row.values.get("board_code") for row in rows]
        ctx.load_units(code for code in codes if code)

    def natural_key(self, ctx: ImportContext, row: Row):
        return (row.unit.pk, clan_key(row.values.get("name", "")))

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        wanted = set(keys)
        found = {}
        for chunk in chunks({key[0] for key in keys if key}, 1000):
            for clan in Clan.objects.filter(unit_id__any=chunk).select_related("unit"):
                key = (clan.unit_id, clan_key(clan.name))
                if key in wanted:
                    found.setdefault(key, clan)
        return found

    def build(self, ctx: ImportContext, row: Row) -> Clan:
        clan = row.existing if row.existing is not None else Clan(unit=row.unit)
        values, present = row.values, ctx.columns_present
        for name in ("name", "representative", "phone", "address", "notes"):
            if name in present:
                setattr(clan, name, values.get(name) or "")
        if "board_code" in present:
            code = values.get("board_code")
            clan.board = None
            if code:
                board = ctx.unit_by_code(code)
                if board is None:
                    row.extra["board_problem"] = code
                else:
                    clan.board = board
        return clan

    def validate(self, ctx: ImportContext, row: Row) -> None:
        if row.extra.get("board_problem"):
            row.error("board_code", NOT_IN_SCOPE.format(code=row.extra["board_problem"]))

    def export_queryset(self, user, unit=None):
        qs = Clan.objects.all()
        if user is not None:
            qs = scoping.restrict(qs, user, scoping.VIEW)
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        return qs.select_related("unit", "board").order_by("unit__path", "sort_key")

    def export_rows(self, queryset):
        for c in queryset:
            yield [c.unit.code, c.unit.name, c.name, c.representative, c.phone, c.address,
                   c.board.code if c.board_id else "", c.notes]  # fmt: skip


household_kind = HouseholdKind()
clan_kind = ClanKind()
