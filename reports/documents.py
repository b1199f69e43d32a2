"""Building a report's content once (figures, sentences, header, signature), then writing it as PDF
(WeasyPrint, templates/pdf/), .docx (python-docx) and the statistical return as .xlsx (openpyxl)."""

import datetime
import io
import math
from dataclasses import dataclass

from django.db import router
from django.template.loader import render_to_string
from django.utils import timezone

from chapters import figures as catalogue
from chapters.models import LeadershipPosition, Unit
from core import versions
from core.cache import KeptEntries
from core.formatting import long_date, money, number
from core.pdf import html_to_pdf
from reports import charts, sections
from reports.models import Report
from reports.queries import PeriodFigures, period_end, period_figures, trends

# The figures of the statistical return (biểu thống kê), in column order; headers, units and the periods each
# makes sense for come from the figures catalogue (chapters/figures.py).
RETURN_FIGURES = [
    "units.chapter",
    "units.board",
    "baseline.population",
    "members.end",
    "members.joined",
    "funds.opening",
    "funds.raised",
    "funds.spent",
    "funds.balance",
    "awards.individuals",
    "awards.amount.decided",
    "classes.count",
]


def return_columns(period: str = "Y") -> list[tuple[str, str, bool]]:
    """[(figure, header, in đồng?)] of the return for a period ("Y", "H1", "term")."""
    columns = []
    for key in RETURN_FIGURES:
        declared = catalogue.figure(key)
        if declared.makes_sense_for(period):
            columns.append((key, declared.header, declared.unit == "đồng"))
    return columns


RETURN_COLUMNS = return_columns()


@dataclass
class Signatory:
    prefix: str  # "TM. BAN CHẤP HÀNH" or "KT. CHỦ TỊCH"
    position: str  # "CHỦ TỊCH" / "PHÓ CHỦ TỊCH"
    name: str


def signatory(unit: Unit, on: datetime.date) -> Signatory | None:
    """The chair valid on `on`, else a vice-chair signing on the chair's behalf."""
    leaders = (
        LeadershipPosition.objects.filter(unit=unit, since__lte=on)
        .exclude(until__lt=on)
        .filter(position__in=[LeadershipPosition.Position.CHAIR, LeadershipPosition.Position.VICE_CHAIR])
        .order_by("rank", "since")
    )
    leader = leaders.first()
    if leader is None:
        return None
    if leader.position == LeadershipPosition.Position.CHAIR:
        return Signatory("TM. BAN CHẤP HÀNH", "CHỦ TỊCH", leader.full_name)
    return Signatory("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", leader.full_name)


UNIT_WORDS = {"household": "hộ", "clan": "dòng họ", "unit": "đơn vị", "person": "người"}


# The title types with their targets, by unit and year, kept by each process between requests under the catalogue's
# version (core.DataVersion "titles": any change to a title type, a target, or a unit's name): one small query on
# every dashboard instead of two.
_kept_titles = KeptEntries(5_000)


def title_types(unit: Unit | None = None, year: int | None = None) -> list[dict]:
    """Active title types in display order, with the target in force in `year` and the decision it comes from
    (none when no target was set for that year, nor without a unit and year). Each call gets its own dicts."""
    from learning_models.models import TitleType

    using = router.db_for_read(TitleType)
    (token,) = versions.tokens(["titles"], using=using)  # read before the data it names (core.versions)
    key = f"{token}:{unit.pk}:{unit.path}:{year}" if token and unit is not None else f"{token}::{year}"
    found = _kept_titles.get(key) if token else None
    if found is None:
        found = tuple(_title_types(unit, year, using=using))
        if token:
            _kept_titles.put(key, found, 1)
    return [dict(row) for row in found]


def _title_types(unit: Unit | None, year: int | None, *, using: str) -> list[dict]:
    from learning_models.models import TitleType
    from learning_models.queries import targets_in_force

    types = list(TitleType.objects.using(using).filter(active=True).order_by("order", "name"))
    targets = targets_in_force(unit, types, year) if unit is not None and year is not None else {}
    rows = []
    for t in types:
        target, basis = targets.get(t.pk, (None, ""))
        rows.append(
            {
                "code": t.code,
                "name": t.name,
                "subject": t.subject_kind,
                "unit_word": UNIT_WORDS.get(t.subject_kind, ""),
                "denominator": t.denominator or None,
                "target": target,
                "target_basis": basis,
            }
        )
    return rows


