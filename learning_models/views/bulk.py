"""Recognition at scale: review, propose or recognise a whole filtered selection (a commune, a chapter, "all
scored at least N") in one action, after the screen has said how many records it will touch."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import unit_from
from chapters.models import Unit
from core.views import querystring, year_from
from learning_models.forms import BULK_ACTION_CHOICES, BulkActionForm, BulkSelectionForm
from learning_models.services.records import BULK_ACTIONS, RowErrors, records_bulk_apply, records_selection

UNITS_SHOWN = 30  # the units with the most records, listed under the count


def _where_units(user, unit: Unit):
    """Where a selection can be narrowed to: any unit below `unit` the user sees (a province holds ~10,000)."""
    return scoping.restrict(Unit.objects.subtree(unit), user, scoping.VIEW, unit_field="").ordered()


def _where_choices(form: BulkSelectionForm, unit: Unit) -> None:
    """List only the associations below and the unit's own children (a commune's chapters), plus the chosen one."""
    field = form.fields["within"]
    chosen = form.data.get("within") if form.is_bound else None
    shown = field.queryset.filter(
        Q(kind=Unit.Kind.ASSOCIATION) | Q(parent=unit) | Q(pk=chosen if str(chosen or "").isdigit() else None)
    )
    field.choices = [("", "---------")] + [(u.pk, field.label_from_instance(u)) for u in shown]


def records_bulk(request):
    """GET: the filters, and how many records the action will touch (by unit). POST: the same filters from the
    address, the action's data and the confirmation of that count; then one service call for the whole selection."""
    unit = unit_from(request)
    year = year_from(request)
    selection_form = BulkSelectionForm(
        request.GET if request.GET.get("action") else None, units=_where_units(request.user, unit)
    )
    _where_choices(selection_form, unit)
    context = {"unit": unit, "year": year, "selection_form": selection_form, "actions": BULK_ACTION_CHOICES}
    if not selection_form.is_bound or not selection_form.is_valid():
        return render(
            request, "learning_models/records_bulk.html", context, status=400 if selection_form.errors else 200
        )

    data = selection_form.cleaned_data
    action = data["action"]
    where = data.get("within") or unit
    _statuses, right, action_name = BULK_ACTIONS[action]
    allowed = scoping.can(request.user, right, where)
    selection = records_selection(
        user=request.user,
        unit=where,
        year=year,
        title_type=data["title"],
        action=action,
        min_total=data.get("min_total"),
        meets_threshold=data.get("meets_threshold", False),
    )
    action_form = BulkActionForm(request.POST or None, action=action)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        scoping.ensure_can(request.user, right, where)
        if action_form.is_valid():
            params = {k: v for k, v in action_form.cleaned_data.items() if k != "confirm"}
            expected = request.POST.get("expected", "")
            try:
                count = records_bulk_apply(
                    selection=selection,
                    action=action,
                    expected=int(expected) if expected.isdigit() else -1,
                    actor=request.user,
                    **params,
                )
            except RowErrors as error:
                errors = error.messages
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    add_errors(action_form, error)
                else:
                    errors = error.messages
            else:
                messages.success(
                    request,
                    f"Đã {action_name} {count} hồ sơ «{data['title'].name}» năm {year} của {where.display_name}.",
                )
                return redirect(f"{request.path}?{querystring(request)}")
        status = 400
    count = selection.count()
    by_unit = list(
        selection.values("unit__name", "unit__code").annotate(n=Count("pk")).order_by("-n", "unit__name")[:UNITS_SHOWN]
    )
    context.update(
        {
            "action": action,
            "action_name": action_name,
            "where": where,
            "title_type": data["title"],
            "count": count,
            "by_unit": by_unit,
            "more_units": count and len(by_unit) == UNITS_SHOWN,
            "allowed": allowed,
            "action_form": action_form,
            "errors": errors,
        }
    )
    return render(request, "learning_models/records_bulk.html", context, status=status)
