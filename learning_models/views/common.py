"""Helpers every titles screen shares: the unit and year in the address, the navigation around a unit."""

from django.http import Http404
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from learning_models.models import TitleType

YEAR_PARAM = "nam"
UNIT_PARAM = "don_vi"
TYPE_PARAM = "danh_hieu"
STATUS_PARAM = "trang_thai"


def this_year() -> int:
    return timezone.localdate().year


def year_from(request, default: int | None = None) -> int:
    """The year in the address (?nam=2025), else `default` (this year)."""
    try:
        year = int(request.GET.get(YEAR_PARAM, ""))
    except ValueError:
        return default or this_year()
    return year if 1990 <= year <= 2100 else (default or this_year())


def unit_for(request, pk, action: str = scoping.VIEW) -> Unit:
    """A unit through the user's scope: 404 out of sight, 403 when `action` is not allowed."""
    return scoping.get_scoped_object(Unit.objects.all(), request.user, action, unit_field="", pk=pk)


def unit_from(request, action: str = scoping.VIEW) -> Unit:
    """The unit in the address (?don_vi=12), else the user's own highest unit."""
    value = request.GET.get(UNIT_PARAM) or request.POST.get(UNIT_PARAM)
    if value:
        return unit_for(request, value, action)
    unit = scoping.top_units(request.user).first()
    if unit is None:
        raise Http404("Bạn chưa được giao vai trò ở đơn vị nào.")
    if action != scoping.VIEW:
        scoping.ensure_can(request.user, action, unit)
    return unit


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


def querystring(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
