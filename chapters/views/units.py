"""Screens of the organisation tree: browse, a unit's page, the tree on a date, and changing the tree.

Who may do what is decided in chapters.scoping: editing a unit's own data needs EDIT_UNIT (secretary or
administrator), changing the tree (create below, move, close, merge, split) needs RESTRUCTURE (administrator
or officer). Every change goes through chapters.services.tree.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from chapters import scoping
from chapters.forms import (
    TreeDateForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitMergeForm,
    UnitSplitForm,
    UnitUpdateForm,
    add_errors,
)
from chapters.mixins import ScopedQuerysetMixin, history_entries
from chapters.models import Role, Unit
from chapters.services import tree as tree_services
from chapters.services.periods import can_close, closed_years
from chapters.services.records import EditConflict, record_delete
from core.views import querystring_without_page


class PageQuerystringMixin:
    """The current filters without the page number, for includes/pagination.html."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["querystring_without_page"] = querystring_without_page(self.request)
        return context


def unit_for(request, pk, actions=()) -> Unit:
    """The unit named in the address, through the user's scope: 404 out of sight, 403 without `actions`."""
    unit = scoping.get_scoped_object(Unit.objects.all(), request.user, pk=pk)
    if actions:
        scoping.ensure_can_any(request.user, actions, unit)
    return unit


def unit_permissions(user, unit: Unit) -> dict[str, bool]:
    """What the unit's page offers this user; the views check the same rules again."""
    return {
        "can_edit": scoping.can_edit_unit(user, unit),
        "can_restructure": scoping.can_restructure(user, unit),
        "can_change": scoping.can(user, scoping.CHANGE, unit),
        "can_close_period": can_close(user, unit),
        "can_manage": scoping.can(user, scoping.MANAGE, unit),
    }


def _open_children_count():
    today = timezone.localdate()
    return Count("children", filter=Q(children__active_until__isnull=True) | Q(children__active_until__gte=today))


class UnitListView(PageQuerystringMixin, ScopedQuerysetMixin, ListView):
    """The units the user can see: their own units, or a search by name without accents over their scope."""

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
        return qs.annotate(child_count=_open_children_count()).ordered()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        units = list(context["object_list"])
        # Where each unit stands ("Tỉnh … › Phường …"), from the paths, in one query for the whole page.
        ancestor_ids = {pk for unit in units for pk in unit.ancestor_ids[:-1]}
        names = dict(
            (u.pk, u.display_name)
            for u in Unit.objects.filter(pk__in=ancestor_ids).only("name", "kind", "division_type")
        )
        for unit in units:
            unit.trail = [names[pk] for pk in unit.ancestor_ids[:-1] if pk in names]
        context.update(
            {
                "units": units,
                "q": self.request.GET.get("q", ""),
                "show_closed": bool(self.request.GET.get("closed")),
                "can_create": self.request.user.is_superuser,
            }
        )
        return context


def _with_links(user, rows, field: str) -> list:
    """Mark each row whose unit (`field`) the user may open: other units are named but not linked."""
    rows = list(rows)
    for row in rows:
        row.link = scoping.can(user, scoping.VIEW, getattr(row, field))
    return rows


class UnitDetailView(ScopedQuerysetMixin, DetailView):
    """A unit's page: facts, names and places over time, lineage, children, leadership, baseline figures,
    closed years and the change history."""

    model = Unit
    unit_field = ""
    template_name = "chapters/unit_detail.html"

    def get_context_data(self, **kwargs):
        from chapters.leadership import holders_on
        from chapters.views.baseline import baseline_rows

        context = super().get_context_data(**kwargs)
        unit = self.object
        user = self.request.user
        today = timezone.localdate()
        show_closed = bool(self.request.GET.get("closed"))
        children = unit.children.all() if show_closed else unit.children.open_on(today)
        permissions = unit_permissions(user, unit)
        terms = list(unit.terms.all()[:3])
        context.update(permissions)
        context.update(
            {
                "ancestors": [a for a in unit.ancestors() if scoping.can(user, scoping.VIEW, a)],
                "children": children.annotate(child_count=_open_children_count()).ordered(),
                "show_closed": show_closed,
                "names": unit.names.all(),
                "parent_links": _with_links(user, unit.parent_links.select_related("parent"), "parent"),
                "predecessors": _with_links(user, unit.predecessor_links.select_related("predecessor"), "predecessor"),
                "successors": _with_links(user, unit.successor_links.select_related("successor"), "successor"),
                "leaders": holders_on(unit, today),
                "current_term": next((t for t in terms if t.covers(today.year)), None),
                "baseline": baseline_rows(unit, limit=3),
                "closed_years": sorted(closed_years(unit).values(), key=lambda c: -c.year),
                "history": history_entries(unit),
            }
        )
        if permissions["can_manage"]:
            context["roles"] = Role.objects.filter(unit=unit).select_related("user").order_by("user__first_name")
        return context


