"""Parsers and lookups shared by the members app's import kinds (members, households, clans, dues)."""

import datetime
from collections import defaultdict

from chapters.models import Unit
from core.spreadsheets.parsing import ParseError, choice_parser, display, is_empty, parse_date, parse_integer
from core.text import fold

from ..models import Member
from ..models.members import name_keys

KEEP = object()  # a masked citizen ID from an export: keep what is stored

parse_gender = choice_parser(
    Member.Gender.choices,
    {
        Member.Gender.MALE: ["M", "male", "trai", "ông", "nam giới"],
        Member.Gender.FEMALE: ["F", "female", "gái", "bà", "nữ giới"],
    },
)
parse_left_reason = choice_parser(
    [("", "Đang sinh hoạt"), *Member.LeftReason.choices],
    {
        "": ["Còn sinh hoạt", "Đang hoạt động", "Bình thường"],
        Member.LeftReason.MOVED_AWAY: ["Chuyển đi", "Chuyển đi nơi khác", "Chuyển nơi khác", "Chuyển cư"],
        Member.LeftReason.LEFT: ["Thôi sinh hoạt", "Xin ra hội", "Ra hội", "Thôi", "Nghỉ sinh hoạt"],
        Member.LeftReason.DECEASED: ["Chết", "Mất", "Qua đời", "Đã mất", "Đã từ trần"],
    },
)


def parse_birth(value) -> tuple[datetime.date | None, int] | None:
    """A birth year (1958) or a birth date (12/03/1958, a date cell): (date or None, year)."""
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return None, int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        return None, int(value.strip())
    try:
        day = parse_date(value)
    except ParseError:
        raise ParseError(f"«{display(value)}»: hãy ghi năm sinh (ví dụ 1958) hoặc ngày sinh (12/03/1958).") from None
    return day, day.year


def parse_day_or_year(value) -> datetime.date | None:
    """A date, or a year alone (2015 → 01/01/2015), as old lists give the joining date."""
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 1900 <= value <= 2100:
        return datetime.date(int(value), 1, 1)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        return datetime.date(int(value.strip()), 1, 1)
    return parse_date(value)


def parse_citizen_id(value):
    """Twelve digits; a masked value ("•••••••••345", as exports write it) keeps the stored number."""
    if is_empty(value):
        return ""
    text = display(value).replace(" ", "").replace(".", "")
    if "•" in text or "*" in text:
        return KEEP
    if isinstance(value, float | int) and len(text) == 11:
        text = "0" + text  # a number cell lost the leading zero of the province code
    return text


def parse_people(value) -> int | None:
    return parse_integer(value)


def name_key(name: str) -> str:
    """The accent-free key a member's name is stored under: `name_keys`, kept per name (a file repeats its names,
    and an import asks for each row's key three times: to match it, to find namesakes, to write it)."""
    return name_keys(name or "")[0]


def clan_key(name: str) -> str:
    """ "Dòng họ Nguyễn Đình", "Họ Nguyễn Đình" and "nguyen dinh" name the same clan."""
    key = fold(name)
    for prefix in ("dong ho ", "ho "):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return key


def province_paths(units) -> dict[int, str]:
    """{unit id: path of its province} in one query (card numbers are unique per province)."""
    units = [unit for unit in units if unit is not None and unit.pk]
    ancestor_ids = {pk for unit in units for pk in unit.ancestor_ids}
    provinces = dict(Unit.objects.filter(pk__in=ancestor_ids, level=Unit.Level.PROVINCE).values_list("pk", "path"))
    result = {}
    for unit in units:
        found = [provinces[pk] for pk in unit.ancestor_ids if pk in provinces]
        result[unit.pk] = found[-1] if found else unit.path
    return result


def commune_paths(units) -> dict[int, str]:
    """{unit id: path of the nearest association at or above it} in one query (where duplicates are looked for)."""
    units = [unit for unit in units if unit is not None and unit.pk]
    ancestor_ids = {pk for unit in units for pk in unit.ancestor_ids}
    associations = dict(Unit.objects.filter(pk__in=ancestor_ids, kind=Unit.Kind.ASSOCIATION).values_list("pk", "path"))
    result = {}
    for unit in units:
        found = [associations[pk] for pk in unit.ancestor_ids if pk in associations]
        result[unit.pk] = found[-1] if found else unit.path
    return result


def chunks(items, size: int = 500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def group_by(items, key):
    grouped = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return grouped
