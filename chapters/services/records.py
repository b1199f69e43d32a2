"""Saving and deleting records with their history, the closed-period guard and optimistic locking.

Every form, import and command writes through `record_save` / `record_delete`, so that a change is always
traced (design.md §4), never lands in a closed year, and never silently overwrites somebody else's edit.
A model takes part by having a `version` field and, when it holds dated facts, a `period_keys()` method
returning the (unit, date or year) pairs it touches.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from chapters.services.periods import period_guard, unit_open_guard
from core.history import stamp
from core.spreadsheets.validation import full_clean_known
from core.text import person_name


class EditConflict(ValidationError):
    """Somebody else saved the record after this form was opened."""

    def __init__(self, current, changes: list[dict]):
        self.current = current
        self.changes = changes
        lines = "; ".join(f"{c['field']}: «{c['old']}» → «{c['new']}»" for c in changes) or "không rõ thay đổi"
        who = changes[0]["by"] if changes else "người khác"
        super().__init__(
            f"Bản ghi này vừa được {who} sửa sau khi bạn mở biểu mẫu ({lines}). "
            "Hãy xem lại thông tin mới rồi lưu lại thay đổi của bạn.",
            code="edit_conflict",
        )


def _keys(instance):
    method = getattr(instance, "period_keys", None)
    return list(method()) if method else []


def changes_since(current, version: int) -> list[dict]:
    """What changed on `current` since its `version`, read from its history."""
    history = getattr(current, "history", None)
    if history is None:
        return []
    records = list(history.filter(version__gte=version).order_by("version", "history_date"))
    if len(records) < 2:
        return []
    old, new = records[0], records[-1]
    delta = new.diff_against(old)
    by = person_name(new.history_user) if new.history_user else "người khác"
    result = []
    for change in delta.changes:
        if change.field == "version":
            continue
        field = current._meta.get_field(change.field)
        result.append({"field": str(field.verbose_name), "old": change.old, "new": change.new, "by": by})
    return result


@transaction.atomic
def record_save(instance, *, actor=None, expected_version: int | None = None, reason: str = "", validate=True):
    """Validate and save `instance`, refusing a stale edit and any date in a closed year."""
    model = type(instance)
    if instance.pk:
        current = model._default_manager.select_for_update().get(pk=instance.pk)
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current, changes_since(current, expected_version))
        period_guard(_keys(current))
        instance.version = current.version + 1
    else:
        instance.version = 1
    keys = _keys(instance)
    period_guard(keys)
    unit_open_guard(instance, keys)
    if validate:
        full_clean_known(instance)  # full_clean() without asking the database what is in memory
    stamp(instance, actor=actor, reason=reason)
    instance.save()
    return instance


@transaction.atomic
def record_delete(instance, *, actor=None, reason: str = "") -> None:
    period_guard(_keys(instance))
    stamp(instance, actor=actor, reason=reason)
    instance.delete()
