"""Helpers every titles screen shares: the title type in the address, the navigation around a unit."""

from django.http import Http404
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from learning_models.models import TitleType

TYPE_PARAM = "title"
STATUS_PARAM = "status"


def title_type_from(request, default: TitleType | None = None) -> TitleType | None:
    code = request.GET.get(TYPE_PARAM) or request.POST.get(TYPE_PARAM)
    if code:
        title_type = TitleType.objects.filter(code=code).first()
        if title_type is None:
            raise Http404("Không có danh hiệu này.")
        return title_type
    return default


def unit_nav(user, unit: Unit) -> dict:
    """Ancestors the user can see (breadcrumbs) and the open units directly below (drill down)."""
    ancestors = [a for a in unit.ancestors() if scoping.can(user, scoping.VIEW, a)]
    today = timezone.localdate()
    children = list(unit.children.open_on(today).ordered()) if unit.kind == Unit.Kind.ASSOCIATION else []
    return {"ancestors": ancestors, "children": children}


def types_for_unit(unit: Unit) -> list[TitleType]:
    """The title types whose records can belong to `unit` (households and clans of a chapter, the unit's own)."""
    types = []
    for title_type in TitleType.objects.filter(active=True).order_by("order", "name"):
        if title_type.subject_kind == TitleType.Subject.UNIT:
            if title_type.applies_to_unit(unit):
                types.append(title_type)
        elif unit.level == Unit.Level.GRASSROOTS or title_type.subject_kind == TitleType.Subject.CLAN:
            types.append(title_type)
    return types
