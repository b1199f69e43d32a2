"""The `units` kind: associations, chapters, boards and cells with their parents, dates and lineage.

Rows are matched by code (among units bearing the code, the one open over the row's dates). New units are
created as `chapters.services.tree.unit_create` does (parent link and name record written), parents first,
whether the parent is already in the database or further down the same file; an existing unit takes the new
name, address, dates... (a new name or code is recorded from today, like `unit_update`), and moves under a new
parent with `unit_move`. "Sáp nhập từ" names the predecessors a unit was formed from (lineage).
"""

import datetime
import re
from collections import Counter

from django.db.models import Q

from chapters.models import Lineage, ParentLink, Unit, UnitName
from core.bulk import bulk_update_with_history
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import choice_parser, parse_code, parse_codes, parse_date, parse_text
from core.text import fold

from .kinds import NOT_IN_SCOPE, ImportContext, ImportKind

ONE_DAY = datetime.timedelta(days=1)

parse_unit_kind = choice_parser(
    Unit.Kind.choices,
    {
        Unit.Kind.ASSOCIATION: ["Hội", "HKH", "Hội khuyến học", "Hội Khuyến học cấp xã", "Hội cấp tỉnh"],
        Unit.Kind.CHAPTER: ["CH", "Chi hội khuyến học"],
        Unit.Kind.BOARD: ["Ban", "BKH", "Ban khuyến học"],
        Unit.Kind.CELL: ["Tổ", "Tổ hội khuyến học", "Tổ khuyến học"],
    },
)
parse_unit_level = choice_parser(
    Unit.Level.choices,
    {
        Unit.Level.PROVINCE: ["Tỉnh", "Thành phố", "Tỉnh, thành phố", "Cấp tỉnh"],
        Unit.Level.DISTRICT: ["Huyện", "Quận", "Thị xã", "Cấp huyện", "Huyện, quận"],
        Unit.Level.COMMUNE: ["Xã", "Phường", "Thị trấn", "Đặc khu", "Cấp xã", "Xã, phường"],
        Unit.Level.GRASSROOTS: ["Cơ sở", "Cấp cơ sở", "Chi hội", "Ban"],
    },
)
parse_unit_host = choice_parser(
    Unit.Host.choices,
    {
        Unit.Host.RESIDENTIAL: ["Khu dân cư", "Dân cư", "Thôn", "Tổ dân phố", "TDP", "Ấp", "Bản", "Khu phố", "Xóm"],
        Unit.Host.SCHOOL: ["Trường", "Trường học", "Nhà trường"],
        Unit.Host.AGENCY: ["Cơ quan", "Cơ quan, đơn vị", "Đơn vị"],
        Unit.Host.ENTERPRISE: ["Doanh nghiệp", "Công ty", "DN"],
        Unit.Host.CLAN: ["Dòng họ", "Chi họ", "Họ"],
        Unit.Host.RELIGIOUS: ["Tôn giáo", "Giáo xứ", "Giáo họ", "Chùa", "Nhà thờ"],
        Unit.Host.OTHER: ["Khác"],
    },
)

DISTRICT_WORDS = {"huyen", "quan", "thi xa", "thanh pho thuoc tinh"}
COMMUNE_WORDS = {"xa", "phuong", "thi tran", "dac khu"}


HOST_WORDS = [
    (Unit.Host.SCHOOL, ("truong", "mam non", "tieu hoc", "thcs", "thpt")),
    (Unit.Host.CLAN, ("dong ho", "chi ho")),
    (Unit.Host.ENTERPRISE, ("cong ty", "doanh nghiep", "nha may", "hop tac xa")),
    (Unit.Host.AGENCY, ("co quan", "uy ban", "ubnd", "benh vien", "tram y te", "cong an", "quan doi")),
    (Unit.Host.RELIGIOUS, ("giao xu", "giao ho", "chua", "nha tho", "thanh that")),
    (Unit.Host.RESIDENTIAL, ("thon", "to dan pho", "tdp", "khu pho", "ap", "xom", "lang", "khu dan cu", "to")),
]


def guess_host(name: str) -> str:
    """Where a chapter is held, from its name when the sheet does not say: "Chi hội thôn Đông" → residential."""
    key = fold(name)
    for host, words in HOST_WORDS:
        if any(re.search(rf"\b{word}\b", key) for word in words):
            return host
    return ""


