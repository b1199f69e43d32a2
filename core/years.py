"""The years the application accepts, one set of bounds for models, forms and addresses; and today's date as the
models' checks see it."""

import datetime
import functools
from contextvars import ContextVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

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


_the_day: ContextVar[datetime.date | None] = ContextVar("the_day", default=None)


def today() -> datetime.date:
    """Today's local date (`timezone.localdate()`) for a model's checks ("not after today"), or, while a whole file
    is checked or written (`one_day`), the date it started on: every row is judged against the same day, and a
    file of 50,000 members does not look the time zone up 50,000 times (asgiref's context-local lookup of the
    active time zone, several microseconds a row)."""
    return _the_day.get() or timezone.localdate()


def one_day(function):
    """`function` with `today()` fixed to the date it was called on (nested calls keep the outer date)."""

    @functools.wraps(function)
    def on_one_day(*args, **kwargs):
        if _the_day.get() is not None:
            return function(*args, **kwargs)
        token = _the_day.set(timezone.localdate())
        try:
            return function(*args, **kwargs)
        finally:
            _the_day.reset(token)

    return on_one_day
