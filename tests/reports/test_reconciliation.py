"""Issue 13: the reconciliation property. Random small trees (a province, an optional district dissolved by the
reform, communes with chapters; on 1 July 2025 a merge, a split or nothing), random facts over three years written
through the services. For every unit, year and period on both trees: the children's rows plus the unit's own row
make the total (in the report's content, the .xlsx and the .docx; the dashboard for years); the province's totals
are the same on the past and today's tree (its extent never changes); rebuilt summaries equal the incremental ones;
and one drawn report, printed as a PDF, adds up and agrees with `check_figures`.

Each example runs in a transaction rolled back at its end (Hypothesis reuses the test's database). Example counts
are modest (the whole test runs in well under a minute on the 2-core test machine)."""

import datetime
import io
import os
import re
import subprocess

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chapters.models import Summary, Unit
from chapters.services import tree as tree_services
from chapters.summaries import summaries_rebuild
from reports import documents
from reports.checks import figures_check
from reports.dashboard import CHILD_COLUMNS, dashboard
from reports.models import Report
from reports.queries import period_figures
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory

from . import facts

D = datetime.date
REFORM = D(2025, 7, 1)
YEARS = (2023, 2024, 2025)
PERIODS = (Report.Period.YEAR, Report.Period.H1, Report.Period.TERM)


class Rollback(Exception):
    pass


def _day(draw, year: int, before_reform: bool) -> datetime.date:
    last = D(2025, 6, 30) if before_reform and year == 2025 else D(year, 12, 31)
    first = REFORM if not before_reform and year == 2025 else D(year, 1, 1)
    return draw(st.dates(min_value=first, max_value=last))


def _facts(draw, unit, books, *, before_reform: bool, years=YEARS):
    """A few facts of each kind on `unit` in `years` (dated before the reform, or after it)."""
    for n in range(draw(st.integers(0, 2)) if unit.kind != Unit.Kind.ASSOCIATION else 0):
        # Members belong to chapters (never to an association itself).
        year = draw(st.sampled_from(years))
        joined = _day(draw, year, before_reform)
        left = draw(
            st.one_of(
                st.none(), st.dates(min_value=joined, max_value=D(2025, 6, 30) if before_reform else D(2025, 12, 31))
            )
        )
        facts.member(unit, joined, left=left if left and left > joined else None, n=n)
    if unit.pk in books:
        for _ in range(draw(st.integers(0, 2))):
            year = draw(st.sampled_from(years))
            facts.receipt(books[unit.pk], draw(st.integers(1, 50)) * 100_000, _day(draw, year, before_reform))
    if draw(st.booleans()):
        year = draw(st.sampled_from(years))
        facts.lesson(unit, _day(draw, year, before_reform), draw(st.integers(1, 60)))
    if before_reform and draw(st.booleans()):
        facts.baseline(unit, draw(st.sampled_from(years)), population=draw(st.integers(100, 9_000)))


def build(draw):
    """The tree and its facts; returns the province."""
    province = ProvinceFactory(name="Tỉnh Ngẫu Nhiên", code="R00")
    district = None
    if draw(st.booleans()):
        district = UnitFactory(
            parent=province, kind="association", level="district", host="", name="Huyện Cũ", code="R-D"
        )
    communes, chapters = [], []
    for index in range(draw(st.integers(2, 3))):
        parent = district if district and index < 2 else province
        commune = CommuneFactory(parent=parent, name=f"Xã Số {index}", code=f"R-{index}")
        communes.append(commune)
        for number in range(draw(st.integers(1, 2))):
            chapters.append(UnitFactory(parent=commune, name=f"Chi hội {index}.{number}", code=f"R-{index}-{number}"))
    books = {}
    for unit in [province, *communes] + ([district] if district else []):
        if draw(st.booleans()):
            opening = draw(st.integers(0, 20)) * 1_000_000
            books[unit.pk] = facts.fund(unit, opening_year=2023, opening=opening)
    for unit in [*communes, *chapters, province] + ([district] if district else []):
        _facts(draw, unit, books, before_reform=True)

    # The reform: a merge, a split or nothing; then the district (if any) is dissolved.
    change = draw(st.sampled_from(["merge", "split", "none"]))
    new_units = []
    if change == "merge":
        merged = communes[:2]
        new = CommuneFactory(parent=province, name="Xã Hợp Nhất", code="R-M", active_from=REFORM)
        tree_services.unit_merge(predecessors=merged, successor=new, on=REFORM)
        new_units.append(new)
    elif change == "split":
        old = communes[-1]
        parts = [
            CommuneFactory(parent=province, name=f"Xã Tách {n}", code=f"R-S{n}", active_from=REFORM) for n in (0, 1)
        ]
        children = list(old.children.all())
        assignments = {child.pk: parts[draw(st.integers(0, 1))] for child in children}
        tree_services.unit_split(
            predecessor=old,
            successors=parts,
            primary=parts[draw(st.integers(0, 1))],
            on=REFORM,
            assignments=assignments,
        )
        new_units.extend(parts)
    if district:
        for child in district.children.filter(active_until__isnull=True):
            tree_services.unit_move(child, new_parent=province, on=REFORM)
        tree_services.unit_close(district, on=REFORM - datetime.timedelta(days=1))
    for unit in new_units:
        _facts(draw, unit, books, before_reform=False, years=(2025,))
    return province


