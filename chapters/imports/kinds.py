"""The organisation's half of the import machinery: rows belong to units (design.md §5).

`core.imports.kinds` declares columns, rows, the hooks a kind implements and the registry. Here the kinds of
this project get what every one of them shares: a row's unit is found by its code on the row's date (or the
file's "as of" day) among the units the importer may change (their CHANGE roles, inside the job's unit); rows in
a closed year are refused; summaries are refreshed after the write; exports are scoped. Every app's kinds
subclass `ImportKind` from here:

    from chapters.imports.kinds import ImportContext, ImportKind, unit_code_column
    from core.imports.kinds import Column, Row

See core/imports/kinds.py for the whole contract (columns, natural keys, hooks and their order).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from chapters import scoping
from chapters.models import ClosedPeriod, Summary, Unit, UnitName
from chapters.services.periods import PeriodClosed, closing_problem, field_of, period_guard
from core.imports import kinds as base
from core.imports.kinds import Column, Row
from core.spreadsheets.parsing import parse_code
from core.text import fold

NOT_IN_SCOPE = "Mã đơn vị {code} không tồn tại hoặc nằm ngoài phạm vi của bạn."


def unit_code_column(header: str, aliases: tuple[str, ...], help: str, **options) -> Column:
    """The column that names a row's unit by its code: every kind has one (`ImportKind.unit_code_field` names it),
    with the header and the other names its users know it by. Required unless `required=False`."""
    options = {"required": True, "model_fields": ("unit",), **options}
    return Column("unit_code", header, aliases, parser=parse_code, help=help, **options)


UNIT_NAME_HELP = (
    "Để dễ đọc; đơn vị được tìm theo mã vào ngày của dòng. Khi nhiều đơn vị đã mang cùng mã qua các thời kỳ, "
    "tên ghi đúng một tên đơn vị đã mang giúp chọn đúng đơn vị."
)


def unit_name_column(header: str, aliases: tuple[str, ...], **options) -> Column:
    """The column beside the unit code that names the unit: read by people, and by the import only to choose
    between units that bore the same code (`ImportContext` matches any name the unit bore)."""
    return Column("unit_name", header, aliases, help=UNIT_NAME_HELP, **options)


@dataclass
class ImportContext(base.ImportContext):
    """The run as the organisation sees it: the importer's roles, the job's unit, the units loaded by code."""

    scope_unit: Unit | None = None  # the job's unit: rows must lie in its subtree
    units_by_code: dict[str, list[Unit]] = field(default_factory=dict)

    def __post_init__(self):
        self._code_spans: dict[tuple[str, int], list[tuple]] = {}  # (code, unit id) → when the unit bore it
        self._names: dict[int, set[str]] = {}  # unit id → every name it bore (folded)
        self._paths = None if self.user is None else scoping.role_paths(self.user, scoping.CHANGE)
        # The job's unit covers the units it succeeded too: a new commune's secretary keys the back data of the
        # communes merged into it from her own commune's import page.
        self._scope_paths = None
        if self.scope_unit is not None:
            self._scope_paths = [self.scope_unit.path, *scoping.predecessor_paths(self.scope_unit)]

    @property
    def full_scope(self) -> bool:
        """A command without --as (or a superuser) may act on every unit."""
        return self._paths is None and self.scope_unit is None

    def in_scope(self, unit: Unit | None) -> bool:
        """May the importer change data of `unit` (its CHANGE roles, inside the job's unit)?"""
        if unit is None or not unit.path:
            return False
        return self.visible_path(unit.path)

    def visible_path(self, path: str) -> bool:
        """`in_scope` for a unit known by its path only: inside the job's unit (or a unit it succeeded), and
        inside the importer's CHANGE roles."""
        if not path:
            return False
        if self._scope_paths is not None and not any(path.startswith(own) for own in self._scope_paths):
            return False
        return self._paths is None or any(path.startswith(own) for own in self._paths)

    def load_units(self, codes: Iterable[str]) -> None:
        """Load the units with these codes in a few queries: a code may name several units over time (the 2025
        reform gave old commune codes to new communes), and a unit may have borne another code before."""
        wanted = {code.upper() for code in codes if code} - set(self.units_by_code)
        for code in wanted:
            self.units_by_code[code] = []
        if not wanted:
            return
        names = UnitName.objects.filter(code__any=wanted).values_list("unit_id", "code", "valid_from", "valid_until")
        spans: dict[tuple[str, int], list] = {}
        codes_of: dict[int, set[str]] = {}  # each unit's past codes among the wanted ones
        for unit_id, code, valid_from, valid_until in names:
            spans.setdefault((code.upper(), unit_id), []).append((valid_from, valid_until))
            codes_of.setdefault(unit_id, set()).add(code.upper())
        units = Unit.objects.filter(Q(code__any=wanted) | Q(pk__any=set(codes_of)))
        units = units.order_by("-active_from", "pk")
        for unit in units:
            for code in {unit.code.upper(), *codes_of.get(unit.pk, ())} & wanted:
                self.units_by_code[code].append(unit)
                self._code_spans[(code, unit.pk)] = [
                    (_later(valid_from, unit.active_from), _earlier(valid_until, unit.active_until))
                    for valid_from, valid_until in spans.get((code, unit.pk), [(None, None)])
                ]
        # The names of units that share a code with another (few): a row's unit name tells them apart.
        shared = {
            unit.pk: unit for code in wanted if len(self.units_by_code[code]) > 1 for unit in self.units_by_code[code]
        }
        for unit in shared.values():
            self._names.setdefault(unit.pk, set()).update({fold(unit.name), fold(unit.display_name)})
        for unit_id, name in UnitName.objects.filter(unit_id__any=shared).values_list("unit_id", "name"):
            self._names[unit_id].add(fold(name))

    def bore_code(self, unit: Unit, code: str, start: datetime.date, end: datetime.date) -> bool:
        """Did `unit` bear `code` (and was it open) at some day between `start` and `end`?"""
        spans = self._code_spans.get((code.upper(), unit.pk), [(unit.active_from, unit.active_until)])
        return any((s is None or s <= end) and (u is None or u >= start) for s, u in spans)

    def unit_by_code(
        self,
        code: str,
        *,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        row: "Row | None" = None,
        field_name: str = "unit_code",
        name: str | None = None,
    ) -> Unit | None:
        """The unit in scope that bore `code` between `start` and `end` (the row's own dates); for a row without
        dates, on the file's "as of" day, else today. When the code was borne by several units and the row also
        names its unit (`name`, the unit name column an export writes), the one unit of that name wins: data a
        new commune keeps for years before it opened goes back to it, not to the old commune of the same code.
        A code that named another unit at another time is reported on an undated `row` as a warning, so a
        person sees which unit the figures went to."""
        code = (code or "").upper()
        candidates = [unit for unit in self.units_by_code.get(code, []) if self.in_scope(unit)]
        if not candidates:
            return None
        if name and len(candidates) > 1:
            named = [unit for unit in candidates if fold(name) in self._names.get(unit.pk, ())]
            if len(named) == 1:
                return named[0]
        dated = start is not None
        start = start or self.as_of or self.today
        end = end or (start if dated else self.as_of or self.today)
        chosen = next((unit for unit in candidates if self.bore_code(unit, code, start, end)), candidates[0])
        if row is not None and not dated:
            others = [
                unit
                for unit in self.units_by_code.get(code, [])
                if unit.pk != chosen.pk and (unit.kind == Unit.Kind.ASSOCIATION or self.in_scope(unit))
            ]
            if others:
                row.warn(field_name, self._reused_code_message(code, chosen, others, start))
        return chosen

    def _reused_code_message(self, code: str, chosen: Unit, others: list[Unit], day: datetime.date) -> str:
        def span(unit: Unit) -> str:
            dates = self._code_spans.get((code, unit.pk), [(unit.active_from, unit.active_until)])
            start = min((s for s, _u in dates if s), default=None)
            until = None if any(u is None for _s, u in dates) else max(u for _s, u in dates)
            parts = [f"từ {start:%d/%m/%Y}" if start else "", f"đến {until:%d/%m/%Y}" if until else ""]
            return " ".join(part for part in parts if part) or "không rõ thời gian"

        listed = "; ".join(f"{unit.display_name} ({span(unit)})" for unit in [chosen, *others])
        basis = "ngày số liệu đã khai khi tải tệp" if self.as_of else "hôm nay, vì dòng và tệp không ghi ngày"
        return (
            f"Mã {code} đã dùng cho nhiều đơn vị qua các thời kỳ: {listed}. Dòng này được ghi cho "
            f"{chosen.display_name}, đơn vị mang mã này ngày {day:%d/%m/%Y} ({basis}). Nếu số liệu thuộc thời kỳ "
            "khác, hãy ghi «Số liệu tính đến ngày» khi tải tệp lên."
        )


def _later(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return max(a, b) if a and b else a or b


def _earlier(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    return min(a, b) if a and b else a or b


class ImportKind(base.ImportKind):
    """A kind whose rows belong to units: see the module docstring."""

    context_class = ImportContext

    def touched_tables(self) -> list[str]:
        return [*super().touched_tables(), *([Summary._meta.db_table] if self.summary_providers else [])]

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        if self.unit_code_field:
            ctx.load_units(row.values.get(self.unit_code_field) for row in rows)

    def row_unit(self, ctx: ImportContext, row: Row) -> Unit | None:
        code = row.values.get(self.unit_code_field)
        if not code:
            row.error(self.unit_code_field, "Hãy ghi mã đơn vị.")
            return None
        start, end = self.row_period(row) or (None, None)
        name = row.values.get("unit_name") if self.column("unit_name") else None
        unit = ctx.unit_by_code(code, start=start, end=end, row=row, field_name=self.unit_code_field, name=name)
        if unit is None:
            row.error(self.unit_code_field, NOT_IN_SCOPE.format(code=code))
        return unit

    def attach(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Existing records get their units from the run: the row's unit when it is theirs, the others in one
        query, so that period keys and the closed-period guard do not read a unit per row."""
        fields = [f for f in self.model._meta.concrete_fields if f.many_to_one and f.related_model is Unit]
        if not fields:
            return
        loaded = {unit.pk: unit for units in ctx.units_by_code.values() for unit in units}
        loaded.update({row.unit.pk: row.unit for row in rows if isinstance(row.unit, Unit) and row.unit.pk})
        missing = {
            getattr(row.existing, f.attname)
            for row in rows
            for f in fields
            if not f.is_cached(row.existing) and getattr(row.existing, f.attname) not in loaded
        } - {None}
        if missing:
            loaded.update(Unit.objects.in_bulk(missing))
        for row in rows:
            for f in fields:
                pk = getattr(row.existing, f.attname)
                if pk is not None and not f.is_cached(row.existing) and pk in loaded:
                    f.set_cached_value(row.existing, loaded[pk])

    def period_problems(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Refuse rows dated in a closed year, and rows dated after their unit closed."""
        self._closed_year_problems(rows)
        self._closing_problems(rows)

    def _closing_problems(self, rows: list[Row]) -> None:
        """Back data of a closed unit is for the dates when it was open: a row dated after the closing is refused
        on its column."""
        if not getattr(self.model, "unit_closing_guard", True):
            return
        for row in rows:
            if row.errors or row.status == "unchanged":
                continue
            for unit, when in self.period_keys(row.instance):
                if unit is None or unit.active_until is None or when is None:
                    continue
                model_field = field_of(row.instance, when)
                column = self.column_for_model_field(model_field) if model_field else None
                column = column or (self.column(self.period_field) if self.period_field else None)
                message = closing_problem(unit, when, column.header if column else "")
                if message:
                    row.error(column.field if column else "", message)
                    break

    def _closed_year_problems(self, rows: list[Row]) -> None:
        """A cheap pass over the (few) closures in force, then the guard itself for the rows that hit one, so the
        message is the guard's."""
        closed: dict[int, set[int]] = {}
        for unit_id, year in ClosedPeriod.objects.in_force().values_list("unit_id", "year"):
            closed.setdefault(unit_id, set()).add(year)
        if not closed:
            return
        for row in rows:
            if row.errors or row.status == "unchanged":
                continue
            for unit, when in [*self.period_keys(row.instance), *row.extra.get("old_period_keys", [])]:
                if unit is None or when is None or not unit.path:
                    continue
                year = when if isinstance(when, int) else when.year
                if any(year in closed.get(ancestor, ()) for ancestor in unit.ancestor_ids):
                    try:
                        period_guard([(unit, when)])
                    except PeriodClosed as error:
                        row.error(self.period_field or "", error.messages[0])
                        break

    def guard_periods(self, ctx: ImportContext, rows: list[Row]) -> None:
        """The closed-period guard again inside the commit's transaction (a year may have closed since)."""
        closed_years = set(ClosedPeriod.objects.in_force().values_list("year", flat=True))
        if not closed_years:
            return
        pairs = {
            (unit.pk, when if isinstance(when, int) else when.year): (unit, when)
            for row in rows
            for unit, when in [*self.period_keys(row.instance), *row.extra.get("old_period_keys", [])]
            if unit is not None and when is not None and unit.pk
        }
        period_guard(pair for (unit_id, year), pair in pairs.items() if year in closed_years)

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        from chapters.summaries import summaries_refresh, years_from

        if not self.summary_providers:
            return
        unit_ids, years = set(), set()
        for row in rows:
            for instance_keys in (self.period_keys(row.instance), row.extra.get("old_period_keys", [])):
                for unit, when in instance_keys:
                    unit_ids.add(unit.pk)
                    years.update(years_from(when))
            if row.unit is not None:
                unit_ids.add(row.unit.pk)
        if unit_ids:
            summaries_refresh(unit_ids=unit_ids, years=years or None, providers=self.summary_providers)

    def export_queryset(self, user, unit: Unit | None = None):
        """The rows `user` may see (VIEW), under `unit` when given."""
        qs = self.model._default_manager.all()
        if user is not None:  # None: a command run with full scope
            qs = scoping.restrict(qs, user, scoping.VIEW, unit_field="unit")
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        return qs

    def export_personal_scope(self, user, queryset):
        """For kinds of personal data: the rows `user` may take out as people — from the units where a role works
        with people (scoping.PERSONAL_DATA: not the viewer's, who exports figures). Raises ExportRefused."""
        from core.spreadsheets.writing import ExportRefused

        if user is None:  # a command run with full scope
            return queryset
        if not scoping.units_for_any(user, scoping.PERSONAL_DATA).exists():
            raise ExportRefused("Vai trò chỉ xem được xuất số liệu, không được xuất danh sách người.")
        return queryset.filter(scoping.scope_any_q(user, scoping.PERSONAL_DATA))

    def export_logged(self, user, queryset, purpose: str) -> None:
        """Called once the rows of a personal export are chosen: kinds of members log who exported whom."""
