"""The officer's dashboard and the completeness view (issue 9): summaries only, the same figures a report
computes for the same unit, year and tree."""

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.urls import reverse
from django.utils.safestring import mark_safe

from chapters import figures as catalogue
from chapters.models import Unit
from core import formatting
from core.templatetags.vi import phantram, so
from reports.badges import status_badge
from reports.documents import title_types
from reports.models import Report
from reports.queries import PeriodFigures, period_figures, trends


@dataclass
class Headline:
    key: str
    label: str
    value: int | None
    previous: int | None
    unit: str = ""
    ratio: Decimal | None = None  # a share shown beside the value
    target: Decimal | None = None


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def headlines(f: PeriodFigures, titles: list[dict]) -> list[Headline]:
    def card(key: str, ratio: Decimal | None = None) -> Headline:
        # The words and the unit come from the figures catalogue (chapters/figures.py), like the report's.
        found = catalogue.figure(key)
        return Headline(key, found.card_label, f.get(key), f.prev(key), found.unit, ratio)

    rows = [
        card("members.end", _share(f.get("members.end"), f.get("baseline.population"))),
        card("members.joined"),
        card("funds.raised"),
        card("funds.spent"),
        card("funds.balance"),
    ]
    for title in titles:
        code = title["code"]
        recognised = f.get(f"titles.{code}.holding") or f.get(f"titles.{code}.recognised")
        previous = f.prev(f"titles.{code}.holding") or f.prev(f"titles.{code}.recognised")
        if not (recognised or f.get(f"titles.{code}.registered")):
            continue
        total = f.get(title["denominator"]) if title.get("denominator") else 0
        rows.append(
            Headline(
                f"titles.{code}",
                title["name"],
                recognised,
                previous,
                title.get("unit_word", ""),
                _share(recognised, total),
                Decimal(str(title["target"])) / 100 if title.get("target") else None,
            )
        )
    rows.append(card("classes.count"))
    return rows


CHILD_COLUMNS = [
    ("members.end", "Hội viên"),
    ("share", "% dân số"),
    ("members.joined", "Kết nạp mới"),
    ("funds.raised", "Quỹ huy động"),
    ("funds.spent", "Đã chi"),
    ("funds.balance", "Số dư"),
    ("families", "Gia đình học tập"),
    ("classes.count", "Lớp TTHTCĐ"),
]


# What makes a unit "behind", by column: the word beside the cell, and the count above the table.
BEHIND = {
    "share": "thấp",  # members' share of the population: the lowest fifth of the units below
    "funds.raised": "thấp",  # fund raised per member: the lowest fifth
    "families": "dưới chỉ tiêu",  # learning families recognised: below the target of the year
}
BEHIND_COUNTED = {
    "no_data": "chưa có số liệu",  # nothing entered for the year: neither population nor members nor money
    "share": "tỷ lệ hội viên trên dân số thấp",
    "funds.raised": "quỹ huy động bình quân mỗi hội viên thấp",
    "families": "gia đình học tập dưới chỉ tiêu",
}


# A unit with none of these for the year has entered nothing: it is behind, whatever its ratios cannot say.
NO_DATA_FIGURES = ("baseline.population", "members.end", "funds.raised", "funds.spent", "funds.balance")


