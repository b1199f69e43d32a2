"""The officer's dashboard: headline figures, the units below, five-year trends, completeness."""

import io

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from core.replicas import replica_reads
from core.views import tree_from, year_from
from reports import charts
from reports.dashboard import BEHIND_COUNTED, completeness, dashboard


def dashboard_home(request):
    """The dashboard of the highest unit the user holds a role on."""
    unit = scoping.top_units(request.user).first()
    if unit is None:
        return render(request, "reports/no_unit.html", status=403)
    return redirect("reports:unit_dashboard", unit_pk=unit.pk)


@replica_reads
def unit_dashboard(request, unit_pk):
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    tree = tree_from(request)
    sort = request.GET.get("sort", "")
    behind_only = request.GET.get("behind") == "1"
    data = dashboard(unit, year, tree=tree, sort=sort, behind_only=behind_only)
    context = {
        "unit": unit,
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 8, -1)),
        "tree": tree,
        "sort": sort,
        "behind_only": behind_only,
        "ancestors": [a for a in unit.ancestors() if scoping.can(request.user, scoping.VIEW, a)],
        "charts": [charts.bar_chart(title, points, unit=word) for title, points, word in data["trends"]],
        "as_of": data["figures"].as_of,
        # Each row links to its unit's dashboard: the address reversed once, not per row.
        "unit_url_prefix": reverse("reports:unit_dashboard", args=[0])[: -len("0/")],
        **data,
    }
    template = "reports/_dashboard_table.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, context)


@replica_reads
def unit_dashboard_xlsx(request, unit_pk):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    data = dashboard(unit, year, tree=tree_from(request))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Năm {year}"
    sheet.append([f"{unit.display_name} – số liệu năm {year}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Mã", "Đơn vị", *[label for _key, label in data["columns"]], "Chậm về"])
    for row in data["children"]:
        values = []
        for key, _label in data["columns"]:
            if key in ("share", "families"):
                ratio = row[key]
                values.append(float(ratio) if ratio is not None else None)
            else:
                values.append(row["values"].get(key, 0))
        behind = "; ".join(words for key, words in BEHIND_COUNTED.items() if row["behind"][key])
        sheet.append([row["unit"].code, row["unit"].display_name, *values, behind])
    for line in sheet.iter_rows(min_row=3):
        for cell, (key, _label) in zip(line[2:], data["columns"], strict=False):
            # Formulas are never written: values only (a cell starting with "=" stays text).
            cell.number_format = "0.0%" if key in ("share", "families") else "#,##0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="tong-hop-{unit.code}-{year}.xlsx"'
    return response


@replica_reads
def unit_completeness(request, unit_pk):
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    rows = completeness(unit, year)
    return render(
        request,
        "reports/completeness.html",
        {
            "unit": unit,
            "year": year,
            "rows": rows,
            "late": [r for r in rows if r["missing"]],
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 8, -1)),
        },
    )
