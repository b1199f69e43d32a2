"""The search behind the unit picker (chapters/pickers.py): units in the user's scope by name or code."""

from django.db.models import Case, Q, Value, When
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from chapters import scoping
from chapters.models import Unit
from chapters.pickers import picker_label, unit_for_value
from core.text import fold

LIMIT = 20


@require_GET
def unit_search(request):
    actions = [a for a in request.GET.get("action", scoping.VIEW).split(",") if a in scoping.ACTION_NAMES]
    levels = [level for level in request.GET.get("level", "").split(",") if level in Unit.Level.values]
    text = request.GET.get("q", "").strip()[:100]
    units = scoping.units_for_any(request.user, actions or [scoping.VIEW])
    # Only a field that takes closed units (the role form: back data of a pre-reform unit) asks for them.
    with_closed = request.GET.get("closed") == "1"
    if not with_closed:
        units = units.open_today()
    if levels:
        units = units.filter(level__in=levels)
    if text:
        units = units.filter(Q(code__istartswith=text) | Q(search_key__contains=fold(text)))
    units = units.select_related("parent")
    if with_closed:
        today = timezone.localdate()
        closed_last = Case(When(active_until__lt=today, then=Value(1)), default=Value(0))
        units = units.annotate(closed_last=closed_last).order_by("closed_last", "level_rank", "sort_key", "pk")
    else:
        units = units.ordered()
    rows = list(units[:LIMIT])
    # A closed unit whose code an open one now holds is offered by its pk, so the field takes that very unit.
    return JsonResponse(
        {
            "results": [
                {
                    "value": unit.code if unit_for_value(units, unit.code) == unit else str(unit.pk),
                    "label": picker_label(unit),
                    "detail": unit.parent.display_name if unit.parent_id else "",
                }
                for unit in rows
            ]
        }
    )