def parent_authority(unit: Unit, on: datetime.date) -> str:
    """The line above the issuing body: the unit's parent as it stood on `on`, by its name on that day (a ward
    reporting on 2023 names the district it belonged to then, not today's parent)."""
    if unit.kind == Unit.Kind.ASSOCIATION and unit.level == Unit.Level.PROVINCE:
        return "HỘI KHUYẾN HỌC VIỆT NAM"
    parent = unit.parent_on(on)
    return parent.as_on(on).display_name.upper() if parent else ""


def default_place(unit: Unit) -> str:
    """The place before the date (Decree 30): the association's area without its kind of division, "Phường Bạch
    Đằng" → "Bạch Đằng", "Thành phố Sơn La" → "Sơn La" (not "phố Sơn La")."""
    if unit.kind != Unit.Kind.ASSOCIATION:
        return ""
    division = (unit.division_type or "").strip().lower()
    if division and unit.name.lower().startswith(f"{division} "):
        rest = unit.name[len(division) + 1 :]
    else:
        rest = unit.name.split(" ", 1)[-1]
    # A numbered division keeps its word: "Quận 3, ngày …", never "3, ngày …".
    return unit.name if rest.replace(" ", "").isdigit() else rest


def subject_line(report: Report) -> str:
    next_label = f"năm {report.year + 1}"
    if report.period == Report.Period.H1:
        return (
            f"Sơ kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập 6 tháng đầu năm {report.year}, "
            f"phương hướng, nhiệm vụ 6 tháng cuối năm {report.year}"
        )
    if report.period == Report.Period.TERM:
        next_label = "nhiệm kỳ tới"
    return (
        f"Tổng kết công tác khuyến học, khuyến tài, xây dựng xã hội học tập {report.period_label} "
        f"và phương hướng, nhiệm vụ {next_label}"
    )


def build_content(report: Report, *, tree: str = "past", figures: PeriodFigures | None = None) -> dict:
    """Everything the PDF and .docx templates print, computed from summaries."""
    unit = report.unit
    end = period_end(report.year, "H1" if report.period == Report.Period.H1 else "Y")
    issued_on = report.issued_on or min(timezone.localdate(), end + datetime.timedelta(days=15))
    figures = figures or period_figures(
        unit, year=report.year, period=report.period, tree=tree, term_start=report.term_start
    )
    unit_name = unit.as_on(end).display_name
    # Half-year reports carry no five-year charts.
    five_years = trends(figures, ["members.end", "funds.raised"]) if report.period != Report.Period.H1 else {}
    parts = sections.section_one(figures, title_types(unit, report.year), report.coordination)
    columns = return_columns(report.period)
    keys = [key for key, *_ in columns]
    rows = [
        {
            "name": child["unit"].display_name,
            "code": child["unit"].code,
            "values": [child["figures"].get(k, 0) for k in keys],
        }
        for child in figures.children
    ]
    if rows:
        # The unit's own figures (its own fund, its own centre's classes, a population entered for the whole area
        # beyond its chapters'): the row that makes the rows add up to the total.
        own = figures.own_row(keys)
        rows.append({"name": f"{unit_name} (số liệu riêng)", "code": unit.code, "own": True, "values": own})
    total = [figures.get(key) for key in keys]
    return {
        "report": report,
        "unit": unit,
        "unit_name": unit_name,
        "issuing_body": unit_name.upper(),
        "parent_authority": parent_authority(unit, end),
        "number_label": report.number_label,
        "place": report.place or default_place(unit),
        "date_line": long_date(issued_on),
        "subject": subject_line(report),
        "parts": parts,
        "has_data": sections.has_any_data(figures),
        "assessment": _paragraphs(report.assessment),
        "tasks": _paragraphs(report.tasks),
        "recommendations": _paragraphs(report.recommendations),
        "signatory": signatory(unit, issued_on),
        "recipients": _paragraphs(report.recipients) or ["- Hội Khuyến học cấp trên (để báo cáo);", "- Lưu: VP."],
        "figures": figures,
        "return_columns": [(header, is_money) for _key, header, is_money in columns],
        "return_rows": rows,
        "return_total": total,
        "return_layout": return_layout([(header, money) for _key, header, money in columns], rows, total),
        "tree_label": "theo tổ chức hiện nay" if tree == "today" else "",
        "charts": [
            charts.bar_chart("Hội viên qua 5 năm", five_years["members.end"], unit="người"),
            charts.bar_chart(
                "Quỹ khuyến học huy động qua 5 năm (đồng)", five_years["funds.raised"], unit="đồng", colour="#1f5f8b"
            ),
        ]
        if report.period != Report.Period.H1
        else [],
        "next_year": report.year + 1,
        "tasks_heading": "III. Phương hướng, nhiệm vụ"
        + (f" năm {report.year + 1}" if report.period == Report.Period.YEAR else ""),
    }