class UnitKind(ImportKind):
    name = "units"
    label = "Đơn vị (hội, chi hội, ban)"
    model = Unit
    unit_code_field = None
    key_field = "code"
    summary_providers = ["units"]
    description = (
        "Mỗi dòng là một đơn vị: Hội Khuyến học các cấp, chi hội, ban khuyến học, tổ hội. Đơn vị được nhận ra "
        "theo mã: mã đã có thì cập nhật (tên, địa chỉ, ngày...), mã chưa có thì tạo mới. Đơn vị cấp trên ghi bằng "
        "mã, có thể là đơn vị đã có hoặc một dòng khác trong cùng tệp. Nhập lại cùng một tệp không thay đổi gì."
    )
    columns = [
        Column(
            "code",
            "Mã đơn vị",
            ("Mã", "Mã số", "Mã ĐV", "Mã chi hội", "Mã hội", "Mã ban", "Mã tổ chức"),
            required=True,
            parser=parse_code,
            help="Mã thống kê với tỉnh, xã; mã riêng của hội với chi hội, ban (không trùng với đơn vị đang hoạt động).",
            example="10001-01",
            width=14,
        ),
        Column(
            "name",
            "Tên đơn vị",
            ("Tên", "Đơn vị", "Tên chi hội", "Tên hội", "Tên chi hội, ban", "Tên tổ chức", "Tên chi hội/ban"),
            required=True,
            help="Tên đầy đủ, ví dụ «Chi hội tổ dân phố số 1», «Phường Bạch Đằng» (với Hội cấp xã ghi tên xã).",
            example="Chi hội tổ dân phố số 1",
            width=36,
        ),
        Column(
            "kind",
            "Loại",
            ("Loại đơn vị", "Loại tổ chức", "Chi hội hay ban"),
            parser=parse_unit_kind,
            help="Hội Khuyến học, Chi hội, Ban khuyến học hoặc Tổ hội. Để trống: chi hội (ban khuyến học nếu tổ "
            "chức trong cơ quan, doanh nghiệp; tổ hội nếu đơn vị cấp trên là chi hội).",
            example="Chi hội",
            width=16,
        ),
        Column(
            "level",
            "Cấp",
            ("Cấp hội", "Cấp đơn vị"),
            parser=parse_unit_level,
            help="Tỉnh, Huyện, Xã hoặc Cơ sở. Để trống: cơ sở với chi hội, ban, tổ hội; với Hội thì suy ra từ loại "
            "đơn vị hành chính hoặc cấp của đơn vị cấp trên.",
            example="Cơ sở",
            width=12,
        ),
        Column(
            "host",
            "Nơi tổ chức",
            ("Nơi sinh hoạt", "Loại hình", "Hình thức tổ chức", "Khu vực", "Tổ chức tại"),
            parser=parse_unit_host,
            help="Với chi hội và ban: Khu dân cư (thôn, tổ dân phố), Trường học, Cơ quan, Doanh nghiệp, Dòng họ, "
            "Tôn giáo hoặc Khác.",
            example="Khu dân cư",
            width=18,
        ),
        Column(
            "division_type",
            "Loại đơn vị hành chính",
            ("Xã, phường", "Loại xã, phường", "Đơn vị hành chính"),
            parser=lambda value: parse_text(value).lower(),
            help="Với Hội cấp tỉnh, huyện, xã: tỉnh, thành phố, huyện, quận, xã, phường, thị trấn, đặc khu.",
            example="",
            width=14,
        ),
        Column(
            "parent_code",
            "Mã đơn vị cấp trên",
            ("Mã cấp trên", "Trực thuộc", "Thuộc", "Mã hội cấp trên", "Cấp trên", "Đơn vị cấp trên", "Mã trực thuộc"),
            parser=parse_code,
            model_fields=("parent",),
            help="Mã của đơn vị cấp trên: đơn vị đã có trong hệ thống (trong phạm vi của bạn) hoặc một dòng khác của "
            "tệp. Bắt buộc với đơn vị mới, trừ Hội cấp tỉnh.",
            example="10001",
            width=14,
        ),
        Column(
            "active_from",
            "Hoạt động từ",
            ("Ngày thành lập", "Ngày bắt đầu", "Từ ngày", "Thành lập ngày", "Hoạt động từ ngày", "Ngày hoạt động"),
            parser=parse_date,
            help="Ngày bắt đầu hoạt động, dạng ngày/tháng/năm (ví dụ 01/07/2025).",
            example="15/03/2010",
            width=14,
        ),
        Column(
            "active_until",
            "Hoạt động đến",
            ("Ngày giải thể", "Ngừng hoạt động", "Ngày ngừng hoạt động", "Đến ngày", "Hoạt động đến ngày"),
            parser=parse_date,
            help="Ngày cuối cùng đơn vị còn hoạt động (để trống nếu đang hoạt động).",
            example="",
            width=14,
        ),
        Column(
            "address",
            "Địa chỉ",
            ("Địa chỉ liên hệ", "Trụ sở", "Nơi đặt trụ sở"),
            help="Địa chỉ liên hệ hoặc nơi sinh hoạt.",
            example="Tổ dân phố số 1, phường Bạch Đằng",
            width=32,
        ),
        Column(
            "merged_from",
            "Sáp nhập từ (mã)",
            ("Sáp nhập từ", "Hình thành từ", "Kế thừa từ", "Mã đơn vị cũ", "Hợp nhất từ", "Mã các đơn vị cũ"),
            parser=parse_codes,
            help="Mã các đơn vị cũ đã sáp nhập (hoặc chia tách) thành đơn vị này, cách nhau bằng dấu phẩy. Đơn vị cũ "
            "phải ngừng hoạt động trước ngày đơn vị này bắt đầu hoạt động.",
            example="",
            width=18,
        ),
    ]

    # --- reading and matching -----------------------------------------------------------------------------------

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        codes = set()
        for row in rows:
            codes.add(row.values.get("code"))
            codes.add(row.values.get("parent_code"))
            codes.update(row.values.get("merged_from") or [])
        ctx.load_units(codes)
        ctx.data["file_codes"] = Counter(row.values.get("code") for row in rows)
        ctx.data["rows_by_code"] = {}

    def _existing(self, ctx: ImportContext, row: Row) -> Unit | None:
        start = row.values.get("active_from") or ctx.today
        end = row.values.get("active_until") or max(start, ctx.today)
        candidates = ctx.units_by_code.get(row.values["code"], [])
        for unit in candidates:
            if (unit.active_from is None or unit.active_from <= end) and (
                unit.active_until is None or unit.active_until >= start
            ):
                return unit
        return None

    def row_unit(self, ctx: ImportContext, row: Row) -> Unit | None:
        code = row.values["code"]
        existing = self._existing(ctx, row)
        row.extra["existing"] = existing
        if existing is not None and not ctx.in_scope(existing):
            row.error("code", f"Mã đơn vị {code} đã được dùng cho một đơn vị nằm ngoài phạm vi của bạn.")
            return None
        parent_code = row.values.get("parent_code")
        if parent_code == code:
            row.error("parent_code", "Đơn vị cấp trên không thể là chính đơn vị này.")
            return None
        current_parent = next(
            (
                unit
                for unit in ctx.units_by_code.get(parent_code or "", [])
                if existing and unit.pk == existing.parent_id
            ),
            None,
        )
        if current_parent is not None:
            row.extra["parent"] = current_parent  # unchanged: the parent may lie above the user's scope
        elif parent_code and ctx.data["file_codes"].get(parent_code):
            row.extra["parent_in_file"] = parent_code  # resolved in link(), once every row is built
        elif parent_code:
            parent = ctx.unit_by_code(parent_code, start=row.values.get("active_from"))
            if parent is None:
                row.error("parent_code", NOT_IN_SCOPE.format(code=parent_code))
                return None
            row.extra["parent"] = parent
        elif existing is None and not ctx.full_scope:
            row.error(
                "parent_code", "Hãy ghi mã đơn vị cấp trên (đơn vị mới phải thuộc một đơn vị trong phạm vi của bạn)."
            )
            return None
        return existing or row.extra.get("parent")

    def natural_key(self, ctx: ImportContext, row: Row):
        existing = row.extra.get("existing")
        key = ("unit", existing.pk) if existing is not None else ("new", row.values["code"])
        ctx.data["rows_by_code"][row.values["code"]] = row
        return key

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        loaded = {unit.pk: unit for units in ctx.units_by_code.values() for unit in units}
        return {key: loaded[key[1]] for key in keys if key[0] == "unit" and key[1] in loaded}

    def appeared(self, ctx: ImportContext, rows: list[Row]) -> list[Row]:
        """At commit: units created meanwhile with the codes of the new rows."""
        known = {unit.pk for units in ctx.units_by_code.values() for unit in units}
        codes = {row.values["code"] for row in rows}
        clashes = set(Unit.objects.filter(code__in=codes).exclude(pk__in=known).values_list("code", flat=True))
        return [row for row in rows if row.values["code"] in clashes]

    def snapshot(self, instance):
        data = super().snapshot(instance)
        data["merged_from"] = None
        return data

    # --- building -----------------------------------------------------------------------------------------------

    def _infer_level(self, unit: Unit, parent: Unit | None) -> str:
        if unit.kind != Unit.Kind.ASSOCIATION:
            return Unit.Level.GRASSROOTS
        division = fold(unit.division_type)
        if division in DISTRICT_WORDS:
            return Unit.Level.DISTRICT
        if division in COMMUNE_WORDS:
            return Unit.Level.COMMUNE
        top = parent is None or parent.level == Unit.Level.CENTRAL
        if division == "thanh pho":
            # A city under a province is a district-level city (thành phố thuộc tỉnh, before July 2025).
            return Unit.Level.PROVINCE if top else Unit.Level.DISTRICT
        if division == "tinh" or parent is None:
            return Unit.Level.PROVINCE if top else Unit.Level.COMMUNE
        return Unit.Level.COMMUNE

    def build(self, ctx: ImportContext, row: Row) -> Unit:
        unit = row.existing if row.existing is not None else Unit()
        values = row.values
        for name in ("code", "name", "host", "division_type", "address", "active_from", "active_until"):
            if name in ctx.columns_present:
                value = values.get(name)
                setattr(unit, name, "" if value is None and name not in ("active_from", "active_until") else value)
        unit.code_holders = ctx.units_by_code.get((unit.code or "").upper(), [])  # Unit.clean(): no query per row
        for name in ("kind", "level"):  # empty: keep the existing value, or infer it for a new unit
            if values.get(name):
                setattr(unit, name, values[name])
        parent = row.extra.get("parent")
        if parent is not None:
            if row.existing is not None and parent.pk != row.existing.parent_id:
                old = Unit.objects.filter(pk=row.existing.parent_id).values_list("code", flat=True).first()
                row.extra["old_parent_code"] = old or ""  # one query, for a unit that moves (rare)
            unit.parent = parent
        if row.existing is None:
            if not unit.kind:
                unit.kind = (
                    Unit.Kind.BOARD if unit.host in (Unit.Host.AGENCY, Unit.Host.ENTERPRISE) else Unit.Kind.CHAPTER
                )
                if parent is not None and parent.kind in (Unit.Kind.CHAPTER, Unit.Kind.BOARD, Unit.Kind.CELL):
                    unit.kind = Unit.Kind.CELL
            if not unit.level:
                unit.level = self._infer_level(unit, parent)
            if not unit.host and unit.kind in (Unit.Kind.CHAPTER, Unit.Kind.BOARD):
                unit.host = guess_host(unit.name)
        return unit

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Parents defined in the same file, cycles and provinces. New units get a temporary (negative) id first, so
        that Unit.clean() sees a parent that is not saved yet; write() clears it."""
        by_code = ctx.data["rows_by_code"]
        ctx.data["rows_by_pk"] = {row.existing.pk: row for row in rows if row.existing is not None}
        for row in rows:
            if row.existing is None and row.instance is not None:
                row.instance.pk = -row.number
        for row in rows:
            parent_code = row.extra.get("parent_in_file")
            if not parent_code:
                continue
            parent_row = by_code.get(parent_code)
            if parent_row is None or parent_row.errors or parent_row.instance is None:
                row.error(
                    "parent_code", f"Đơn vị cấp trên {parent_code} (dòng khác trong tệp) có lỗi: hãy sửa dòng đó trước."
                )
                continue
            row.unit = row.unit or parent_row.unit
            if row.existing is not None and parent_row.instance.pk != row.existing.parent_id:
                old = Unit.objects.filter(pk=row.existing.parent_id).values_list("code", flat=True).first()
                row.extra["old_parent_code"] = old or ""
            row.instance.parent = parent_row.instance
            row.extra["parent"] = parent_row.instance
            if (
                row.existing is None
                and not row.values.get("kind")
                and parent_row.instance.kind
                in (
                    Unit.Kind.CHAPTER,
                    Unit.Kind.BOARD,
                    Unit.Kind.CELL,
                )
            ):
                row.instance.kind = Unit.Kind.CELL
        for row in rows:
            if not row.errors:
                self._check_cycle(row, by_code)
        self._check_provinces(ctx, [row for row in rows if not row.errors])

    def _check_cycle(self, row: Row, by_code: dict) -> None:
        chain, current = [row], row
        while current.extra.get("parent_in_file"):
            following = by_code.get(current.extra["parent_in_file"])
            if following is None:
                break
            if following in chain:
                loop = [*chain[chain.index(following) :], following]
                row.error("parent_code", f"Vòng lặp đơn vị cấp trên: {' → '.join(r.values['code'] for r in loop)}.")
                return
            chain.append(following)
            current = following
        top = current.extra.get("parent")
        if isinstance(top, Unit) and top.pk and top.pk > 0 and top.path:
            for member in chain:
                if member.existing is not None and member.existing.path and top.path.startswith(member.existing.path):
                    row.error("parent_code", "Không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị con của nó.")
                    return

    def _check_provinces(self, ctx: ImportContext, rows: list[Row]) -> None:
        """A parent in another province than the unit (or than the rest of the file) is an error."""
        saved = [
            unit for row in rows for unit in (row.existing, row.extra.get("parent")) if unit is not None and unit.pk
        ]
        ancestor_ids = {pk for unit in saved for pk in unit.ancestor_ids}
        levels = dict(Unit.objects.filter(pk__in=ancestor_ids).values_list("pk", "level"))
        names = dict(Unit.objects.filter(pk__in=ancestor_ids, level=Unit.Level.PROVINCE).values_list("pk", "name"))

        def province_of(unit) -> int | None:
            if not isinstance(unit, Unit) or not unit.pk or not unit.path:
                return None
            for pk in unit.ancestor_ids:
                if levels.get(pk) == Unit.Level.PROVINCE:
                    return pk
            return None

        by_code = ctx.data["rows_by_code"]

        def province_of_row(row: Row, depth: int = 0) -> int | None:
            parent = row.extra.get("parent")
            if row.existing is not None and row.existing.path:
                return province_of(row.existing)
            if parent is not None and parent.pk and parent.pk > 0 and parent.path:
                return province_of(parent)
            parent_row = by_code.get(row.extra.get("parent_in_file"))
            return province_of_row(parent_row, depth + 1) if parent_row is not None and depth < 50 else None

        by_row = {}
        for row in rows:
            parent = row.extra.get("parent")
            current = province_of(row.existing) if row.existing is not None else None
            target = province_of(parent) if parent is not None and parent.pk and parent.pk > 0 else None
            if current and target and current != target and row.instance.level != Unit.Level.PROVINCE:
                row.error(
                    "parent_code",
                    f"Đơn vị cấp trên {parent.code} thuộc {names.get(target, 'tỉnh khác')}, còn đơn vị này thuộc "
                    f"{names.get(current, 'tỉnh khác')}: không thể chuyển đơn vị sang tỉnh khác.",
                )
            by_row[row.number] = None if row.instance.level == Unit.Level.PROVINCE else province_of_row(row)
        counts = Counter(province for province in by_row.values() if province)
        if len(counts) > 1:
            main, _count = counts.most_common(1)[0]
            for row in rows:
                province = by_row.get(row.number)
                if province and province != main and not row.errors and row.instance.level != Unit.Level.PROVINCE:
                    row.error(
                        "parent_code",
                        f"Đơn vị cấp trên thuộc {names.get(province, 'tỉnh khác')}, khác tỉnh với các đơn vị khác "
                        f"trong tệp ({names.get(main, '')}).",
                    )

    # --- rules beyond Unit.clean() --------------------------------------------------------------------------

    def validate(self, ctx: ImportContext, row: Row) -> None:
        unit, existing = row.instance, row.existing
        if existing is not None and "parent_id" in row.changed:
            parent = row.extra.get("parent")
            if parent is not None and parent.pk and parent.pk > 0 and not parent.is_open_on(ctx.today):
                row.error("parent_code", f"{parent.display_name} hiện không hoạt động: không thể chuyển đơn vị về đó.")
        if existing is not None and unit.active_until and "active_until" in row.changed:
            self._check_open_children(ctx, row)
        codes = row.values.get("merged_from") or []
        if "merged_from" in ctx.columns_present and codes:
            self._check_lineage(ctx, row, codes)

    def _check_open_children(self, ctx: ImportContext, row: Row) -> None:
        unit = row.instance
        by_code = ctx.data["rows_by_code"]
        children = Unit.objects.filter(parent_id=unit.pk).filter(
            Q(active_until__isnull=True) | Q(active_until__gt=unit.active_until)
        )
        still_open = []
        for child in children.only("pk", "code", "active_until"):
            in_file = by_code.get(child.code)
            if in_file is not None and in_file.instance is not None:
                closes = in_file.instance.active_until and in_file.instance.active_until <= unit.active_until
                moves = in_file.instance.parent_id != unit.pk
                if closes or moves:
                    continue
            still_open.append(child.code)
        if still_open:
            row.error(
                "active_until",
                f"Còn {len(still_open)} đơn vị trực thuộc đang hoạt động sau ngày {unit.active_until:%d/%m/%Y} "
                f"({', '.join(still_open[:5])}): hãy chuyển hoặc cho các đơn vị này ngừng hoạt động trước.",
            )

    def _check_lineage(self, ctx: ImportContext, row: Row, codes: list[str]) -> None:
        unit = row.instance
        if not unit.active_from:
            row.error("active_from", "Hãy ghi ngày bắt đầu hoạt động: đó là ngày sáp nhập các đơn vị cũ.")
            return
        by_code = ctx.data["rows_by_code"]
        predecessors = []
        for code in codes:
            if code == row.values["code"]:
                row.error("merged_from", "Một đơn vị không thể sáp nhập từ chính nó.")
                continue
            in_file = by_code.get(code)
            predecessor = in_file.instance if in_file is not None and in_file.instance is not None else None
            if predecessor is None:
                predecessor = ctx.unit_by_code(code, start=unit.active_from - ONE_DAY)
            if predecessor is None:
                row.error("merged_from", NOT_IN_SCOPE.format(code=code))
                continue
            if predecessor.active_until is None or predecessor.active_until >= unit.active_from:
                row.error(
                    "merged_from",
                    f"Đơn vị {code} vẫn hoạt động vào ngày {unit.active_from:%d/%m/%Y}: hãy ghi ngày ngừng hoạt động "
                    "của đơn vị cũ (cột «Hoạt động đến») trước ngày đơn vị này bắt đầu hoạt động.",
                )
                continue
            predecessors.append(predecessor)
        ctx.data.setdefault("predecessors", {})[id(unit)] = predecessors
        if row.existing is not None and not row.errors:
            known = set(row.existing.predecessor_links.values_list("predecessor__code", flat=True))
            if not set(codes) <= {code.upper() for code in known}:
                row.changed.append("merged_from")

    def describe_change(self, row: Row, attname: str):
        if attname == "parent_id":
            parent = row.extra.get("parent")
            return row.extra.get("old_parent_code", ""), parent.code if parent is not None else ""
        if attname == "merged_from":
            return "", ", ".join(row.values.get("merged_from") or [])
        return super().describe_change(row, attname)

    # --- writing ------------------------------------------------------------------------------------------------

    def prepare_for_write(self, ctx: ImportContext, instance: Unit) -> None:
        instance.set_derived()

    def write(self, ctx: ImportContext, created: list, updated: list) -> None:
        from chapters.services.tree import unit_follow_lineage, unit_move, units_create

        history = {"default_user": ctx.history_user, "default_change_reason": ctx.reason}
        # New units through the one writer of units; the temporary ids given in link() are cleared first, and a
        # parent created from the same file is written before its children.
        for unit in created:
            unit.pk = None
        units_create(created, user=ctx.history_user, reason=ctx.reason, batch_size=self.batch_size)
        # A chapter listed under a pre-reform commune goes where that commune's chapters went (unit_create's rule).
        for unit in created:
            if unit.parent_id and unit.parent.active_until:
                unit_follow_lineage(unit, actor=ctx.history_user, reason=ctx.reason)

        # Existing units: fields in bulk, then names, closures and moves as the tree services do them.
        moves = []
        rows = ctx.data.get("rows_by_pk", {})
        for unit, changed in updated:
            if "parent_id" in changed:
                moves.append((unit, unit.parent))
                unit.parent_id = rows[unit.pk].before["parent_id"] if unit.pk in rows else unit.parent_id
        fields = sorted({name for _unit, changed in updated for name in changed} - {"parent_id", "merged_from"})
        if updated:
            bulk_update_with_history(
                [unit for unit, _changed in updated],
                Unit,
                [Unit._meta.get_field(name).name for name in [*fields, "version"]]
                + ["search_key", "sort_key", "level_rank"],
                batch_size=self.batch_size,
                **history,
            )
        self._record_names(ctx, [unit for unit, changed in updated if {"name", "code"} & set(changed)])
        for unit, changed in updated:
            if "active_until" in changed and unit.active_until:
                ParentLink.objects.filter(unit=unit, valid_until__isnull=True).update(valid_until=unit.active_until)
                UnitName.objects.filter(unit=unit, valid_until__isnull=True).update(valid_until=unit.active_until)
        for unit, new_parent in moves:
            unit_move(unit, new_parent=new_parent, on=ctx.today, actor=ctx.history_user, reason=ctx.reason)

        # Lineage: the predecessors named in "Sáp nhập từ".
        lineage = []
        primaries = set(Lineage.objects.filter(primary=True).values_list("predecessor_id", flat=True))
        existing_pairs = set(Lineage.objects.values_list("predecessor_id", "successor_id"))
        successors_of: dict[int, int] = Counter()
        plan = []
        for unit in [*created, *(u for u, _c in updated)]:
            for predecessor in ctx.data.get("predecessors", {}).get(id(unit), []):
                plan.append((predecessor, unit))
                successors_of[predecessor.pk] += 1
        for predecessor, unit in plan:
            if (predecessor.pk, unit.pk) in existing_pairs:
                continue
            primary = predecessor.pk not in primaries
            primaries.add(predecessor.pk)
            lineage.append(
                Lineage(
                    predecessor_id=predecessor.pk,
                    successor_id=unit.pk,
                    kind=Lineage.Kind.SPLIT if successors_of[predecessor.pk] > 1 else Lineage.Kind.MERGE,
                    on=unit.active_from,
                    primary=primary,
                    created_by=ctx.history_user,
                )
            )
        Lineage.objects.bulk_create(lineage)

    def _record_names(self, ctx: ImportContext, units: list[Unit]) -> None:
        """A new name or code is valid from today; the old one stays for earlier periods (like unit_update)."""
        if not units:
            return
        current = {
            name.unit_id: name
            for name in UnitName.objects.filter(unit__in=units, valid_until__isnull=True).order_by("valid_from")
        }
        closing, creating, fixing = [], [], []
        for unit in units:
            name = current.get(unit.pk)
            if name is not None and name.valid_from and name.valid_from >= ctx.today:
                name.name, name.code = unit.name, unit.code
                fixing.append(name)
                continue
            if name is not None:
                name.valid_until = ctx.today - ONE_DAY
                closing.append(name)
            creating.append(UnitName(unit=unit, name=unit.name, code=unit.code, valid_from=ctx.today))
        UnitName.objects.bulk_update(fixing, ["name", "code"])
        UnitName.objects.bulk_update(closing, ["valid_until"])
        UnitName.objects.bulk_create(creating)

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        from chapters.summaries import summaries_refresh

        unit_ids = {row.instance.pk for row in rows if row.instance is not None and row.instance.pk}
        if unit_ids:
            summaries_refresh(unit_ids=unit_ids, providers=self.summary_providers)

    # --- export -------------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit: Unit | None = None):
        from chapters import scoping

        qs = Unit.objects.all()
        if user is not None:
            qs = scoping.restrict(qs, user, scoping.VIEW, unit_field="")
        if unit is not None:
            qs = qs.filter(path__startswith=unit.path)
        return qs.select_related("parent").prefetch_related("predecessor_links__predecessor").order_by("path")

    def export_rows(self, queryset):
        from chapters.resources import UnitResource

        return UnitResource().export(queryset, force_native_type=True)


units_kind = UnitKind()
