"""The officer's dashboard: headline figures, the units below, five-year trends, completeness."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from core.replicas import replica_reads
from core.views import tree_from, year_from
from reports import charts, maps
from reports.approval import children_report_counts
from reports.dashboard import (
    BEHIND_COUNTED,
    completeness,
    completeness_rows_html,
    dashboard,
    map_rows,
    name_cells,
)


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
    measure = request.GET.get("map") if request.GET.get("map") in maps.MEASURES else "share"
    context = {
        "reports_below": None if request.htmx else children_report_counts(unit=unit, year=year),
        "unit": unit,
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 8, -1)),
        "tree": tree,
        "sort": sort,
        "behind_only": behind_only,
        "ancestors": [a for a in unit.ancestors() if scoping.can(request.user, scoping.VIEW, a)],
        "charts": [charts.bar_chart(title, points, unit=word) for title, points, word in data["trends"]],
        "as_of": data["figures"].as_of,
        "map_measure": measure,
        "map_measures": maps.MEASURES,
        "map_svg": _map(request.user, unit, data["rows"], measure, year=year, tree=tree),
        **data,
    }
    # Each row links to its unit's dashboard: the address reversed once, not per row.
    prefix = reverse("reports:unit_dashboard", args=[0])[: -len("0/")]
    name_cells(data["children"], url_prefix=prefix, year=year, tree=tree)
    template = "reports/_dashboard_table.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, context)


def _map(user, unit: Unit, rows: list[dict], measure: str, *, year: int, tree: str) -> str:
    """The units below as points; for a commune (whose chapters have no coordinates) the communes around it, when
    the user may see them, with this one ringed."""
    points = maps.map_points(rows, measure)
    title = f"Bản đồ: {maps.MEASURES[measure].lower()}, năm {year}"
    if not points and unit.parent_id and scoping.can(user, scoping.VIEW, unit.parent):
        around = map_rows(unit.parent, year, tree=tree)
        points = maps.map_points(around, measure, current_pk=unit.pk)
        title = f"Bản đồ các đơn vị cùng cấp: {maps.MEASURES[measure].lower()}, năm {year}"
    prefix = reverse("reports:unit_dashboard", args=[0])[: -len("0/")]
    query = f"year={year}&tree={tree}&map={measure}"
    return maps.points_svg(points, title=title, url_prefix=prefix, query=query)


@replica_reads
def unit_dashboard_xlsx(request, unit_pk):
    from core.spreadsheets.writing import NUMBER_FORMAT, XLSX_CONTENT_TYPE, table_xlsx

    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    data = dashboard(unit, year, tree=tree_from(request))
    rows = []
    for row in data["children"]:
        values = []
        for key, _label in data["columns"]:
            if key in ("share", "families"):
                ratio = row[key]
                values.append(float(ratio) if ratio is not None else None)
            else:
                values.append(row["values"].get(key, 0))
        behind = "; ".join(words for key, words in BEHIND_COUNTED.items() if row["behind"][key])
        rows.append([row["unit"].code, row["unit"].display_name, *values, behind])
    total = None
    if data["children"] and not data.get("behind_only"):
        # The unit's own row and the total, so the rows add up as on the page and in the report.
        own, figures = data["own_row"], data["figures"]
        own_values, total_values = [], []
        for key, _label in data["columns"]:
            if key == "share":
                own_values.append(None)
                share = figures.get("baseline.population")
                total_values.append(float(figures.get("members.end") / share) if share else None)
            elif key == "families":
                own_values.append(None)
                total_values.append(None)
            else:
                own_values.append(own["values"].get(key, 0))
                total_values.append(figures.get(key))
        rows.append([unit.code, own["name"], *own_values, ""])
        total = ["", "Tổng cộng", *total_values, ""]
    content = table_xlsx(
        sheet_title=f"Năm {year}",
        title=f"{unit.display_name} – số liệu năm {year}",
        header=["Mã", "Đơn vị", *[label for _key, label in data["columns"]], "Chậm về"],
        rows=rows,
        total=total,
        formats={
            index: "0.0%" if key in ("share", "families") else NUMBER_FORMAT
            for index, (key, _label) in enumerate(data["columns"], start=2)
        },
        frozen_columns=2,
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
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
            "rows_html": completeness_rows_html(rows, year=year),
            "late": [r for r in rows if r["missing"]],
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 8, -1)),
        },
    )