# The statistical return on a landscape A4 page (297 mm less 20 mm margins each side), in the report's 11 pt.
RETURN_WIDTH_MM = 257.0
RETURN_FONT_PT = 11.0
MIN_FONT_PT = 7.0
PT_MM = 25.4 / 72
CELL_PADDING_MM = 8 * PT_MM + 0.3  # 4 pt each side and the border: WeasyPrint adds them to a column's width


def _text_em(text: str, bold: bool = False) -> float:
    """The width of a text in em of Liberation Serif, a little generous: digits and lower case 0.5 em, capitals
    0.72 em, dots and commas 0.25 em (bold: 5 % more)."""
    em = sum(0.25 if ch in ".,:;" else 0.72 if ch.isupper() else 0.5 for ch in text)
    return em * (1.05 if bold else 1.0)


def return_layout(columns: list, rows: list[dict], total: list) -> dict:
    """Explicit column widths (mm of content, as text for CSS) of the statistical return, for a fixed table
    layout: each figure column as wide as its longest figure (bold in the total row) and its header's longest
    word (headers wrap between words); STT fits three digits; the name takes the rest, and should hold the
    longest name on one line (up to 60 mm; a wrapped name doubles its row and a province's return its pages). When
    the figures and names need more than the page, the table's font shrinks (not below 7 pt) rather than run over
    the page; below that, names wrap (never narrower than 40 mm)."""
    needs = []
    for index, (header, _money) in enumerate(columns):
        values = [row["values"][index] for row in rows] + [total[index]]
        figure = max(_text_em(number(value), bold=True) for value in values)
        needs.append(max(figure, *(_text_em(word, bold=True) for word in header.split())))
    name_em = max([_text_em(row["name"]) for row in rows] + [_text_em("Tổng cộng", bold=True)])
    content_width = RETURN_WIDTH_MM - (len(columns) + 2) * CELL_PADDING_MM
    font = RETURN_FONT_PT
    while True:
        serial = _text_em("STT", bold=True) * font * PT_MM
        widths = [em * font * PT_MM for em in needs]
        name_min = min(60.0, max(40.0, name_em * font * PT_MM))
        if serial + name_min + sum(widths) <= content_width or font <= MIN_FONT_PT:
            break
        font = max(MIN_FONT_PT, font - 0.5)
    name = max(40.0, content_width - serial - sum(widths))
    return {
        "widths": [f"{math.floor(width * 10) / 10:.1f}" for width in (serial, name, *widths)],
        "font_pt": f"{font:.1f}" if font < RETURN_FONT_PT else "",
    }


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def render_pdf(content: dict) -> tuple[bytes, int]:
    html = render_to_string("pdf/report.html", content)
    return html_to_pdf(html, stylesheets=("pdf/report.css",))


DOCUMENT_DATA_VERSION = 1


