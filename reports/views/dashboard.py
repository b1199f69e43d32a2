"""The officer's dashboard: headline figures, the units below, five-year trends, completeness."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from core.spreadsheets.writing import NUMBER_FORMAT, PERCENT_FORMAT, XLSX_CONTENT_TYPE, write_table
from core.views import tree_from, year_from
from reports import charts, maps
from reports.dashboard import BEHIND_COUNTED, completeness, dashboard


def dashboard_home(request):
    """The dashboard of the highest unit the user holds a role on."""
    unit = scoping.top_units(request.user).first()
    if unit is None:
        return render(request, "reports/no_unit.html", status=403)
    return redirect("reports:unit_dashboard", unit_pk=unit.pk)


def unit_dashboard(request, unit_pk):
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    tree = tree_from(request)
    sort = request.GET.get("sort", "")
    behind_only = request.GET.get("behind") == "1"
    data = dashboard(unit, year, tree=tree, sort=sort, behind_only=behind_only)
    measure = request.GET.get("map") if request.GET.get("map") in maps.MEASURES else "share"
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
        "map_measure": measure,
        "map_measures": maps.MEASURES,
        "map_svg": _map(request.user, unit, data["rows"], measure, year=year, tree=tree),
        **data,
    }
    template = "reports/_dashboard_table.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, context)


def _map(user, unit: Unit, rows: list[dict], measure: str, *, year: int, tree: str) -> str:
    """The units below as points; for a commune (whose chapters have no coordinates) the communes around it, when
    the user may see them, with this one ringed."""
    points = maps.map_points(rows, measure)
    title = f"Bản đồ: {maps.MEASURES[measure].lower()}, năm {year}"
    if not points and unit.parent_id and scoping.can(user, scoping.VIEW, unit.parent):
        around = dashboard(unit.parent, year, tree=tree)["rows"]
        points = maps.map_points(around, measure, current_pk=unit.pk)
        title = f"Bản đồ các đơn vị cùng cấp: {maps.MEASURES[measure].lower()}, năm {year}"
    prefix = reverse("reports:unit_dashboard", args=[0])[: -len("0/")]
    query = f"year={year}&tree={tree}&map={measure}"
    return maps.points_svg(points, title=title, url_prefix=prefix, query=query)


def unit_dashboard_xlsx(request, unit_pk):
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, scoping.VIEW, pk=unit_pk)
    year = year_from(request, latest=timezone.localdate().year)
    data = dashboard(unit, year, tree=tree_from(request))
    ratios = ("share", "families")
    rows, totals = [], {key: 0 for key, _label in data["columns"] if key not in ratios}
    for row in data["children"]:
        values = []
        for key, _label in data["columns"]:
            if key in ratios:
                values.append(float(row[key]) if row[key] is not None else None)
            else:
                values.append(row["values"].get(key, 0))
                totals[key] += row["values"].get(key, 0)
        behind = "; ".join(words for key, words in BEHIND_COUNTED.items() if row["behind"].get(key))
        rows.append([row["unit"].code, row["unit"].display_name, *values, behind or None])
    # The totals row: sums, and the unit's own ratios (a ratio of the summed parts, never a sum of ratios).
    own = {h.key: h.ratio for h in data["headlines"]}
    family = next((h.ratio for h in data["headlines"] if h.key.startswith("titles.") and h.target), None)
    own_ratios = {"share": own.get("members.end"), "families": family}
    total_values = [
        (float(own_ratios[key]) if own_ratios[key] is not None else None) if key in ratios else totals[key]
        for key, _label in data["columns"]
    ]
    buffer = write_table(
        title=f"{unit.display_name} – số liệu năm {year}",
        sheet_name=f"Năm {year}",
        headers=["Mã", "Đơn vị", *[label for _key, label in data["columns"]], "Chậm về"],
        rows=rows,
        widths=[12, 42, *[16 for _column in data["columns"]], 40],
        formats=[None, None, *[PERCENT_FORMAT if key in ratios else NUMBER_FORMAT for key, _l in data["columns"]]],
        totals=[None, f"Cộng {len(rows)} đơn vị", *total_values, None],
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tong-hop-{unit.code}-{year}.xlsx"'
    return response


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
