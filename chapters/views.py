"""Screens of the organisation tree: browse, a unit's page."""

from django.db.models import Count, Q
from django.utils import timezone
from django.views.generic import DetailView, ListView

from chapters import scoping
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Unit


class UnitListView(ScopedQuerysetMixin, ListView):
    """The units the user can see: search by name without accents, closed units on request."""

    model = Unit
    unit_field = ""
    paginate_by = 50
    template_name = "chapters/unit_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("parent")
        query = self.request.GET.get("q", "").strip()
        if query:
            qs = qs.search(query)
        elif not self.request.user.is_superuser or self.request.GET.get("all"):
            qs = qs.filter(pk__in=scoping.top_units(self.request.user).values("pk"))
        else:
            qs = qs.filter(parent__isnull=True)
        if not self.request.GET.get("closed"):
            qs = qs.open_today()
        today = timezone.localdate()
        open_children = Q(children__active_until__isnull=True) | Q(children__active_until__gte=today)
        return qs.annotate(child_count=Count("children", filter=open_children)).ordered()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        context["show_closed"] = bool(self.request.GET.get("closed"))
        return context


class UnitDetailView(ScopedQuerysetMixin, DetailView):
    model = Unit
    unit_field = ""
    template_name = "chapters/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        user = self.request.user
        show_closed = bool(self.request.GET.get("closed"))
        today = timezone.localdate()
        children = unit.children.all()
        if not show_closed:
            children = children.open_on(today)
        open_grandchildren = Q(children__active_until__isnull=True) | Q(children__active_until__gte=today)
        context.update(
            {
                "ancestors": [a for a in unit.ancestors() if scoping.can(user, scoping.VIEW, a)],
                "children": children.annotate(child_count=Count("children", filter=open_grandchildren)).ordered(),
                "show_closed": show_closed,
                "names": unit.names.all(),
                "parent_links": unit.parent_links.select_related("parent"),
                "predecessors": unit.predecessor_links.select_related("predecessor"),
                "successors": unit.successor_links.select_related("successor"),
                "can_change": scoping.can(user, scoping.CHANGE, unit),
                "history": history_entries(unit),
            }
        )
        return context
