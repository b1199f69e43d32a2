"""Classes of the community learning centres: list per unit and year, add, edit, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import history_entries, unit_from
from chapters.models import Unit
from chapters.services.records import EditConflict
from core.views import querystring_without_page, year_from
from learning_models.forms import LearningClassForm
from learning_models.models import LearningClass
from learning_models.queries import class_figures
from learning_models.services.classes import class_delete, class_save
from learning_models.views.common import unit_nav


def _classes(user, action=scoping.VIEW):
    return scoping.restrict(LearningClass.objects.all(), user, action)


def _units(user, unit: Unit):
    """Where a class can be held: the unit in the address and the units below it the user may enter data for;
    closed ones too (their back data), whose classes the closed-unit guard keeps to the dates they were open."""
    return scoping.restrict(Unit.objects.subtree(unit), user, scoping.CHANGE, unit_field="")


def class_list(request):
    unit = unit_from(request)
    year = year_from(request)
    classes = (
        _classes(request.user)
        .filter(unit__path__startswith=unit.path, starts_on__year=year)
        .select_related("unit")
        .order_by("-starts_on", "pk")
    )
    page = Paginator(classes, 50).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "year": year,
        "page_obj": page,
        "classes": page.object_list,
        # The summary keys ("classes.count") hold dots a template cannot look up: name them plainly.
        "totals": {key.split(".")[1]: value or 0 for key, value in class_figures(unit, year).items()},
        "can_change": scoping.can(request.user, scoping.CHANGE, unit),
        "years": range(year + 1, year - 6, -1),
        "querystring_without_page": querystring_without_page(request),
        **unit_nav(request.user, unit),
    }
    return render(request, "learning_models/class_list.html", context)


def _list_url(learning_class: LearningClass) -> str:
    return f"{reverse('learning_models:class_list')}?unit={learning_class.unit_id}&year={learning_class.starts_on.year}"


def class_form(request, pk=None):
    if pk:
        instance = scoping.get_scoped_object(LearningClass.objects.select_related("unit"), request.user, pk=pk)
        scoping.ensure_can(request.user, scoping.CHANGE, instance.unit)
        unit = instance.unit
    else:
        unit = unit_from(request, scoping.CHANGE)
        instance = LearningClass(unit=unit)
    form = LearningClassForm(request.POST or None, instance=instance, units=_units(request.user, unit).ordered())
    if request.method == "POST" and form.is_valid():
        learning_class = form.save(commit=False)
        try:
            class_save(
                learning_class,
                participants=form.participants(),
                actor=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except EditConflict as error:
            form.add_error(None, error)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Đã lưu lớp «{learning_class.topic}».")
            return redirect("learning_models:class_detail", pk=learning_class.pk)
    context = {
        "form": form,
        "unit": unit,
        "learning_class": instance if pk else None,
        "title": "Sửa lớp học" if pk else "Thêm lớp học cộng đồng",
        "history": history_entries(instance) if pk else [],
    }
    return render(request, "learning_models/class_form.html", context, status=400 if form.errors else 200)


def class_detail(request, pk):
    learning_class = scoping.get_scoped_object(LearningClass.objects.select_related("unit"), request.user, pk=pk)
    context = {
        "learning_class": learning_class,
        "unit": learning_class.unit,
        "participants": learning_class.participants.all(),
        "can_change": scoping.can(request.user, scoping.CHANGE, learning_class.unit),
        "history": history_entries(learning_class),
    }
    return render(request, "learning_models/class_detail.html", context)


@require_POST
def class_delete_view(request, pk):
    learning_class = scoping.get_scoped_object(
        LearningClass.objects.select_related("unit"), request.user, scoping.CHANGE, pk=pk
    )
    url = _list_url(learning_class)
    try:
        class_delete(learning_class, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learning_models:class_detail", pk=pk)
    messages.success(request, f"Đã xóa lớp «{learning_class.topic}».")
    return redirect(url)
