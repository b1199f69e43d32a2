"""A recipient list pasted from Excel: tab-separated lines → unsaved recipients, with every problem numbered.

Columns, in order: name · kind · school/class · achievement · amount. A leading "STT" column (a number) and a
header line are recognised and skipped; a blank kind takes the default chosen on the form.
"""

from dataclasses import dataclass, field

from awards.models import Decision, Recipient
from awards.services import NumberedRecipient, recipients_validate
from chapters.models import Unit
from core.spreadsheets.parsing import ParseError, choice_parser, parse_amount
from core.text import fold, nfc

MAX_LINES = 2000
COLUMNS = ["Họ và tên", "Đối tượng", "Trường, lớp", "Thành tích", "Số tiền"]
HEADER_WORDS = {"stt", "tt", "so tt", "ho va ten", "ho ten", "ten", "ho va ten hoc sinh", "ten tap the"}

parse_kind = choice_parser(
    Recipient.Kind.choices,
    aliases={
        Recipient.Kind.COLLECTIVE: ["tập thể", "tt", "đơn vị", "gia đình", "dòng họ", "trường"],
        Recipient.Kind.TEACHER: ["giáo viên", "gv", "thầy giáo", "cô giáo", "nhà giáo", "cán bộ quản lý"],
        Recipient.Kind.STUDENT: ["học sinh", "hs", "sinh viên", "sv", "học sinh sinh viên"],
        Recipient.Kind.INDIVIDUAL: ["cá nhân", "cn", "hội viên", "khác"],
    },
)


@dataclass
class PastedRow:
    line: int
    cells: list[str]
    recipient: Recipient | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class PastedList:
    rows: list[PastedRow]
    problems: list[tuple[int, str]]  # (line number, message), in order

    @property
    def recipients(self) -> list[NumberedRecipient]:
        return [NumberedRecipient(row.line, row.recipient) for row in self.rows if row.recipient is not None]

    @property
    def total(self) -> int:
        return sum(row.recipient.amount or 0 for row in self.rows if row.recipient is not None)

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.problems


def _cells(line: str) -> list[str]:
    cells = [nfc(cell.strip().strip('"')) for cell in line.split("\t")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and fold(cells[0]).strip(" .:") in HEADER_WORDS


def paste_parse(text: str, *, decision: Decision, unit: Unit, default_kind: str) -> PastedList:
    """Parse and validate a pasted list against `decision`; nothing is saved."""
    rows: list[PastedRow] = []
    problems: list[tuple[int, str]] = []
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_LINES:
        return PastedList(
            [], [(0, f"Danh sách có {len(lines)} dòng; hãy dán tối đa {MAX_LINES} dòng mỗi lần hoặc dùng nhập Excel.")]
        )
    seen_content = False
    for number, line in enumerate(lines, start=1):
        cells = _cells(line)
        if not any(cells):
            continue
        if not seen_content and _is_header(cells):
            seen_content = True
            continue
        seen_content = True
        if len(cells) > len(COLUMNS) and cells[0].rstrip(".").isdigit():
            cells = cells[1:]  # the STT column
        row = PastedRow(number, cells)
        rows.append(row)
        if len(cells) > len(COLUMNS):
            row.errors.append(f"có {len(cells)} cột; danh sách chỉ có {len(COLUMNS)} cột: {', '.join(COLUMNS)}.")
            continue
        name, kind, school, achievement, amount = (cells + [""] * len(COLUMNS))[: len(COLUMNS)]
        try:
            kind = parse_kind(kind) or default_kind
        except ParseError as error:
            row.errors.append(f"cột Đối tượng: {error}")
            kind = default_kind
        try:
            value = parse_amount(amount)
        except ParseError as error:
            row.errors.append(f"cột Số tiền: {error}")
            value = None
        row.recipient = Recipient(
            decision=decision,
            kind=kind,
            name=name,
            school=school[:255],
            achievement=achievement[:500],
            unit=unit,
            amount=value,
        )
    checked = [
        NumberedRecipient(row.line, row.recipient) for row in rows if row.recipient is not None and not row.errors
    ]
    by_line = {row.line: row for row in rows}
    for line, label, message in recipients_validate(decision, checked):
        by_line[line].errors.append(f"{label[:1].upper()}{label[1:]}: {message}" if label else message)
    for row in rows:
        if row.errors:
            problems.extend((row.line, message) for message in row.errors)
    if not rows and not problems:
        problems.append((0, "Danh sách trống: hãy dán ít nhất một dòng."))
    return PastedList(rows, problems)
