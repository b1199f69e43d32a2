"""The registry of importable kinds and the interface a kind implements (design.md §5).

This is the platform's half: columns, rows, the kind's hooks and the registry, with no idea of what a row
belongs to. The organisation's half — rows belong to units found by code on a date, in the importer's scope,
guarded by closed periods, refreshing summaries — is `chapters.imports.kinds`, whose `ImportKind` and
`ImportContext` every app's kinds subclass.

Every app that keeps data a secretary has in Excel registers one kind per kind of row, in its
`AppConfig.ready()`:

    from core.imports.kinds import register
    from members.imports import MemberKind
    register(MemberKind())

and then gets, with no more code: the upload screen and the `import_data KIND FILE` command (reading .xlsx,
.xls, .csv; legacy encodings; header matching and mapping; preview; all-or-nothing commit with history, the
closed-period guard and summaries; jobs and progress in Celery), the `export_data KIND` command and web export,
the downloadable template and its "Hướng dẫn" sheet, and its column table in `docs/import-formats.md`
(`manage.py import_formats --write`).

A kind declares
  name, label         "members", "Hội viên" (the KIND of the commands and the URLs; the Vietnamese name)
  model               the model written; it should have `version` and `history = HistoricalRecords()`
  columns             [Column(field, header, aliases, required, parser, help, example, model_fields)]:
                      `field` is the key of the parsed value (usually a model field's name), `header` the
                      Vietnamese header of template and export, `aliases` the other headers real sheets use,
                      `parser` a function from the raw cell to a value (see parsing.py; raise ParseError),
                      `model_fields` the model fields whose validation errors belong to this column
  unit_code_field     the column holding the code of the row's unit (None if `row_unit` is overridden)
  natural_key_fields  model attnames that identify a row ("unit_id", "year"): re-importing a file finds the
                      same rows and changes nothing
  summary_providers   names of the SummaryProviders to refresh after a commit

and may override these hooks, called by the pipeline (pipeline.py) in this order, each for ALL rows before the
next, so that nothing queries the database per row:
  prepare(ctx, rows)            preload in bulk what rows refer to (chapters: their units by code, one query)
  row_unit(ctx, row)            the Unit the row belongs to (scope, period guard, summaries); report a bad
                                code with row.error(field, message) and return None
  natural_key(ctx, row)         the row's key (default: natural_key_fields from row.unit and row.values)
  find_existing(ctx, keys)      {key: instance} for the keys already in the database, in one or a few queries
  attach(ctx, rows)             give the existing rows the related objects already loaded (their unit, their
                                member...), so that period keys and messages do not read one per row
  build(ctx, row)               the instance to save: row.existing updated in place, or a new one (default:
                                every present column whose field is a model field is set)
  link(ctx, rows)               cross-row work once every row is built (e.g. parents defined in the same file)
  validate(ctx, row)            rules beyond the model's own clean() (row.error(...))
  period_keys(instance)         (unit, date or year) pairs guarded by closed periods (default: the model's)
  period_problems(ctx, rows)    mark rows in a closed period (chapters: the closed-period guard)
  guard_periods(ctx, rows)      at commit, in the transaction: raise ValidationError for a closed period
  prepare_for_write(ctx, obj)   bulk writes bypass save(): set derived columns here (search keys, ...)
  write(ctx, created, updated)  default: bulk_create_with_history / bulk_update_with_history in batches
  refresh_summaries(ctx, rows)  chapters: summaries_refresh for the touched units and years_from(each date)
  export_queryset(user, unit)   rows to export (scoped by the caller), and export_rows(queryset) their values
                                in the order of `columns` (default: each column's field read from the object)

Rules every kind gets from the pipeline: each row is validated with the model's full validation (field
validators and clean(); check constraints evaluated in Python; unique constraints checked for the whole file
in bulk: core/spreadsheets/validation.py), plus the kind's rules; with chapters' kinds, a unit referenced by
code must be in the user's scope ("Mã đơn vị X không tồn tại hoặc nằm ngoài phạm vi của bạn") and rows in a
closed year are refused; rows that would not change anything are counted as unchanged and not written; a column
absent from the file leaves the field alone, an empty cell in a present column clears it.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from core.spreadsheets.headers import header_keys
from core.spreadsheets.parsing import parse_text


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parser: Callable[[Any], Any] = parse_text
    help: str = ""
    example: str = ""
    model_fields: tuple[str, ...] = ()
    width: int = 18  # width of the column in the template, in characters

    def keys(self) -> set[str]:
        keys = header_keys(self.header, legacy=False) | header_keys(self.field, legacy=False)
        for alias in self.aliases:
            keys |= header_keys(alias, legacy=False)
        return keys

    @property
    def owns(self) -> tuple[str, ...]:
        return self.model_fields or (self.field,)


@dataclass
class Row:
    """One data row of the sheet, as it goes through the pipeline."""

    number: int  # as in the sheet
    values: dict[str, Any]  # parsed values by field, only for the columns present in the file
    cells: dict[str, Any]  # the raw cells by field, for messages
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field or "", Vietnamese message)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (field, message): for a person to decide
    unit: Any = None  # what the row belongs to (a unit), as the kind's row_unit finds it
    key: Any = None
    existing: Any = None
    before: dict[str, Any] = field(default_factory=dict)  # the existing row's values before build()
    instance: Any = None
    changed: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # free space for the kind

    def error(self, field_name: str, message: str) -> None:
        self.errors.append((field_name, message))

    def warn(self, field_name: str, message: str) -> None:
        """Something for a person to decide (a likely duplicate): shown in the preview, never blocks the commit."""
        self.warnings.append((field_name, message))

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.existing is None:
            return "new"
        return "changed" if self.changed else "unchanged"


@dataclass
class ImportContext:
    """What a kind knows about the run: who imports, where, and the lookups loaded for it.

    `scope_unit` is the object the job is scoped to (a unit of the organisation); the platform only carries it.
    """

    kind: "ImportKind"
    user: Any = None  # the acting user; None for a command run with full scope
    scope_unit: Any = None  # the job's unit: rows must lie in its subtree
    reason: str = ""  # the history change reason of every written row
    columns_present: set[str] = field(default_factory=set)
    today: datetime.date = field(default_factory=timezone.localdate)
    data: dict[str, Any] = field(default_factory=dict)  # the kind's preloaded lookups
    as_of: datetime.date | None = None  # the file's "as of" day (upload form, import_data --on): undated rows

    @property
    def full_scope(self) -> bool:
        """A run with no user and no scope (a command without --as) may act on everything."""
        return self.user is None and self.scope_unit is None

    @property
    def history_user(self):
        return self.user if getattr(self.user, "is_authenticated", False) else None

    def in_scope(self, unit) -> bool:
        return True


class ImportKind:
    """Base class of a kind of spreadsheet row; see the module docstring for the contract."""

    name: str = ""
    label: str = ""
    model: type[models.Model] | None = None
    columns: list[Column] = []
    unit_code_field: str | None = "unit_code"
    natural_key_fields: tuple[str, ...] = ()
    personal: bool = False  # rows name people: exported for a stated purpose, only by roles that work with people
    summary_providers: list[str] = []
    key_field: str | None = None  # the column blamed for a duplicate key (default: unit_code_field)
    period_field: str | None = None  # the column blamed for a closed year
    description: str = ""  # one paragraph for the template's "Hướng dẫn" sheet and the docs
    batch_size: int = 1000

    # --- columns ---------------------------------------------------------------------------------------------

    def header_lookup(self) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for column in self.columns:
            for key in column.keys():
                lookup.setdefault(key, column.field)
        return lookup

    def column(self, field_name: str) -> Column | None:
        for column in self.columns:
            if column.field == field_name:
                return column
        return None

    def column_for_model_field(self, model_field: str) -> Column | None:
        for column in self.columns:
            if model_field in column.owns:
                return column
        return None

    def touched_tables(self) -> list[str]:
        """The tables a commit writes, analysed after a large one: the model's and its history's."""
        tables = [self.model._meta.db_table]
        history = getattr(self.model, "history", None)
        if history is not None and hasattr(history, "model"):
            tables.append(history.model._meta.db_table)
        return tables

    # --- the pipeline's hooks ----------------------------------------------------------------------------------

    context_class: type[ImportContext] = ImportContext

    def context(self, **options) -> ImportContext:
        """The context of one run of this kind (jobs build it from the job: user, scope, reason, as-of day)."""
        return self.context_class(kind=self, **options)

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        return None

    def row_period(self, row: Row) -> tuple[datetime.date, datetime.date] | None:
        """The dates the row's unit must be open between (to pick among units that reused a code)."""
        return None

    def row_unit(self, ctx: ImportContext, row: Row):
        """What the row belongs to (a unit); report a problem with row.error(field, message) and return None."""
        return None

    def natural_key(self, ctx: ImportContext, row: Row):
        key = []
        for name in self.natural_key_fields:
            if name == "unit_id":
                key.append(row.unit.pk if row.unit else None)
            else:
                key.append(row.values.get(name))
        return tuple(key)

    def find_existing(self, ctx: ImportContext, keys: list) -> dict:
        """One query over the natural-key fields (each with __in), matched exactly in Python."""
        keys = [key for key in keys if key is not None and None not in key]
        if not keys:
            return {}
        filters = {
            f"{name}__in": sorted({key[i] for key in keys}, key=str) for i, name in enumerate(self.natural_key_fields)
        }
        wanted = set(keys)
        found = {}
        for obj in self.model._default_manager.filter(**filters):
            key = tuple(getattr(obj, name) for name in self.natural_key_fields)
            if key in wanted:
                found[key] = obj
        return found

    def attach(self, ctx: ImportContext, rows: list[Row]) -> None:
        """The rows matched an existing record (row.existing): set on it what the run loaded already."""
        return None

    def compare_fields(self) -> list[str]:
        """Model fields (attnames) compared to tell a changed row from an unchanged one."""
        names = []
        for column in self.columns:
            for name in column.owns:
                try:
                    names.append(self.model._meta.get_field(name).attname)
                except Exception:  # noqa: BLE001 - a column that is not a model field
                    continue
        return names

    def snapshot(self, instance) -> dict[str, Any]:
        return {
            name: getattr(instance, name) for name in [*self.compare_fields(), "version"] if hasattr(instance, name)
        }

    def build(self, ctx: ImportContext, row: Row):
        instance = row.existing if row.existing is not None else self.model()
        for column in self.columns:
            if column.field not in ctx.columns_present:
                continue
            try:
                model_field = self.model._meta.get_field(column.field)
            except Exception:  # noqa: BLE001 - not a model field: the kind handles it itself
                continue
            value = row.values.get(column.field)
            if value is None and isinstance(model_field, models.CharField | models.TextField):
                value = ""
            setattr(instance, model_field.attname if not model_field.is_relation else model_field.name, value)
        if self.unit_code_field and row.unit is not None and hasattr(instance, "unit_id"):
            instance.unit = row.unit
        return instance

    def link(self, ctx: ImportContext, rows: list[Row]) -> None:
        return None

    def appeared(self, ctx: ImportContext, rows: list[Row]) -> list[Row]:
        """At commit time: the new rows whose key somebody created since they were validated."""
        found = self.find_existing(ctx, [row.key for row in rows])
        return [row for row in rows if row.key in found]

    def validate(self, ctx: ImportContext, row: Row) -> None:
        return None

    def describe_change(self, row: Row, attname: str) -> tuple[Any, Any]:
        """(old, new) values of a changed field for the preview."""
        return row.before.get(attname), getattr(row.instance, attname, None)

    def period_keys(self, instance) -> list:
        method = getattr(instance, "period_keys", None)
        return list(method()) if method else []

    def period_problems(self, ctx: ImportContext, rows: list[Row]) -> None:
        """At validation: mark the rows that fall in a closed period (row.error)."""
        return None

    def guard_periods(self, ctx: ImportContext, rows: list[Row]) -> None:
        """At commit, inside the transaction: raise ValidationError if a row now falls in a closed period."""
        return None

    def prepare_for_write(self, ctx: ImportContext, instance) -> None:
        return None

    def write(self, ctx: ImportContext, created: list, updated: list[tuple[Any, list[str]]]) -> None:
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        if created:
            bulk_create_with_history(
                created,
                self.model,
                batch_size=self.batch_size,
                default_user=ctx.history_user,
                default_change_reason=ctx.reason,
            )
        if updated:
            fields = sorted({name for _instance, changed in updated for name in changed} | {"version"})
            fields = [self.model._meta.get_field(name).name for name in fields]
            bulk_update_with_history(
                [instance for instance, _changed in updated],
                self.model,
                fields,
                batch_size=self.batch_size,
                default_user=ctx.history_user,
                default_change_reason=ctx.reason,
            )

    def refresh_summaries(self, ctx: ImportContext, rows: list[Row]) -> None:
        """After the write, inside the transaction: keep derived figures current."""
        return None

    # --- export ------------------------------------------------------------------------------------------------

    def export_queryset(self, user, unit=None):
        """The rows to export for `user` (under `unit`)."""
        return self.model._default_manager.all()

    def export_rows(self, queryset) -> Iterable[list]:
        for obj in queryset:
            yield [getattr(obj, column.field, "") for column in self.columns]


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> ImportKind | None:
    return KINDS.get(name)


def all_kinds() -> list[ImportKind]:
    return list(KINDS.values())
