"""Vietnamese number, money, percentage and date formatting for templates and PDFs (design.md §7)."""

import datetime

from django import template

from core import formatting
from core.text import person_name

register = template.Library()


@register.filter
def so(value):
    """12486 → "12.486"."""
    return formatting.number(value)


@register.filter
def tien(value):
    """215640000 → "215.640.000 đồng"."""
    return formatting.money(value)


@register.filter
def phantram(value, digits=1):
    """0.2134 → "21,3%"."""
    return formatting.percent(value, int(digits))


@register.filter
def ngay(value):
    """date(2026, 1, 5) → "05/01/2026"."""
    if isinstance(value, datetime.datetime | datetime.date):
        return formatting.date(value)
    return value or ""


@register.filter
def get_item(mapping, key):
    """{{ row.values|get_item:"members.end" }}: dictionary keys with dots cannot be written in templates."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def ten_nguoi(user):
    """A user's name family-first ("Nguyễn Thị Lan"), as Vietnamese write it."""
    return person_name(user)
