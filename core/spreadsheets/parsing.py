"""Cell values as real sheets hold them → Python values, with a Vietnamese message when a cell cannot be read.

A parser takes the raw cell (str, int, float, bool, date, datetime or None, as python-calamine or the csv module
give it) and returns the value, None for an empty cell, or raises ParseError. Text has already been converted
from TCVN3/VNI and normalised to NFC by the pipeline.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from core.text import fold, nfc


class ParseError(ValueError):
    """A cell that cannot be read; the message is shown to the user with the row and column."""


EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 01/01/1900 (Excel's 1900 leap-year bug included)
_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_CURRENCY = re.compile(r"(đồng|dong|vnđ|vnd|đ|d)\.?$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value) -> str:
    """A raw cell as the user typed it, for messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def parse_text(value) -> str:
    if is_empty(value):
        return ""
    return nfc(display(value))


def parse_code(value) -> str:
    """A code as typed: 10001, "10001", " c-01 " → "10001", "C-01" (codes are stored in upper case)."""
    return parse_text(value).upper()


def parse_codes(value) -> list[str]:
    """Several codes in one cell, separated by commas, semicolons or new lines."""
    text = parse_text(value)
    return [code.strip().upper() for code in re.split(r"[,;\n]+", text) if code.strip()]


def parse_date(value) -> datetime.date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy), yyyy-mm-dd, real date cells and Excel serial numbers."""
    if is_empty(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ParseError(f"«{value}» không phải là ngày.")
    if isinstance(value, int | float):
        serial = int(value)  # a fraction is the time of day
        if not 1 <= serial <= 2958465:
            raise ParseError(f"«{display(value)}» không phải là ngày (hãy ghi theo dạng ngày/tháng/năm).")
        return EXCEL_EPOCH + datetime.timedelta(days=serial)
    text = str(value).strip()
    match = _DATE.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            raise ParseError(f"Ngày «{text}»: hãy ghi năm đủ 4 chữ số (ví dụ 05/01/2024).")
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise ParseError(f"«{text}» không phải là ngày: hãy ghi theo dạng ngày/tháng/năm, ví dụ 05/01/2024.")
        year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ParseError(f"Ngày {day:02d}/{month:02d}/{year} không tồn tại.") from None


def _grouped(text: str, separator: str, *, at_least_one: bool) -> bool:
    """Digits in groups of three: 1.234.567 (separator ".")."""
    pattern = r"\d{1,3}(" + re.escape(separator) + r"\d{3})" + ("+" if at_least_one else "*")
    return re.fullmatch(pattern, text) is not None


def _number(value) -> Decimal:
    """A number written the Vietnamese or the English way: 1.234.567 / 1,234,567 / 1 234 567 đ / 1234567,5."""
    if isinstance(value, bool):
        raise ParseError(f"«{value}» không phải là số.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    negative = text.startswith("(") and text.endswith(")")  # accounting style
    text = _CURRENCY.sub("", text.strip("()").strip()).strip()
    text = _SPACES.sub("", text)
    if text.startswith(("-", "−")):
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if not text or not re.fullmatch(r"[\d.,]+", text):
        raise ParseError(f"«{display(value)}» không phải là số.")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        # The separator written last is the decimal one: 1.234.567,5 or 1,234,567.5.
        thousands, decimal = (".", ",") if text.rfind(",") > text.rfind(".") else (",", ".")
        whole, _, fraction = text.rpartition(decimal)
        if not _grouped(whole, thousands, at_least_one=False):
            raise ParseError(f"«{display(value)}» không phải là số.")
        text = whole.replace(thousands, "") + "." + fraction
    elif dots or commas:
        separator = "." if dots else ","
        if _grouped(text, separator, at_least_one=True) and not (text.count(separator) == 1 and text.startswith("0")):
            text = text.replace(separator, "")  # thousands: 1.234 / 1,234,567
        elif text.count(separator) == 1:
            text = text.replace(separator, ".")  # a decimal: 1,5 / 0.75
        else:
            raise ParseError(f"«{display(value)}» không phải là số.")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ParseError(f"«{display(value)}» không phải là số.") from None
    return -number if negative else number


def parse_integer(value) -> int | None:
    """A whole number (a count, or an amount in whole đồng): 1.234.567, 1,234,567, 1 234 567 đ, 1234567."""
    if is_empty(value):
        return None
    number = _number(value)
    if number != number.to_integral_value():
        raise ParseError(f"«{display(value)}» phải là số nguyên (không có phần lẻ).")
    return int(number)


parse_amount = parse_integer  # whole đồng


def parse_year(value) -> int | None:
    number = parse_integer(value)
    if number is None:
        return None
    if not 1900 <= number <= 2100:
        raise ParseError(f"«{display(value)}» không phải là một năm (hãy ghi đủ 4 chữ số, ví dụ 2024).")
    return number


def parse_bool(value) -> bool | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    key = fold(display(value))
    if key in {"co", "x", "1", "dung", "phai", "yes", "true", "v", "✓"}:
        return True
    if key in {"khong", "0", "sai", "no", "false", "-"}:
        return False
    raise ParseError(f"«{display(value)}»: hãy ghi «Có» hoặc «Không».")


def choice_parser(choices: Iterable[tuple[str, str]], aliases: dict[str, Iterable[str]] | None = None) -> Callable:
    """A parser for a choice field that accepts the stored value, its Vietnamese label or a common synonym,
    whatever the case and accents: "Chi hội", "chi hoi", "chapter" → "chapter"."""
    lookup: dict[str, str] = {}
    labels = []
    for value, label in choices:
        lookup[fold(value)] = value
        lookup[fold(label)] = value
        labels.append(str(label))
    for value, words in (aliases or {}).items():
        for word in words:
            lookup[fold(word)] = value

    def parse(raw):
        if is_empty(raw):
            return ""
        key = fold(display(raw))
        if key in lookup:
            return lookup[key]
        raise ParseError(f"«{display(raw)}» không phải là giá trị hợp lệ; hãy chọn một trong: {', '.join(labels)}.")

    parse.labels = labels
    return parse
