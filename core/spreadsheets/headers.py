"""Finding the header row of a real sheet and matching its headers to a kind's columns (design.md §5).

Real sheets start with a title ("DANH SÁCH CHI HỘI ..."), may number their columns on the row under the
header ("(1) (2) (3)"), add a "STT" column and end with a "Tổng cộng" row. Headers are matched by name whatever
the case, accents, spacing and punctuation: "Họ và tên", "HỌ VÀ TÊN", "Họ tên (*)" all match a column whose
header or alias is "Họ và tên". The user maps the rest in the preview (ImportJob.mapping).
"""

import re
from dataclasses import dataclass, field

from core.text import fold

from .encodings import fix_legacy, plausible_vietnamese, tcvn3_to_unicode, vni_to_unicode
from .reading import FileRejected, Sheet

HEADER_SEARCH_ROWS = 30  # the header must be among the first non-empty rows of a sheet
IGNORED_HEADERS = {"stt", "tt", "so tt", "so thu tu", "thu tu", "no", "#"}
TOTAL_LABELS = {"tong cong", "cong", "tong", "tong so", "cong tong", "total"}
_NUMBERING_CELL = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?$", re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^\w]+")


def header_variants(text) -> list[str]:
    """The header as written and, when it reads as Vietnamese that way, as TCVN3 or VNI text: a header is looked
    up among known names, so trying every reading is safe even where a data cell would stay as it is."""
    if text is None:
        return []
    text = str(text)
    variants = [fix_legacy(text)[0]]
    if not text.isascii():
        for converted in (tcvn3_to_unicode(text), vni_to_unicode(text)):
            if converted not in variants and plausible_vietnamese(converted):
                variants.append(converted)
    return variants


def header_keys(text, *, legacy: bool = True) -> set[str]:
    """Keys a header is known by: "Họ và tên (*)" → {"ho va ten"}; "Dân số (người)" → {"dan so", "dan so nguoi"}.

    `legacy=False` for the names the application itself declares (they are Unicode)."""
    keys = set()
    for variant in header_variants(text) if legacy else [str(text)]:
        folded = fold(variant)
        for form in (folded, _PARENTHESES.sub(" ", folded)):
            key = " ".join(_NOT_WORD.sub(" ", form).replace("_", " ").split())
            if key:
                keys.add(key)
    return keys


@dataclass
class HeaderMatch:
    """Where the data of a sheet starts and which column holds which field."""

    sheet: Sheet
    row_number: int  # the header's row number in the sheet (1-based, as Excel shows it)
    headers: list[str]  # header text of every column, "" for a blank header
    fields: dict[int, str]  # column index → field, after the user's mapping
    auto_fields: dict[int, str]  # column index → field, as recognised by name
    unknown: list[int] = field(default_factory=list)  # columns with a header that nothing reads
    data_rows: list[tuple[int, list]] = field(default_factory=list)  # (row number, cells) below the header

    def header_of(self, field_name: str) -> str | None:
        for index, name in self.fields.items():
            if name == field_name:
                return self.headers[index] or _column_letter(index)
        return None

    def column_of(self, field_name: str) -> int | None:
        for index, name in self.fields.items():
            if name == field_name:
                return index
        return None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"Cột {letters}"


def _match_row(cells: list, lookup: dict[str, str]) -> dict[int, str]:
    found: dict[int, str] = {}
    taken: set[str] = set()
    for index, cell in enumerate(cells):
        for key in sorted(header_keys(cell), key=len, reverse=True):
            name = lookup.get(key)
            if name and name not in taken:
                found[index] = name
                taken.add(name)
                break
    return found


def _shown_header(cell, lookup: dict[str, str]) -> str:
    """The header as the user reads it: the reading (Unicode, TCVN3, VNI) that matched a known column."""
    variants = header_variants(cell)
    for variant in variants:
        if header_keys(variant, legacy=False) & set(lookup):
            return variant.strip()
    return variants[0].strip() if variants else ""


def _is_numbering_row(cells: list) -> bool:
    values = [str(cell).strip() for cell in cells if cell not in (None, "")]
    return len(values) >= 2 and all(_NUMBERING_CELL.match(v) for v in values)


def is_total_row(cells: list) -> bool:
    for cell in cells:
        if cell not in (None, ""):
            return isinstance(cell, str) and " ".join(_NOT_WORD.sub(" ", fold(cell)).split()) in TOTAL_LABELS
    return False


def find_header(sheets: list[Sheet], kind, mapping: dict | None = None) -> HeaderMatch:
    """The best header row over all sheets for `kind`: the most known columns, all required ones first.

    `mapping` ({"<column index>": "<field>" or ""}) is the user's choice from the preview; it overrides the
    columns recognised by name. Raises FileRejected when no row looks like a header.
    """
    lookup = kind.header_lookup()
    required = {column.field for column in kind.columns if column.required}
    best = None
    for sheet_index, sheet in enumerate(sheets):
        for position, (row_number, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            found = _match_row(cells, lookup)
            score = (required <= set(found.values()), len(found), -sheet_index, -position)
            if len(found) >= min(2, len(kind.columns)) and (best is None or score > best[0]):
                best = (score, sheet, position, row_number, cells, found)
    if best is None:
        examples = ", ".join(f"«{column.header}»" for column in kind.columns[:3])
        raise FileRejected(
            f"Không tìm thấy dòng tiêu đề: trong {HEADER_SEARCH_ROWS} dòng đầu của tệp không có dòng nào ghi tên cột "
            f"quen thuộc (ví dụ {examples}). Hãy tải tệp mẫu «{kind.label}» và ghi dữ liệu theo các cột của mẫu."
        )
    _score, sheet, position, row_number, cells, found = best
    headers = [_shown_header(cell, lookup) if cell not in (None, "") else "" for cell in cells]
    fields = dict(found)
    known = {column.field for column in kind.columns}
    for key, name in (mapping or {}).items():
        index = int(key)
        fields.pop(index, None)
        if name in known:
            for other, other_name in list(fields.items()):
                if other_name == name:
                    fields.pop(other)
            fields[index] = name
    unknown = [
        index
        for index, text in enumerate(headers)
        if text
        and index not in fields
        and str(index) not in (mapping or {})
        and not (header_keys(text) & IGNORED_HEADERS)
    ]
    data = sheet.rows[position + 1 :]
    if data and _is_numbering_row(data[0][1]):
        data = data[1:]
    data = [(number, row) for number, row in data if not is_total_row(row)]
    width = len(headers)
    data = [(number, (row + [None] * (width - len(row)))[:width] if len(row) != width else row) for number, row in data]
    return HeaderMatch(
        sheet=sheet,
        row_number=row_number,
        headers=headers,
        fields=dict(sorted(fields.items())),
        auto_fields=found,
        unknown=unknown,
        data_rows=data,
    )