def _lowest_fifth(values: list[Decimal]) -> Decimal | None:
    """The value at or below which a unit is in the lowest fifth (None: too few units to compare, or all equal,
    e.g. no unit has raised anything yet)."""
    ordered = sorted(values)
    if len(ordered) < 3 or ordered[0] == ordered[-1]:
        return None
    return ordered[max(0, len(ordered) // 5 - 1)]


def child_rows(f: PeriodFigures, titles: list[dict], sort: str = "", *, cells: bool = True) -> list[dict]:
    """The table's rows of the units below (`cells`: with their formatted cells; a map needs only the measures)."""
    family = next((t for t in titles if t.get("subject") == "household"), None)
    target = Decimal(str(family["target"])) / 100 if family and family.get("target") else None
    rows = []
    for child in f.children:
        figures = child["figures"]
        population = figures.get("baseline.population", 0)
        members = figures.get("members.end", 0)
        row = {
            "unit": child["unit"],
            "no_data": not any(figures.get(key) for key in NO_DATA_FIGURES),
            "values": {key: figures.get(key, 0) for key, _label in CHILD_COLUMNS},
            "share": _share(members, population),
            "per_member": _share(figures.get("funds.raised", 0), members),
            "families": None,
        }
        if family:
            holding = figures.get(f"titles.{family['code']}.holding") or figures.get(
                f"titles.{family['code']}.recognised", 0
            )
            row["values"]["families"] = holding
            row["families"] = _share(holding, figures.get(family["denominator"], 0))
        rows.append(row)
    # Behind: the lowest fifth by members' share of the population and by fund raised per member (units with no
    # population or no members cannot be compared), and learning families below the year's target.
    share_cutoff = _lowest_fifth([r["share"] for r in rows if r["share"] is not None])
    fund_cutoff = _lowest_fifth([r["per_member"] for r in rows if r["per_member"] is not None])
    for row in rows:
        row["behind"] = {
            "no_data": row["no_data"],
            "share": share_cutoff is not None and row["share"] is not None and row["share"] <= share_cutoff,
            "funds.raised": fund_cutoff is not None
            and row["per_member"] is not None
            and row["per_member"] <= fund_cutoff,
            "families": target is not None and row["families"] is not None and row["families"] < target,
        }
        row["weak"] = row["no_data"] or row["behind"]["share"] or row["behind"]["funds.raised"]
    key = sort.lstrip("-")
    if key in dict(CHILD_COLUMNS) or key == "name":

        def sort_value(row):
            if key == "name":
                return row["unit"].sort_key
            if key in ("share", "families"):
                return row[key] if row[key] is not None else Decimal(-1)
            return row["values"].get(key, 0)

        rows.sort(key=sort_value, reverse=sort.startswith("-"))
    for row in rows if cells else ():
        # Formatted and escaped here, in one pass, with the standard library's escape (the same entities as
        # Django's, without its lazy-string checks): a province's table is 166 rows × 8 cells, and a template loop
        # over them, then format_html per cell, were the slowest part of the page.
        row["cells_html"] = mark_safe(  # every value below is escaped
            "".join(
                f'<td class="num" data-label="{escape(label)}">{escape(text)}'
                + (f' <span class="badge bad">{escape(flag)}</span>' if flag else "")
                + "</td>"
                for label, text, flag in _cells(row)
            )
        )
    return rows


def map_rows(unit: Unit, year: int, *, tree: str = "past") -> list[dict]:
    """The units below `unit` with the measures a map colours them by (the dashboard's rows without the table's
    cells, the cards and the trends): a commune's page maps the communes around it this way."""
    f = period_figures(unit, year=year, period="Y", tree=tree)
    return child_rows(f, title_types(unit, year), cells=False)


def name_cells(rows: list[dict], *, url_prefix: str, year: int, tree: str) -> None:
    """Each row's first cell (the unit, linked to its dashboard, and to its progress page above a chapter), built
    like the figures' cells: one string per row instead of a dozen template lookups."""
    query = escape(f"?year={year}&tree={tree}")
    for row in rows:
        unit = row["unit"]
        link = f"{escape(url_prefix)}{unit.pk}/"
        progress = (
            f' · <a href="{link}tien-do/{escape(f"?year={year}")}">tiến độ</a>'
            if unit.level != Unit.Level.GRASSROOTS
            else ""
        )
        row["name_html"] = mark_safe(  # every value below is escaped
            f'<td data-label="Đơn vị"><a href="{link}{query}">{escape(unit.display_name)}</a>{progress}</td>'
        )


def own_row(f: PeriodFigures, titles: list[dict]) -> dict:
    """The unit's own figures as a row of the table (the total less the children's rows): the rows add up."""
    family = next((t for t in titles if t.get("subject") == "household"), None)
    keys = [key for key, _label in CHILD_COLUMNS if key not in ("share", "families")]
    values = dict(zip(keys, f.own_row(keys), strict=True))
    total = {key: f.get(key) for key in keys}
    if family:
        values["families"] = f.own_row([f"titles.{family['code']}.holding"])[0]
        total["families"] = f.get(f"titles.{family['code']}.holding")
    share = _share(f.get("members.end"), f.get("baseline.population"))
    return {
        "unit": f.unit,
        "name": f"{f.unit.display_name} (số liệu riêng)",
        "values": values,
        "cells": [(label, "" if key == "share" else so(values.get(key))) for key, label in CHILD_COLUMNS],
        "total_cells": [
            (label, phantram(share) if key == "share" else so(total.get(key))) for key, label in CHILD_COLUMNS
        ],
    }


def behind_counts(rows: list[dict]) -> list[tuple[str, int]]:
    """[(what, how many units)] for each way a unit can be behind, where any unit is."""
    counts = [(words, sum(1 for row in rows if row["behind"][key])) for key, words in BEHIND_COUNTED.items()]
    return [(words, count) for words, count in counts if count]


def _cells(row: dict) -> list[tuple[str, str, str]]:
    """The table's cells (label, text, what it is behind on), formatted once here (a province's table has 166
    rows × 8 cells)."""
    values = row["values"]
    families = so(values.get("families"))
    if row["families"] is not None:
        families = f"{families} ({phantram(row['families'])})"
    cells = []
    for key, label in CHILD_COLUMNS:
        text = families if key == "families" else phantram(row["share"]) if key == "share" else so(values.get(key))
        cells.append((label, text, BEHIND[key] if row["behind"].get(key) else ""))
    return cells


def dashboard(unit: Unit, year: int, *, tree: str = "past", sort: str = "", behind_only: bool = False) -> dict:
    f = period_figures(unit, year=year, period="Y", tree=tree)
    titles = title_types(unit, year)
    five_years = trends(f, ["members.end", "funds.raised"])
    every = child_rows(f, titles, sort)
    return {
        "own_row": own_row(f, titles),
        "figures": f,
        "headlines": headlines(f, titles),
        "children": [row for row in every if any(row["behind"].values())] if behind_only else every,
        "behind": behind_counts(every),
        "children_total": len(every),
        "rows": every,
        "columns": CHILD_COLUMNS,
        "trends": [
            ("Hội viên", five_years["members.end"], "người"),
            ("Quỹ huy động (đồng)", five_years["funds.raised"], "đồng"),
        ],
    }


def completeness(unit: Unit, year: int) -> list[dict]:
    """For each unit directly below: which of baseline figures, members, fund book and title results it has
    entered for `year` (from summaries), and whether its report was sent."""
    from reports.deadlines import SENT, Calendar, is_late

    f = period_figures(unit, year=year, period="Y")
    reports = {
        r.unit_id: r
        for r in Report.objects.filter(unit__in=[c["unit"] for c in f.children], year=year, period=Report.Period.YEAR)
    }
    calendar = Calendar()
    rows = []
    for child in f.children:
        figures = child["figures"]
        report = reports.get(child["unit"].pk)
        checks = {
            # Which figures belong to which area is the catalogue's to say (chapters/figures.py).
            "baseline": catalogue.entered(figures, "baseline", nonzero=False),
            "members": bool(figures.get("members.end")),
            "funds": catalogue.entered(figures, "funds"),
            "titles": catalogue.entered(figures, "titles"),
            "report": bool(report and report.status in SENT),
        }
        # Only associations send reports; a chapter's column says nothing is owed.
        owes = child["unit"].kind == Unit.Kind.ASSOCIATION
        if not owes:
            checks.pop("report")
        deadline = calendar.for_unit(child["unit"], year, Report.Period.YEAR)
        rows.append(
            {
                "unit": child["unit"],
                "checks": checks,
                "missing": [k for k, ok in checks.items() if not ok],
                "owes_report": owes,
                "report": report,
                "deadline": deadline,
                "late": owes and is_late(report, deadline),
            }
        )
    return rows


COMPLETENESS_COLUMNS = [
    ("baseline", "Số liệu nền"),
    ("members", "Hội viên"),
    ("funds", "Sổ quỹ"),
    ("titles", "Danh hiệu"),
]
ENTERED = {True: '<span class="badge ok">Đã có</span>', False: '<span class="badge bad">Chưa có</span>'}


def completeness_rows_html(rows: list[dict], *, year: int) -> str:
    """The progress page's rows (`completeness`), built in one pass like the dashboard's: a province's page has 166
    rows, and the template loop, with an address reversed and a badge included per row, was most of its time."""
    before, after = reverse("reports:unit_completeness", args=[0]).split("/0/", 1)
    html = []
    for row in rows:
        unit, report = row["unit"], row["report"]
        weak = ' class="weak"' if row["missing"] else ""
        link = f"{escape(before)}/{unit.pk:d}/{escape(after)}?year={year:d}"
        checks = "".join(
            f'<td data-label="{label}">{ENTERED[bool(row["checks"].get(key))]}</td>'
            for key, label in COMPLETENESS_COLUMNS
        )
        if row["owes_report"]:
            label = report.get_status_display() if report else ""
            badge = status_badge(report.status if report else None, label, row["late"])
            sent = f"{badge} <small>hạn {escape(formatting.date(row['deadline']))}</small>"
        else:
            sent = '<span class="muted">—</span>'
        html.append(
            f'<tr{weak}><td data-label="Đơn vị"><a href="{link}">{escape(unit.display_name)}</a></td>{checks}'
            f'<td data-label="Báo cáo">{sent}</td></tr>'
        )
    return mark_safe("".join(html))  # every value above is escaped