class UnitTreeView(ScopedQuerysetMixin, DetailView):
    """The subtree as it stood on a date, with the names of that date (chapters.services.tree.tree_on)."""

    model = Unit
    unit_field = ""
    template_name = "chapters/unit_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = TreeDateForm(self.request.GET if "ngay" in self.request.GET else None)
        day = timezone.localdate()
        rows = []
        if form.is_bound and not form.is_valid():
            day = None
        elif form.is_bound and form.cleaned_data["ngay"]:
            day = form.cleaned_data["ngay"]
        if day is not None and self.object.is_open_on(day):
            rows = [
                {"unit": unit, "depth": depth, "indent": min(depth, 4), "link": scoping.can(user, scoping.VIEW, unit)}
                for unit, depth in tree_services.tree_on(self.object, day)
            ]
        context.update({"form": form, "day": day, "rows": rows})
        return context


class UnitFormMixin:
    """A form about the unit in the address, for users holding one of `actions` on it."""

    actions = scoping.RESTRUCTURE
    success_message = ""
    form_needs_unit = True  # the form's choices depend on the user and the unit

    def dispatch(self, request, *args, **kwargs):
        self.unit = unit_for(request, kwargs["pk"], self.actions)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_needs_unit:
            kwargs.update(user=self.request.user, unit=self.unit)
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "unit": self.unit}

    def run(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.run(form)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect("chapters:unit_detail", pk=self.unit.pk)


class UnitCreateView(FormView):
    """A new unit, under a parent the user may restructure (`?parent=<pk>` preselects it)."""

    form_class = UnitCreateForm
    template_name = "chapters/unit_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.preset = None
        if request.GET.get("parent"):
            self.preset = unit_for(request, request.GET["parent"], scoping.RESTRUCTURE)
        elif not request.user.is_superuser and not scoping.units_for_any(request.user, scoping.RESTRUCTURE).exists():
            raise PermissionDenied("Bạn không có quyền thêm đơn vị.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "preset": self.preset}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "parent": self.preset, "creating": True}

    def form_valid(self, form):
        try:
            unit = tree_services.unit_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Đã thêm {unit.display_name}.")
        return redirect("chapters:unit_detail", pk=unit.pk)


class UnitUpdateView(ScopedQuerysetMixin, UpdateView):
    """Edit a unit; a stale form is refused with what changed (never a silent overwrite)."""

    model = Unit
    unit_field = ""
    form_class = UnitUpdateForm
    template_name = "chapters/unit_form.html"

    def get_object(self, queryset=None):
        unit = super().get_object(queryset)
        scoping.ensure_can_any(self.request.user, scoping.EDIT_UNIT, unit)
        return unit

    def get_form_kwargs(self):
        restructure = scoping.can_restructure(self.request.user, self.object)
        return {**super().get_form_kwargs(), "user": self.request.user, "restructure": restructure}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "unit": self.object, "history": history_entries(self.object)}

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.unit_fields}
        try:
            unit = tree_services.unit_update(
                Unit.objects.get(pk=self.object.pk),
                actor=self.request.user,
                expected_version=form.cleaned_data.get("version"),
                on=form.cleaned_data["on"],
                **fields,
            )
        except EditConflict as conflict:
            form.add_error(None, conflict)
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
            return self.form_invalid(form)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Đã lưu {unit.display_name}.")
        if not scoping.can(self.request.user, scoping.VIEW, unit):
            return redirect("chapters:unit_list")
        return redirect("chapters:unit_detail", pk=unit.pk)


