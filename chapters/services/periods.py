"""Closed periods (design.md §4): one guard that every form, import, command and service goes through."""

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapters import scoping
from chapters.models import ClosedPeriod, Unit
from core.text import person_name


class PeriodClosed(ValidationError):
    """A fact dated in a closed year was to be created, changed or deleted."""


def _closure_message(closure: ClosedPeriod, unit: Unit) -> str:
    who = closure.closed_by_name or "hệ thống"
    when = timezone.localtime(closure.closed_at).strftime("%H:%M %d/%m/%Y")
    scope = "" if closure.unit_id == unit.pk else f" (khóa cho cả {closure.unit.display_name} và các đơn vị trực thuộc)"
    return (
        f"Năm {closure.year} của {unit.display_name} đã khóa sổ{scope} bởi {who} lúc {when}; "
        "không thể thêm, sửa hoặc xóa số liệu của năm này."
    )


def closure_for(unit: Unit, year: int) -> ClosedPeriod | None:
    """The closure in force over `unit` for `year`: its own or one of an ancestor (a closure covers the subtree)."""
    return (
        ClosedPeriod.objects.in_force()
        .filter(year=year, unit_id__in=unit.ancestor_ids or [unit.pk])
        .select_related("unit")
        .first()
    )


def period_guard(items: Iterable[tuple[Unit, datetime.date | int | None]]) -> None:
    """Raise PeriodClosed if any (unit, date or year) falls in a closed year."""
    seen = set()
    for unit, when in items:
        if unit is None or when is None:
            continue
        year = when if isinstance(when, int) else when.year
        if (unit.pk, year) in seen:
            continue
        seen.add((unit.pk, year))
        closure = closure_for(unit, year)
        if closure:
            raise PeriodClosed(_closure_message(closure, unit), code="period_closed")


def closed_years(unit: Unit) -> dict[int, ClosedPeriod]:
    """Years closed over `unit` (for forms that show which dates are frozen), in one query."""
    rows = ClosedPeriod.objects.in_force().filter(unit_id__in=unit.ancestor_ids).select_related("unit")
    return {row.year: row for row in rows}


def can_close(user, unit: Unit) -> bool:
    """An officer of a unit above, or the administrator of the unit itself (design.md §4)."""
    if user.is_superuser:
        return True
    parent_ok = unit.parent_id and scoping.can(user, scoping.APPROVE, unit.parent)
    return bool(parent_ok or scoping.can(user, scoping.MANAGE, unit))


def _actor_name(actor) -> str:
    if actor is None:
        from core.history import command_line

        return command_line()
    return person_name(actor)


@transaction.atomic
def period_close(*, unit: Unit, year: int, actor=None, reason: str = "", by_rule: bool = False) -> ClosedPeriod:
    """Close `year` for `unit` and its subtree. `by_rule`: closed as the consequence of another allowed action
    (finalising the year's report), so the actor's own right to close is not asked."""
    if actor is not None and not by_rule and not can_close(actor, unit):
        raise PermissionDenied("Chỉ cán bộ của hội cấp trên hoặc quản trị của chính đơn vị mới được khóa sổ.")
    if year > timezone.localdate().year:
        raise ValidationError(f"Không thể khóa sổ năm {year}: năm này chưa tới.")
    existing = ClosedPeriod.objects.in_force().filter(unit=unit, year=year).first()
    if existing:
        raise ValidationError(
            f"Năm {year} của {unit.display_name} đã được khóa sổ bởi {existing.closed_by_name} "
            f"lúc {timezone.localtime(existing.closed_at):%H:%M %d/%m/%Y}."
        )
    return ClosedPeriod.objects.create(
        unit=unit,
        year=year,
        closed_by=actor,
        closed_by_name=_actor_name(actor),
        reason=reason,
    )


# Checks another app adds before a year is re-opened (reports: a year whose report the level above accepted is
# re-opened only through the approval workflow). chapters imports no app above it, so they register here.
REOPEN_GUARDS: list[Callable[..., None]] = []


def reopen_guard_register(guard: Callable[..., None]) -> None:
    """`guard(unit=, year=, actor=)` raises PermissionDenied or ValidationError to refuse a re-opening."""
    if guard not in REOPEN_GUARDS:
        REOPEN_GUARDS.append(guard)


@transaction.atomic
def period_reopen(*, unit: Unit, year: int, actor=None, reason: str = "") -> ClosedPeriod:
    if actor is not None and not can_close(actor, unit):
        raise PermissionDenied("Chỉ cán bộ của hội cấp trên hoặc quản trị của chính đơn vị mới được mở lại sổ.")
    for guard in REOPEN_GUARDS:
        guard(unit=unit, year=year, actor=actor)
    closure = ClosedPeriod.objects.in_force().select_for_update().filter(unit=unit, year=year).first()
    if closure is None:
        raise ValidationError(f"Năm {year} của {unit.display_name} chưa khóa sổ.")
    if not reason.strip():
        raise ValidationError("Hãy ghi lý do mở lại sổ.")
    closure.reopened_by = actor
    closure.reopened_by_name = _actor_name(actor)
    closure.reopened_at = timezone.now()
    closure.reopen_reason = reason.strip()
    closure.save()
    return closure
