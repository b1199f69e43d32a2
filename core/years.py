"""The years the application accepts, one set of bounds for models, forms and addresses."""

from django.core.validators import MaxValueValidator, MinValueValidator

MIN_YEAR = 1990
MAX_YEAR = 2100

YEAR_VALIDATORS = [
    MinValueValidator(MIN_YEAR, f"Năm phải từ {MIN_YEAR} trở đi."),
    MaxValueValidator(MAX_YEAR, "Năm không hợp lệ."),
]


def parse_year(raw, *, default: int, latest: int = MAX_YEAR) -> int:
    """`raw` as a year between MIN_YEAR and `latest`, else `default` (an address typed by hand never fails)."""
    text = str(raw or "").strip()
    if not text.isdigit():
        return default
    year = int(text)
    return year if MIN_YEAR <= year <= latest else default
