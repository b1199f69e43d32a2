"""Vietnamese formatting of figures: 12.486 người; 215.640.000 đồng; 21,3%; 05/01/2026 (domain.md §7)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal


def number(value) -> str:
    if value is None or value == "":
        return ""
    try:
        integer = int(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if integer < 0 else ""
    return sign + f"{abs(integer):,}".replace(",", ".")


def decimal(value, digits: int = 1) -> str:
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    text = number(int(whole)) + ("," + fraction if fraction else "")
    return ("-" if rounded < 0 else "") + text


def money(value) -> str:
    return "" if value is None or value == "" else f"{number(value)} đồng"


def percent(ratio, digits: int = 1) -> str:
    """A ratio (0.213) as "21,3%"."""
    if ratio is None:
        return ""
    return decimal(Decimal(str(ratio)) * 100, digits) + "%"


def ratio(part, whole, digits: int = 1) -> str:
    """61532, 98240 → "61.532/98.240 (62,6%)"."""
    if not whole:
        return f"{number(part)}/{number(whole)}"
    return f"{number(part)}/{number(whole)} ({percent(Decimal(part) / Decimal(whole), digits)})"


def change(current, previous, digits: int = 1) -> str:
    """ "tăng 4,2%", "giảm 1,0%", "bằng" compared with the previous figure."""
    if not previous:
        return ""
    delta = Decimal(current) - Decimal(previous)
    if delta == 0:
        return "bằng"
    word = "tăng" if delta > 0 else "giảm"
    return f"{word} {percent(abs(delta) / Decimal(previous), digits)}"


def growth(current, previous, *, against: str, money: bool = False, share: bool = True, digits: int = 1) -> str:
    """How a figure moved since the previous period, as a report writes it:
    "tăng 4,2% so với năm 2022", "giảm 15.000.000 đồng (30,0%) so với năm 2022" (amounts of money are stated
    in đồng, with the share in brackets unless `share` is False), "không thay đổi so với năm 2022". Empty for a
    first year, when there is nothing to compare with (no previous figure)."""
    if not previous:
        return ""
    delta = Decimal(current or 0) - Decimal(previous)
    if delta == 0:
        return f"không thay đổi so với {against}"
    word = "tăng" if delta > 0 else "giảm"
    part = percent(abs(delta) / Decimal(previous), digits)
    amount = (f"{number(abs(delta))} đồng" + (f" ({part})" if share else "")) if money else part
    return f"{word} {amount} so với {against}"


def date(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def long_date(value: datetime.date) -> str:
    """ "ngày 05 tháng 01 năm 2026" as Decree 30/2020 writes it (leading zeros below 10 and for months 1–2)."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
