"""Helpers shared by the members app's views."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme


class CountedPaginator(Paginator):
    """A paginator told its count, so the list's totals query also gives the page count (one query less)."""

    def __init__(self, *args, known_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self):
        return self._known_count if self._known_count is not None else super().count


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
