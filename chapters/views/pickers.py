"""The search behind the unit picker (chapters/pickers.py): units in the user's scope by name or code."""

from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from chapters import scoping
from chapters.models import Unit
from core.text import fold

LIMIT = 20


@require_GET
def unit_search(request):
    actions = [a for a in request.GET.get("action", scoping.VIEW).split(",") if a in scoping.ACTION_NAMES]
    levels = [level for level in request.GET.get("level", "").split(",") if level in Unit.Level.values]
    text = request.GET.get("q", "").strip()[:100]
    units = scoping.units_for_any(request.user, actions or [scoping.VIEW]).open_today()
    if levels:
        units = units.filter(level__in=levels)
    if text:
        units = units.filter(Q(code__istartswith=text) | Q(search_key__contains=fold(text)))
    rows = units.select_related("parent").ordered()[:LIMIT]
    return JsonResponse(
        {
            "results": [
                {
                    "value": unit.code,
                    "label": f"{unit.display_name} ({unit.code})",
                    "detail": unit.parent.display_name if unit.parent_id else "",
                }
                for unit in rows
            ]
        }
    )
