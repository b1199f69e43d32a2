"""Template filters of the titles screens."""

from django import template

from learning_models.scoring import points_text

register = template.Library()


@register.filter
def diem(value):
    """Points as a scorer writes them: Decimal("87.0") → "87", Decimal("7.5") → "7,5"."""
    return points_text(value)