def _add_up(rows: list[list[int]], total: list[int], where: str):
    for index, value in enumerate(total):
        assert sum(row[index] for row in rows) == value, (where, index)


def check_outputs(unit: Unit, year: int, period: str, tree: str):
    report = Report(unit=unit, year=year, period=period, term_start=2021 if period == Report.Period.TERM else None)
    content = documents.build_content(report, tree=tree)
    where = f"{unit.code} {year} {period} {tree}"
    if not content["return_rows"]:
        return content
    _add_up([row["values"] for row in content["return_rows"]], content["return_total"], where)
    from docx import Document
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(documents.render_xlsx(content)), read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))[2:]
    _add_up([list(line[2:]) for line in lines[:-1]], list(lines[-1][2:]), where + " xlsx")
    table = Document(io.BytesIO(documents.render_docx(content))).tables[-1]
    cells = [[int(cell.text.replace(".", "") or 0) for cell in row.cells[1:]] for row in table.rows[1:]]
    _add_up(cells[:-1], cells[-1], where + " docx")
    return content


def pdf_rows(pdf: bytes, columns: int, tmp_path) -> list[list[int]]:
    """The number rows of the statistical return in the PDF's text (each line ending in one number per column)."""
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    table = text[text.index("BIỂU THỐNG KÊ") :]
    rows = []
    for line in table.splitlines():
        tokens = line.split()
        numbers = [t for t in tokens[-columns:] if re.fullmatch(r"-?[\d.]+", t)]
        if len(tokens) > columns and len(numbers) == columns:
            rows.append([int(t.replace(".", "")) for t in numbers])
    return rows


def snapshot():
    return sorted(Summary.objects.values_list("unit_id", "year", "period", "figure", "value"))


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("KH_RECONCILE_EXAMPLES", "4")),  # raise it for a longer search
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its draws, and stays fast
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_total_reconciles_on_both_trees(data, tmp_path):
    try:
        with transaction.atomic():
            province = build(data.draw)
            units = [province, *Unit.objects.filter(kind=Unit.Kind.ASSOCIATION, level=Unit.Level.COMMUNE)]

            for year in YEARS:
                for period in PERIODS:
                    if period == Report.Period.TERM and year != 2025:
                        continue
                    past = period_figures(province, year=year, period=period, tree="past", term_start=2021)
                    today = period_figures(province, year=year, period=period, tree="today", term_start=2021)
                    assert today.current == past.current, (year, period)
                    for shape in ("past", "today"):
                        # The province's files; each commune's rows (what every file prints from).
                        check_outputs(province, year, period, shape)
                        for unit in units[1:]:
                            f = period_figures(unit, year=year, period=period, tree=shape, term_start=2021)
                            keys = [key for key, *_ in documents.return_columns(period)]
                            rows = [[row["figures"].get(key, 0) for key in keys] for row in f.children]
                            _add_up([*rows, f.own_row(keys)], [f.get(key) for key in keys], f"{unit.code} {year}")
                for shape in ("past", "today"):
                    board = dashboard(province, year, tree=shape)
                    for key, _label in CHILD_COLUMNS:
                        if key in ("share", "families"):
                            continue
                        rows = sum(row["values"][key] for row in board["children"]) + board["own_row"]["values"][key]
                        assert rows == board["figures"].get(key), (year, shape, key)

            # One drawn report printed: its PDF adds up, and check_figures finds every figure in the facts.
            unit = data.draw(st.sampled_from(units))
            year = data.draw(st.sampled_from(YEARS))
            period = data.draw(st.sampled_from(PERIODS))
            shape = data.draw(st.sampled_from(["past", "today"]))
            content = check_outputs(unit, year, period, shape)
            if content["return_rows"]:
                pdf, _pages = documents.render_pdf(content)
                rows = pdf_rows(pdf, len(content["return_columns"]), tmp_path)
                assert rows[-1] == content["return_total"]
                _add_up(rows[:-1], rows[-1], "pdf")
            result = figures_check(unit=unit, year=year, period=period, tree=shape, term_start=2021)
            assert not result.problems, result.problems

            incremental = snapshot()
            Summary.objects.all().delete()
            summaries_rebuild()
            assert snapshot() == incremental
            raise Rollback
    except Rollback:
        pass