def _plain(value):
    """A figure as JSON keeps it: whole numbers as int (money is in whole đồng), anything else as float."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == int(value) else float(value)


def document_data(content: dict) -> dict:
    """What the .docx and the .xlsx print, as JSON: the render keeps it on its run, so the files can be made on
    their first download with exactly the text and figures of the PDF. Given such data, returns it unchanged."""
    if content.get("version") == DOCUMENT_DATA_VERSION:
        return content
    sig = content["signatory"]
    return {
        "version": DOCUMENT_DATA_VERSION,
        "unit_code": content["unit"].code,
        "unit_name": content["unit_name"],
        "period_label": content["report"].period_label,
        "parent_authority": content["parent_authority"],
        "issuing_body": content["issuing_body"],
        "number_label": content["number_label"],
        "place": content["place"],
        "date_line": content["date_line"],
        "subject": content["subject"],
        "parts": [{"heading": part.heading, "paragraphs": list(part.paragraphs)} for part in content["parts"]],
        "assessment": content["assessment"],
        "tasks_heading": content["tasks_heading"],
        "tasks": content["tasks"],
        "recommendations": content["recommendations"],
        "recipients": content["recipients"],
        "signatory": {"prefix": sig.prefix, "position": sig.position, "name": sig.name} if sig else None,
        "return_columns": [[header, is_money] for header, is_money in content["return_columns"]],
        "return_rows": [
            {"code": row["code"], "name": row["name"], "values": [_plain(v) for v in row["values"]]}
            for row in content["return_rows"]
        ],
        "return_total": [_plain(v) for v in content["return_total"]],
    }


def render_docx(content: dict) -> bytes:
    """The report as a Word file, from the content (build_content) or the data a run kept (document_data)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    content = document_data(content)

    header = doc.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(content["parent_authority"]).font.size = Pt(13)
    left.add_paragraph().add_run(content["issuing_body"]).bold = True
    left.add_paragraph(f"Số: {content['number_label']}")
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    motto = right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc")
    motto.bold, motto.underline = True, True
    place = right.add_paragraph().add_run(
        f"{content['place']}, {content['date_line']}" if content["place"] else content["date_line"]
    )
    place.italic = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("BÁO CÁO").bold = True
    subject = doc.add_paragraph()
    subject.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subject.add_run(content["subject"]).bold = True

    doc.add_paragraph().add_run("I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ").bold = True
    for part in content["parts"]:
        doc.add_paragraph().add_run(part["heading"]).bold = True
        for text in part["paragraphs"]:
            doc.add_paragraph(text)
    for heading, key in (
        ("II. ĐÁNH GIÁ CHUNG", "assessment"),
        (content["tasks_heading"].upper(), "tasks"),
        ("IV. KIẾN NGHỊ, ĐỀ XUẤT", "recommendations"),
    ):
        doc.add_paragraph().add_run(heading).bold = True
        for text in content[key] or ["(Chưa có nội dung.)"]:
            doc.add_paragraph(text)

    footer = doc.add_table(rows=1, cols=2)
    recipients, signature = footer.rows[0].cells
    recipients.paragraphs[0].add_run("Nơi nhận:").bold = True
    for line in content["recipients"]:
        recipients.add_paragraph(line)
    sig = content["signatory"]
    signature.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if sig:
        signature.paragraphs[0].add_run(f"{sig['prefix']}\n{sig['position']}").bold = True
        signature.add_paragraph("\n\n\n")
        signature.add_paragraph().add_run(sig["name"]).bold = True
    for paragraph in signature.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    if content["return_rows"]:
        doc.add_page_break()
        doc.add_paragraph().add_run("BIỂU THỐNG KÊ KÈM THEO BÁO CÁO").bold = True
        table = doc.add_table(rows=1, cols=len(content["return_columns"]) + 1)
        table.style = "Table Grid"
        table.rows[0].cells[0].text = "Đơn vị"
        for index, (header_text, _money) in enumerate(content["return_columns"], start=1):
            table.rows[0].cells[index].text = header_text
        for row in [*content["return_rows"], {"name": "Tổng cộng", "values": content["return_total"]}]:
            cells = table.add_row().cells
            cells[0].text = row["name"]
            for index, value in enumerate(row["values"], start=1):
                cells[index].text = number(value)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_xlsx(content: dict) -> bytes:
    """The statistical return for the level above to merge: one row per unit below, the unit's own row, then the
    total (the rows add up to it). From the content (build_content) or the data a run kept (document_data)."""
    from core.spreadsheets.writing import NUMBER_FORMAT, table_xlsx

    content = document_data(content)
    columns = len(content["return_columns"])
    return table_xlsx(
        sheet_title="Biểu thống kê",
        title=f"BIỂU THỐNG KÊ – {content['unit_name']} – {content['period_label']}",
        header=["Mã đơn vị", "Đơn vị", *[header for header, _money in content["return_columns"]]],
        rows=([row["code"], row["name"], *row["values"]] for row in content["return_rows"]),
        total=[content["unit_code"], "Tổng cộng", *content["return_total"]],
        formats=dict.fromkeys(range(2, 2 + columns), NUMBER_FORMAT),
        frozen_columns=2,
    )


__all__ = ["build_content", "document_data", "render_docx", "render_pdf", "render_xlsx", "money"]
