"""Load today's provinces and communes from the `vietnam-provinces` package (design.md §2), and with
`--history` the country before 1 July 2025 with its lineage (chapters/management/divisions_history.py).

Idempotent: a second run changes nothing. Run on a newer list, it renames, moves, closes and opens units
rather than duplicating them; `--on` is the day the list takes effect.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from chapters.models import Unit
from chapters.services import tree as tree_services
from chapters.services.tree import unit_build, units_create
from chapters.summaries import commune_totals_deferred, summaries_refresh
from core.history import command_line
from core.text import nfc

REFORM_DAY = datetime.date(2025, 7, 1)  # the 34 provinces and 3,321 communes took effect on 01/07/2025
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    division_type: str
    parent_code: str | None = None


def _province_type(value: str) -> str:
    return "thành phố" if value.startswith("thành phố") else "tỉnh"


def source() -> tuple[list[Division], list[Division]]:
    """Provinces and communes as the statistics office writes them: codes zero-padded to 2 and 5 digits."""
    from vietnam_provinces import Province, Ward

    provinces = []
    for province in Province.iter_all():
        kind = _province_type(province.division_type.value)
        name = nfc(province.name)
        if not name.lower().startswith(kind):
            name = f"{kind.capitalize()} {name}"  # "Cao Bằng" → "Tỉnh Cao Bằng", as in the official list
        provinces.append(Division(code=f"{int(province.code):02d}", name=name, division_type=kind))
    communes = [
        Division(
            code=f"{int(ward.code):05d}",
            name=nfc(ward.name),
            division_type=ward.division_type.value,
            parent_code=f"{int(ward.province_code):02d}",
        )
        for ward in Ward.iter_all()
    ]
    return provinces, communes


def _date(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"Ngày «{value}» không hợp lệ: hãy viết dạng dd/mm/yyyy.") from None


class Command(BaseCommand):
    help = "Nạp danh mục tỉnh, thành phố và xã, phường, đặc khu hiện hành từ gói vietnam-provinces."

    def add_arguments(self, parser):
        parser.add_argument("--province", metavar="MÃ", help="Chỉ nạp một tỉnh, thành phố và các xã của nó (ví dụ 01).")
        parser.add_argument(
            "--on",
            metavar="NGÀY",
            default=REFORM_DAY.strftime("%d/%m/%Y"),
            help="Ngày danh mục có hiệu lực (mặc định 01/07/2025): đơn vị mới mở từ ngày này, đổi tên từ ngày này, "
            "đơn vị không còn trong danh mục ngừng hoạt động từ ngày hôm trước.",
        )
        parser.add_argument(
            "--history",
            action="store_true",
            help="Nạp thêm danh mục trước 01/07/2025 (63 tỉnh, các huyện và xã, hoạt động đến 30/06/2025) cùng quan "
            "hệ sáp nhập, chia tách sang đơn vị hiện hành, từ gói vietnamadminunits.",
        )

    def handle(self, *args, **options):
        on = _date(options["on"])
        provinces, communes = source()
        only = options["province"]
        if only:
            only = only.strip().zfill(2)
            provinces = [p for p in provinces if p.code == only]
            if not provinces:
                raise CommandError(f"Không có tỉnh, thành phố mã «{options['province']}» trong danh mục.")
            communes = [c for c in communes if c.parent_code == only]
        # The tree services mark the stored commune totals stale after every merge, close and move; a catalogue
        # load makes thousands of them, so the communes are summed once at the end instead (not at all when the
        # load changed nothing).
        with commune_totals_deferred(unless_untouched=True):
            self._handle(provinces, communes, on=on, only=only, history=options["history"])

    def _handle(self, provinces, communes, *, on, only, history: bool) -> None:
        try:
            with transaction.atomic():
                counts = self._load(provinces, communes, on=on, only=only)
        except ValidationError as error:
            raise CommandError("Không nạp được danh mục: " + "; ".join(error.messages)) from None
        for label, key in (("Tỉnh, thành phố", Unit.Level.PROVINCE), ("Xã, phường, đặc khu", Unit.Level.COMMUNE)):
            c = counts[key]
            self.stdout.write(
                f"{label}: {c['total']} đang hoạt động theo danh mục — thêm mới {c['opened']}, đổi tên {c['renamed']}, "
                f"chuyển tỉnh {c['moved']}, ngừng hoạt động {c['closed']}, giữ nguyên {c['unchanged']}."
            )
        for warning in counts["warnings"]:
            self.stderr.write(warning)
        changed = any(
            counts[k][x]
            for k in (Unit.Level.PROVINCE, Unit.Level.COMMUNE)
            for x in ("opened", "renamed", "moved", "closed")
        )
        if history:
            changed = self._history(only) or changed
        if not changed:
            self.stdout.write(self.style.SUCCESS("Danh mục đã cập nhật, không có thay đổi."))
        else:
            self.stdout.write(self.style.SUCCESS("Đã nạp danh mục đơn vị hành chính."))

    def _history(self, only: str | None) -> bool:
        from chapters.management.divisions_history import history_load, history_source

        source = history_source()
        if only and only not in set(source.province_successor.values()):
            raise CommandError(f"Không có tỉnh, thành phố mã «{only}» trong bảng chuyển đổi năm 2025.")
        try:
            with transaction.atomic():
                counts = history_load(source, only=only, reason=command_line())
        except ValidationError as error:
            raise CommandError("Không nạp được danh mục trước 01/07/2025: " + "; ".join(error.messages)) from None
        labels = (
            (Unit.Level.PROVINCE, "Tỉnh, thành phố"),
            (Unit.Level.DISTRICT, "Huyện, quận, thị xã, thành phố thuộc tỉnh"),
            (Unit.Level.COMMUNE, "Xã, phường, thị trấn"),
        )
        self.stdout.write("Trước 01/07/2025:")
        for level, label in labels:
            c = counts.levels[level]
            carried = f", tiếp tục hoạt động sau sắp xếp {c['carried_on']}" if level == Unit.Level.PROVINCE else ""
            self.stdout.write(f"  {label}: {c['total']} — thêm mới {c['opened']}, đã có {c['adopted']}{carried}.")
        self.stdout.write(
            f"  Quan hệ kế thừa thêm mới: {counts.lineages}; đơn vị nhập tay được sáp nhập, chia tách: "
            f"{counts.merged_by_service}; cập nhật tọa độ: {counts.coordinates}."
        )
        for warning in counts.warnings:
            self.stderr.write(warning)
        return counts.changed

    def _existing(self, level: str, on: datetime.date) -> dict[str, Unit]:
        units = Unit.objects.filter(kind=Unit.Kind.ASSOCIATION, level=level).filter(
            Q(active_until__isnull=True) | Q(active_until__gte=on)
        )
        return {unit.code: unit for unit in units.select_related("parent")}

    def _load(self, provinces: list[Division], communes: list[Division], *, on: datetime.date, only: str | None):
        reason = command_line()
        counts = {"warnings": []}
        touched: list[int] = []
        province_units = self._existing(Unit.Level.PROVINCE, on)
        counts[Unit.Level.PROVINCE] = self._sync(
            provinces, province_units, level=Unit.Level.PROVINCE, parents={}, on=on, reason=reason, touched=touched
        )
        province_units = self._existing(Unit.Level.PROVINCE, on)
        commune_units = self._existing(Unit.Level.COMMUNE, on)
        if only:
            province = province_units[only]
            commune_units = {code: u for code, u in commune_units.items() if u.path.startswith(province.path)}
        counts[Unit.Level.COMMUNE] = self._sync(
            communes,
            commune_units,
            level=Unit.Level.COMMUNE,
            parents=province_units,
            on=on,
            reason=reason,
            touched=touched,
        )
        # Units no longer listed close on the day before the list takes effect: communes first, then provinces.
        for level, listed, existing in (
            (Unit.Level.COMMUNE, {c.code for c in communes}, commune_units),
            (Unit.Level.PROVINCE, {p.code for p in provinces} if not only else None, province_units),
        ):
            if listed is None:
                continue
            for code, unit in sorted(existing.items()):
                if code in listed or unit.active_until:
                    continue
                last_day = max(on - ONE_DAY, unit.active_from or on - ONE_DAY)
                try:
                    with transaction.atomic():
                        tree_services.unit_close(unit, on=last_day, reason=reason)
                except ValidationError as error:
                    counts["warnings"].append(
                        f"Không thể cho {unit.display_name} ngừng hoạt động: {' '.join(error.messages)}"
                    )
                    continue
                counts[level]["closed"] += 1
        return counts

    def _sync(self, divisions, existing, *, level, parents, on, reason, touched):
        result = {"total": len(divisions), "opened": 0, "renamed": 0, "moved": 0, "closed": 0, "unchanged": 0}
        new = []
        for division in divisions:
            parent = parents.get(division.parent_code) if division.parent_code else None
            if division.parent_code and parent is None:
                raise CommandError(f"Không tìm thấy tỉnh, thành phố mã {division.parent_code} của {division.name}.")
            unit = existing.get(division.code)
            if unit is None:
                new.append(
                    unit_build(
                        kind=Unit.Kind.ASSOCIATION,
                        level=level,
                        code=division.code,
                        name=division.name,
                        division_type=division.division_type,
                        parent=parent,
                        active_from=on,
                    )
                )
                continue
            changed = False
            if unit.name != division.name or unit.division_type != division.division_type:
                tree_services.unit_update(
                    unit, name=division.name, division_type=division.division_type, on=on, reason=reason
                )
                result["renamed"] += 1
                changed = True
            if parent is not None and unit.parent_id != parent.pk:
                tree_services.unit_move(unit, new_parent=parent, on=on, reason=reason)
                result["moved"] += 1
                changed = True
            if not changed:
                result["unchanged"] += 1
        created = units_create(new, reason=reason)
        result["opened"] = len(created)
        touched.extend(u.pk for u in created)
        if created:
            summaries_refresh(unit_ids=[u.pk for u in created], providers=["units"])
        return result
