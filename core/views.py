"""View helpers with no tie to the organisation: the address's query string and year, file responses.

Query parameters have one name everywhere (docs/architecture.md): `year`, `unit`, `tree` (`past` or
`today`), `page`, `q`. The unit in the address is read through the scoping function, so that helper lives in
chapters (`chapters.mixins.unit_from`).
"""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils import timezone

from core.years import MAX_YEAR, parse_year

YEAR_PARAM = "year"
UNIT_PARAM = "unit"
TREE_PARAM = "tree"
TREES = ("past", "today")


def querystring(request, **changes) -> str:
    """The current GET parameters with `changes` applied (None removes a parameter), encoded."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def querystring_without_page(request) -> str:
    """The current GET parameters without `page`, ending with "&" when not empty (for includes/pagination)."""
    params = [(key, value) for key, values in request.GET.lists() if key != "page" for value in values]
    return urlencode(params) + "&" if params else ""


def year_from(request, default: int | None = None, *, latest: int = MAX_YEAR) -> int:
    """The year in the address (?year=2025), else `default` (this year); never later than `latest`."""
    fallback = default if default is not None else timezone.localdate().year
    return parse_year(request.GET.get(YEAR_PARAM), default=fallback, latest=latest)


def tree_from(request) -> str:
    """Which tree a period is grouped on (?tree=today): "past" (as it stood at the period's end) by default."""
    return "today" if request.GET.get(TREE_PARAM) == "today" else "past"


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """A PDF made for this user: shown in the browser (or downloaded), never kept by a shared cache."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
