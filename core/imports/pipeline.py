"""The import pipeline shared by every kind: sheet → parsed rows → instances → full validation → commit.

`validate()` reads nothing from the user but the file and writes nothing; `commit()` writes a validated result
all or nothing, in one transaction, through the closed-period guard and with history. Both work for every kind
through the hooks of `ImportKind` (kinds.py), in bulk: the number of queries depends on the number of rows only
through batches of 500–1,000, never row by row.
"""

import datetime
import decimal
import functools
import gc
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction

from core import years
from core.spreadsheets.encodings import dominant_encoding, fix_legacy
from core.spreadsheets.headers import HeaderMatch, find_header
from core.spreadsheets.parsing import ParseError, display, is_empty
from core.spreadsheets.reading import ReadFile
from core.spreadsheets.validation import clean_row, loaded_foreign_keys, unique_clashes
from core.text import strip_controls

from .kinds import ImportContext, ImportKind, Row

logger = logging.getLogger(__name__)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SAMPLE_SIZE = 200  # conversions and changes kept for the preview
CONFLICT_MESSAGE = (
    "Cơ sở dữ liệu từ chối ghi vì dữ liệu vừa thay đổi trong lúc nhập. Không có gì được lưu; hãy thử lại."
)


class CommitRefused(Exception):
    """The data changed since the preview, or a year was closed meanwhile: nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Result:
    header: HeaderMatch | None
    rows: list[Row] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    conversions: list[dict] = field(default_factory=list)
    conversion_count: int = 0
    encoding: str | None = None  # the legacy encoding most converted cells were in

    @property
    def counts(self) -> dict[str, int]:
        counts = {"total": len(self.rows), "new": 0, "changed": 0, "unchanged": 0, "errors": 0}
        for row in self.rows:
            counts["errors" if row.errors else row.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def column_header(self, kind: ImportKind, field_name: str) -> str:
        if not field_name:
            return ""
        if self.header is not None:
            found = self.header.header_of(field_name)
            if found:
                return found
        column = kind.column(field_name)
        return column.header if column else field_name

    def error_list(self, kind: ImportKind) -> list[list]:
        """[row number, column header, message] for every problem, in sheet order; file problems first."""
        errors = [[None, "", message] for message in self.file_errors]
        for row in self.rows:
            for field_name, message in row.errors:
                errors.append([row.number, self.column_header(kind, field_name), message])
        return errors

    def warning_list(self, kind: ImportKind) -> list[list]:
        """[row number, column header, message] for every warning (likely duplicates), in sheet order."""
        return [
            [row.number, self.column_header(kind, field_name), message]
            for row in self.rows
            for field_name, message in row.warnings
        ]


def _collector_paused(function):
    """`function` with Python's cyclic garbage collector paused. A file of 50,000 members holds millions of objects
    (rows, cells, instances) that live until the end, and every automatic collection walked them all to find almost
    nothing: the pipeline makes no reference cycles to speak of (docs/decisions.md «Session 18»). Reference
    counting still frees everything else; the collector runs again afterwards, also after an error."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def _unescape(text: str) -> str:
    """Undo the "'" an export put before text that a spreadsheet would take for a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


# Cells that can be remembered, and parsed values no later step can change in place (safe to hand to every row
# with the same cell).
_UNCHANGEABLE = frozenset({type(None), str, int, float, bool, decimal.Decimal, datetime.date, datetime.datetime})


def _parse(column, cell) -> tuple[object, str | None]:
    """(value, None) or (None, the parser's message)."""
    try:
        return column.parser(cell), None
    except ParseError as error:
        return None, str(error)


def _parse_rows(kind: ImportKind, header: HeaderMatch, result: Result, progress) -> list[Row]:
    columns = [(index, kind.column(name)) for index, name in header.fields.items() if kind.column(name)]
    texts = (
        cells[index]
        for _number, cells in header.data_rows
        for index, _column in columns
        if index < len(cells) and isinstance(cells[index], str) and not cells[index].isascii()
    )
    examined: dict[str, tuple[str, ...]] = {}  # each text's legacy candidates, looked at once
    result.encoding = dominant_encoding(texts, examined)
    rows = []
    total = len(header.data_rows) or 1
    # A file repeats its cells (a decision's number and date on each of its 40 recipients, a chapter's code on
    # each of its members): each distinct text is cleaned once, and each distinct cell parsed once per column
    # when what the parser returns cannot be changed in place.
    cleaned: dict[str, tuple[str, str, str | None]] = {}
    parsed: dict[tuple, tuple[object, str | None]] = {}
    for position, (number, cells) in enumerate(header.data_rows):
        if position % 1000 == 0:
            progress(0.3 * position / total)
        raw = {column.field: cells[index] if index < len(cells) else None for index, column in columns}
        if all(is_empty(value) for value in raw.values()):
            continue
        row = Row(number=number, values={}, cells=raw)
        for _index, column in columns:
            cell = raw[column.field]
            if isinstance(cell, str):
                if cell not in cleaned:
                    text = _unescape(strip_controls(cell).strip())
                    fixed, encoding = (
                        (text, None) if text.isascii() else fix_legacy(text, result.encoding, examined.get(text))
                    )
                    cleaned[cell] = (text, fixed, encoding)
                text, cell, encoding = cleaned[cell]
                if encoding:
                    result.conversion_count += 1
                    if len(result.conversions) < SAMPLE_SIZE:
                        result.conversions.append(
                            {
                                "row": number,
                                "column": header.header_of(column.field),
                                "before": text,
                                "after": cell,
                                "encoding": encoding,
                            }
                        )
                raw[column.field] = cell
            key = (column.field, type(cell), cell) if type(cell) in _UNCHANGEABLE else None
            if key is not None and key in parsed:
                value, problem = parsed[key]
            else:
                value, problem = _parse(column, cell)
                if key is not None and type(value) in _UNCHANGEABLE:
                    parsed[key] = (value, problem)
            if problem is not None:
                row.error(column.field, problem)
                continue
            if column.required and value in (None, "", []):
                row.error(column.field, f"Chưa ghi «{header.header_of(column.field)}».")
            row.values[column.field] = value
        rows.append(row)
    return rows


def _model_errors(kind: ImportKind, row: Row, messages: dict[str, list[str]]) -> None:
    for model_field, texts in messages.items():
        column = kind.column_for_model_field(model_field) if model_field else None
        if column is None and model_field:
            try:
                label = str(kind.model._meta.get_field(model_field).verbose_name)
            except Exception:  # noqa: BLE001 - a name the kind made up
                label = model_field
            texts = [f"{label.capitalize()}: {text}" for text in texts]
        for text in texts:
            row.error(column.field if column else "", text)


@_collector_paused
@years.one_day
def validate(
    kind: ImportKind,
    ctx: ImportContext,
    read: ReadFile,
    *,
    mapping: dict | None = None,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Every row parsed, matched with the database and fully validated; nothing written.

    Raises FileRejected when the file has no recognisable header.
    """
    progress = progress or (lambda fraction: None)
    header = find_header(read.sheets, kind, mapping)
    result = Result(header=header)
    ctx.columns_present = set(header.fields.values())
    missing = [column for column in kind.columns if column.required and column.field not in ctx.columns_present]
    if missing:
        names = ", ".join(f"«{column.header}»" for column in missing)
        result.file_errors.append(
            f"Không tìm thấy cột bắt buộc {names} ở dòng tiêu đề (dòng {header.row_number} của trang "
            f"«{header.sheet.name}»). Hãy đổi tên cột cho đúng, hoặc chọn cột tương ứng ở phần «Ghép cột»."
        )
        return result
    rows = _parse_rows(kind, header, result, progress)
    result.rows = rows
    if not rows:
        result.file_errors.append("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
        return result
    progress(0.3)

    # Units, natural keys and duplicates inside the file.
    good = [row for row in rows if not row.errors]
    kind.prepare(ctx, good)
    seen: dict = {}
    key_field = kind.key_field or kind.unit_code_field or ""
    for row in good:
        row.unit = kind.row_unit(ctx, row)
        if row.errors:
            continue
        row.key = kind.natural_key(ctx, row)
        if row.key in seen:
            row.error(key_field, f"Trùng với dòng {seen[row.key]} của tệp: mỗi bản ghi chỉ được ghi một lần.")
        else:
            seen[row.key] = row.number
    progress(0.4)

    # Existing rows in one go, then the instances.
    good = [row for row in good if not row.errors]
    existing = kind.find_existing(ctx, [row.key for row in good])
    for row in good:
        row.existing = existing.get(row.key)
    kind.attach(ctx, [row for row in good if row.existing is not None])
    foreign_keys = [f for f in kind.model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    for row in good:
        if row.existing is not None:
            row.extra["stored_keys"] = {f.name: (f.attname, getattr(row.existing, f.attname)) for f in foreign_keys}
            row.before = kind.snapshot(row.existing)
            row.extra["old_period_keys"] = kind.period_keys(row.existing)
        try:
            row.instance = kind.build(ctx, row)
        except ValidationError as error:
            _model_errors(kind, row, {"": error.messages})
    kind.link(ctx, [row for row in good if not row.errors])
    progress(0.5)

    # Full validation of every row.
    compare = kind.compare_fields()
    built = [row for row in good if row.instance is not None and not row.errors]
    total = len(built) or 1
    for position, row in enumerate(built):
        if position % 500 == 0:
            progress(0.5 + 0.4 * position / total)
        if row.existing is not None:
            row.changed = [name for name in compare if row.before.get(name) != getattr(row.instance, name, None)]
        _model_errors(kind, row, clean_row(row.instance, exclude=_known_foreign_keys(row)))
        if not row.errors:
            kind.validate(ctx, row)
    writing = [row for row in built if not row.errors and row.status != "unchanged"]
    for index, problems in unique_clashes(kind.model, [row.instance for row in writing]).items():
        for model_field, message in problems:
            _model_errors(kind, writing[index], {model_field: [message]})
    kind.period_problems(ctx, built)
    # Rows stopped early (a cell that did not parse, an unknown unit) still get the model's checks of the cells
    # that did parse, so every error of every row shows at the first upload, not one kind per upload.
    for row in rows:
        if row.errors and row.instance is None:
            _remaining_errors(kind, row)
    progress(1.0)
    return result


def _known_foreign_keys(row: Row) -> set[str]:
    """Foreign keys whose existence is known without a query per row: set from an object in memory, or still
    holding the value read from the database (its foreign-key constraint vouches for it)."""
    stored = row.extra.get("stored_keys", {})
    unchanged = {name for name, (attname, value) in stored.items() if getattr(row.instance, attname, None) == value}
    return loaded_foreign_keys(row.instance) | unchanged


def _remaining_errors(kind: ImportKind, row: Row) -> None:
    """The model's own checks (field validators and clean()) on the parsed cells of a row that failed earlier."""
    fields = {f.name: f for f in kind.model._meta.concrete_fields if not f.is_relation}
    failed = {name for name, _message in row.errors}
    present = {
        name: value
        for name, value in row.values.items()
        if name in fields and name not in failed and value is not None and value != ""
    }
    if not present:
        return
    instance = kind.model(**present)
    messages: dict[str, list[str]] = {}
    try:
        instance.clean_fields(exclude=[name for name in fields if name not in present])
    except ValidationError as error:
        messages.update(error.message_dict)
    try:
        instance.clean()
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            messages.setdefault(name, texts)
    except (ObjectDoesNotExist, TypeError, ValueError):
        pass  # a check that needs what failed (the unit, another cell): it runs once the row is fixed
    _model_errors(kind, row, {name: texts for name, texts in messages.items() if name in present})


def _recheck(kind: ImportKind, ctx: ImportContext, new: list[Row], updated: list[Row]) -> None:
    """Inside the commit's transaction: nobody changed the rows since they were validated (optimistic lock)."""
    if updated and hasattr(kind.model, "version"):
        versions = dict(
            kind.model._default_manager.select_for_update()
            .filter(pk__in=[row.instance.pk for row in updated])
            .values_list("pk", "version")
        )
        stale = [row.number for row in updated if versions.get(row.instance.pk) != row.before.get("version")]
        if stale:
            raise CommitRefused(
                f"Dữ liệu của {len(stale)} dòng (dòng {', '.join(map(str, stale[:10]))}"
                f"{', ...' if len(stale) > 10 else ''}) vừa được người khác sửa sau khi kiểm tra. "
                "Không có gì được lưu; hãy kiểm tra lại tệp."
            )
    if new:
        numbers = [row.number for row in kind.appeared(ctx, new)]
        if numbers:
            raise CommitRefused(
                f"Dữ liệu của {len(numbers)} dòng (dòng {', '.join(map(str, numbers[:10]))}) vừa được người khác "
                "thêm vào sau khi kiểm tra. Không có gì được lưu; hãy kiểm tra lại tệp."
            )


def _serialise(kind: ImportKind) -> None:
    """Commits of one kind run one after the other (a transaction-scoped PostgreSQL advisory lock; SQLite
    serialises every write already). Without it two commits of the same rows both pass `_recheck` before either
    has written and both insert (issue 15); with it the second rechecks after the first committed and is refused.
    Natural keys that must be unique are also unique constraints; this covers the keys that cannot be (a name
    and a birth year)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"import:{kind.name}".encode())])


@_collector_paused
@years.one_day
def commit(kind: ImportKind, ctx: ImportContext, result: Result) -> dict[str, int]:
    """Write a valid result, all or nothing. Raises CommitRefused (nothing written) when it can no longer be."""
    if not result.ok:
        raise CommitRefused("Tệp còn lỗi: không có gì được lưu.")
    new = [row for row in result.rows if row.status == "new"]
    updated = [row for row in result.rows if row.status == "changed"]
    try:
        with transaction.atomic():
            _serialise(kind)
            _recheck(kind, ctx, new, updated)
            kind.guard_periods(ctx, [*new, *updated])
            has_version = hasattr(kind.model, "version")
            for row in new:
                if has_version:
                    row.instance.version = 1
                kind.prepare_for_write(ctx, row.instance)
            changes = []
            for row in updated:
                if has_version:
                    row.instance.version = row.before.get("version", 0) + 1
                kind.prepare_for_write(ctx, row.instance)
                changes.append((row.instance, list(row.changed)))
            kind.write(ctx, [row.instance for row in new], changes)
            kind.refresh_summaries(ctx, [*new, *updated])
            if len(new) + len(updated) >= settings.IMPORT_ANALYZE_ROWS:
                transaction.on_commit(lambda: tables_analyze(kind.touched_tables()))
    except ValidationError as error:
        raise CommitRefused("; ".join(error.messages) + " Không có gì được lưu.") from error
    except IntegrityError as error:
        logger.warning("import commit refused by the database: %s", error)
        raise CommitRefused(CONFLICT_MESSAGE) from error
    return result.counts


def tables_analyze(tables: list[str]) -> None:
    """Fresh planner statistics for tables a large import just filled (a page of title scores took 3.2 s instead
    of 0.29 s on statistics older than the rows). PostgreSQL only; autovacuum would get there, minutes later."""
    if connection.vendor != "postgresql" or not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in dict.fromkeys(tables)))


# Preview ------------------------------------------------------------------------------------------------------


def _shown(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return display(value)


def preview(kind: ImportKind, result: Result) -> dict:
    """What the preview page shows besides the counts and errors, as JSON for ImportJob.preview."""
    header = result.header
    data = {
        "conversions": result.conversions,
        "conversion_count": result.conversion_count,
        "encoding": result.encoding or "",
    }
    if header is None:
        return data
    samples: dict[int, list[str]] = {}
    for _number, cells in header.data_rows[:3]:
        for index, cell in enumerate(cells):
            samples.setdefault(index, []).append(_shown(cell))
    data.update(
        {
            "sheet": header.sheet.name,
            "header_row": header.row_number,
            "columns": [
                {
                    "index": index,
                    "header": text,
                    "field": header.fields.get(index, ""),
                    "auto": header.auto_fields.get(index, ""),
                    "unknown": index in header.unknown,
                    "sample": [value for value in samples.get(index, []) if value][:3],
                }
                for index, text in enumerate(header.headers)
                if text or index in header.fields
            ],
            "missing": [
                column.header
                for column in kind.columns
                if column.field not in set(header.fields.values()) and not column.required
            ],
        }
    )
    changes = []
    for row in result.rows:
        if row.status == "changed" and len(changes) < SAMPLE_SIZE:
            labels = []
            for name in row.changed:
                column = kind.column_for_model_field(name.removesuffix("_id")) or kind.column_for_model_field(name)
                old, new = kind.describe_change(row, name)
                labels.append(
                    {
                        "column": result.column_header(kind, column.field) if column else name,
                        "old": _shown(old),
                        "new": _shown(new),
                    }
                )
            changes.append({"row": row.number, "changes": labels})
    data["changes"] = changes
    # The rows to be added, as they will be written (converted text, parsed dates), under the file's headers.
    present = set(header.fields.values())
    shown = [column.field for column in kind.columns if column.field in present]
    data["new_columns"] = [result.column_header(kind, name) for name in shown]
    data["new_rows"] = [
        {"row": row.number, "cells": [_shown(row.values.get(name, row.cells.get(name))) for name in shown]}
        for row in result.rows
        if row.status == "new"
    ][:SAMPLE_SIZE]
    return data
