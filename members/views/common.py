"""Helpers shared by the members app's views."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Window
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


class OnePassPaginator(Paginator):
    """The page and the totals of the whole list in one query (issue 19): each row of the page carries the list's
    totals as window aggregates (`COUNT(...) OVER ()`), so a search scans its index once instead of twice (totals,
    then page). `totals` names aggregates ({"count": Count("pk"), ...}); after `page()`, `self.totals` holds their
    exact values. Only a page with no rows (past the end, or an empty list) counts separately."""

    PREFIX = "list_total_"

    def __init__(self, object_list, per_page, *args, totals: dict, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.aggregates = totals
        self.totals: dict | None = None

    def _counted(self) -> dict:
        if self.totals is None:
            self.totals = self.object_list.aggregate(**self.aggregates)
        return self.totals

    @cached_property
    def count(self):
        return self._counted()["count"]

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("Số trang không hợp lệ.") from error
        if number < 1:
            raise EmptyPage("Số trang phải từ 1 trở lên.")
        bottom = (number - 1) * self.per_page
        windows = {self.PREFIX + name: Window(expression) for name, expression in self.aggregates.items()}
        rows = list(self.object_list.annotate(**windows)[bottom : bottom + self.per_page])
        if rows:
            self.totals = {name: getattr(rows[0], self.PREFIX + name) for name in self.aggregates}
        elif number > 1 or not self.allow_empty_first_page:
            self._counted()
            raise EmptyPage("Trang này không có kết quả.")
        else:
            self.totals = dict.fromkeys(self.aggregates, 0)
        self.__dict__["count"] = self.totals["count"]
        return self._get_page(rows, number, self)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