class UnitCloseView(UnitFormMixin, FormView):
    form_class = UnitCloseForm
    template_name = "chapters/unit_close.html"
    success_message = "Đã ghi nhận đơn vị ngừng hoạt động."
    form_needs_unit = False

    def run(self, form):
        tree_services.unit_close(
            self.unit, on=form.cleaned_data["on"], actor=self.request.user, reason=form.cleaned_data["reason"]
        )


class UnitMergeView(UnitFormMixin, FormView):
    form_class = UnitMergeForm
    template_name = "chapters/unit_merge.html"
    success_message = "Đã sáp nhập; các đơn vị trực thuộc đã chuyển về đơn vị này."

    def run(self, form):
        tree_services.unit_merge(
            predecessors=list(form.cleaned_data["predecessors"]),
            successor=self.unit,
            on=form.cleaned_data["on"],
            actor=self.request.user,
            decision=form.cleaned_data["decision"],
        )


class UnitSplitView(UnitFormMixin, FormView):
    form_class = UnitSplitForm
    template_name = "chapters/unit_split.html"
    success_message = "Đã chia tách; các đơn vị trực thuộc đã chuyển về các đơn vị kế thừa."

    def run(self, form):
        data = form.cleaned_data
        tree_services.unit_split(
            predecessor=self.unit,
            successors=list(data["successors"]),
            primary=data["primary"],
            on=data["on"],
            assignments=form.assignments,
            actor=self.request.user,
            decision=data["decision"],
        )


# Tracked records of a unit (terms, leaders, baseline figures): forms saved through record_save. --------------


class RecordFormMixin:
    """Save a VersionedModelForm through record_save (history, closed years, stale edits), then redirect."""

    actions = scoping.EDIT_UNIT
    success_message = "Đã lưu."
    template_name = "chapters/record_form.html"
    title = ""
    delete_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = getattr(self, "object", None)
        context.update({"unit": self.unit, "title": self.get_title(), "cancel_url": self.get_success_url()})
        if obj is not None and obj.pk and self.delete_url_name:
            context["delete_url"] = reverse(self.delete_url_name, args=[obj.pk])
        return context

    def get_title(self) -> str:
        return self.title

    def form_valid(self, form):
        instance = form.save_with_history(actor=self.request.user)
        if instance is None:
            return self.form_invalid(form)
        self.object = instance
        self.after_save(instance)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url())

    def after_save(self, instance) -> None:
        """Hook for follow-up work such as refreshing summaries."""


class RecordCreateView(RecordFormMixin, CreateView):
    """A new record of the unit in the address (`unit_pk`)."""

    def dispatch(self, request, *args, **kwargs):
        self.unit = unit_for(request, kwargs["unit_pk"], self.actions)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.model(unit=self.unit)}


class RecordUpdateView(RecordFormMixin, ScopedQuerysetMixin, UpdateView):
    """Edit a record found through the user's scope; the page shows the record's history."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        scoping.ensure_can_any(self.request.user, self.actions, obj.unit)
        self.unit = obj.unit
        return obj

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "history": history_entries(self.object)}


def record_delete_view(request, queryset, pk, *, actions=scoping.EDIT_UNIT, after=None, refuse=None):
    """Delete one record through record_delete; a refusal (a closed year, or `refuse(obj)` returning a
    message) becomes an error message. Returns the record's unit (for the redirect) and whether it was deleted."""
    obj = scoping.get_scoped_object(queryset, request.user, pk=pk)
    scoping.ensure_can_any(request.user, actions, obj.unit)
    problem = refuse(obj) if refuse else None
    if problem:
        messages.error(request, problem)
        return obj.unit, False
    try:
        record_delete(obj, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return obj.unit, False
    if after:
        after(obj)
    messages.success(request, f"Đã xóa {obj}.")
    return obj.unit, True
