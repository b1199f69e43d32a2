"""A unit's titles and classes figures for a year, and the same figures for each unit below it."""

from django.shortcuts import render

from chapters.mixins import unit_from
from chapters.summaries import summary_years
from core.views import tree_from, year_from
from learning_models.models import TitleType
from learning_models.queries import class_figures, snapshots, title_figures, title_figures_children
from learning_models.views.common import title_type_from, unit_nav


def title_summary(request):
    """ "61.532/98.240 gia đình được công nhận (62,6%)" for the unit and for each unit directly below it."""
    unit = unit_from(request)
    year = year_from(request)
    tree = tree_from(request)
    trees = snapshots(unit, year, tree=tree)
    rows = title_figures(unit, year, tree=tree, trees=trees)
    focus = title_type_from(request, TitleType.objects.filter(active=True).order_by("order").first())
    children = title_figures_children(unit, year, title_type=focus, tree=tree, snapshot=trees["Y"]) if focus else []
    context = {
        "unit": unit,
        "year": year,
        "tree": tree,
        "rows": rows,
        "focus": focus,
        "child_rows": children,
        "classes": class_figures(unit, year, tree=tree, snapshot=trees["Y"]),
        "classes_h1": class_figures(unit, year, period="H1", tree=tree, snapshot=trees["H1"]),
        "years": [y for y in reversed(summary_years()) if y >= year - 6][:8],
        "types": [row.title_type for row in rows],
        **unit_nav(request.user, unit),
    }
    return render(request, "learning_models/title_summary.html", context)
