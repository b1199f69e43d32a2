"""Helpers shared by the fund screens."""

from chapters import scoping
from chapters.models import Unit


def can_enter(user, unit: Unit) -> bool:
    """Entering vouchers and transfers is a secretary's work (CHANGE)."""
    return scoping.can(user, scoping.CHANGE, unit)


def can_set_up(user, unit: Unit) -> bool:
    """Opening a fund or changing its settings: a secretary or an administrator of the unit."""
    return scoping.can(user, scoping.CHANGE, unit) or scoping.can(user, scoping.MANAGE, unit)


def ensure_can_set_up(user, unit: Unit) -> None:
    if not can_set_up(user, unit):
        scoping.ensure_can(user, scoping.CHANGE, unit)
