"""Administrators' screens: title types, criteria sets (copy a national set and adapt it), province targets."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from chapters import scoping
from chapters.forms import add_errors
from chapters.mixins import history_entries, unit_from
from chapters.models import Unit
from chapters.services.records import EditConflict
from core.views import year_from
from learning_models.forms import (
    CriteriaSetCopyForm,
    CriteriaSetForm,
    CriterionFormSet,
    TargetForm,
    TitleTypeForm,
)
from learning_models.models import CriteriaSet, Target, TitleType
from learning_models.scoring import points_text
from learning_models.services.catalogue import (
    CriterionRow,
    can_edit_set,
    can_edit_title_type,
    criteria_set_copy,
    criteria_set_update,
    target_save,
)


def _province_admin_units(user):
    return scoping.units_for(user, scoping.MANAGE).filter(level__in=[Unit.Level.CENTRAL, Unit.Level.PROVINCE])


def titletype_list(request):
    sets = CriteriaSet.objects.select_related("issuer").order_by("-year_from", "pk")
    types = TitleType.objects.order_by("order", "name").prefetch_related(Prefetch("criteria_sets", queryset=sets))
    context = {
        "types": types,
        "can_create": request.user.is_superuser or _province_admin_units(request.user).exists(),
    }
    return render(request, "learning_models/titletype_list.html", context)


def titletype_form(request, pk=None):
    title_type = get_object_or_404(TitleType, pk=pk) if pk else TitleType()
    owners = _province_admin_units(request.user)
    if pk and not can_edit_title_type(request.user, title_type):
        raise PermissionDenied("Danh hiệu toàn quốc do quản trị hệ thống sửa; danh hiệu riêng do hội tỉnh đặt ra sửa.")
    if not pk and not (request.user.is_superuser or owners.exists()):
        raise PermissionDenied("Chỉ quản trị của hội tỉnh mới được thêm danh hiệu riêng của địa phương.")
    form = TitleTypeForm(request.POST or None, instance=title_type, owners=owners)
    if not request.user.is_superuser:
        form.fields["owner"].required = True
    if request.method == "POST" and form.is_valid():
        saved = form.save_with_history(actor=request.user)
        if saved is not None:
            messages.success(request, f"Đã lưu danh hiệu «{saved.name}».")
            return redirect("learning_models:titletype_list")
    context = {
        "form": form,
        "title_type": title_type,
        "history": history_entries(title_type) if title_type.pk else [],
        "title": f"Sửa danh hiệu «{title_type.name}»" if pk else "Thêm danh hiệu",
    }
    return render(request, "learning_models/titletype_form.html", context, status=400 if form.errors else 200)


def criteriaset_detail(request, pk):
    criteria_set = get_object_or_404(CriteriaSet.objects.select_related("title_type", "issuer", "copied_from"), pk=pk)
    context = {
        "criteria_set": criteria_set,
        "tops": criteria_set.criteria_tree(),
        "can_edit": can_edit_set(request.user, criteria_set),
        "can_copy": _province_admin_units(request.user).exists(),
        "used": criteria_set.records.count(),
        "total_points": points_text(criteria_set.total_points),
        "history": history_entries(criteria_set),
    }
    return render(request, "learning_models/criteriaset_detail.html", context)


def criteriaset_copy_view(request, pk):
    source = get_object_or_404(CriteriaSet.objects.select_related("title_type"), pk=pk)
    issuers = _province_admin_units(request.user)
    if not issuers.exists():
        raise PermissionDenied("Chỉ quản trị của hội tỉnh mới được sao chép và sửa bộ tiêu chí.")
    form = CriteriaSetCopyForm(request.POST or None, issuers=issuers, initial={"year_from": year_from(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            copy = criteria_set_copy(
                source=source,
                issuer=data["issuer"],
                name=data["name"],
                year_from=data["year_from"],
                year_until=data["year_until"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Đã sao chép bộ tiêu chí; hãy sửa theo văn bản của tỉnh.")
            return redirect("learning_models:criteriaset_update", pk=copy.pk)
    context = {"source": source, "form": form}
    return render(request, "learning_models/criteriaset_copy.html", context, status=400 if form.errors else 200)


def criteriaset_update_view(request, pk):
    criteria_set = get_object_or_404(CriteriaSet.objects.select_related("title_type", "issuer"), pk=pk)
    if not can_edit_set(request.user, criteria_set):
        if not scoping.can(request.user, scoping.VIEW, criteria_set.issuer) and criteria_set.issuer_id:
            raise PermissionDenied("Bộ tiêu chí này thuộc tỉnh khác.")
        raise PermissionDenied("Bộ tiêu chí toàn quốc chỉ quản trị hệ thống sửa; hãy sao chép thành bộ của tỉnh.")
    codes = {c.pk: c.code for c in criteria_set.criteria.all()}
    initial = [
        {
            "code": c.code,
            "label": c.label,
            "parent_code": codes.get(c.parent_id, ""),
            "max_points": points_text(c.max_points),
            "min_points": points_text(c.min_points),
        }
        for c in criteria_set.criteria.all()
    ]
    form = CriteriaSetForm(request.POST or None, instance=criteria_set)
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="tc")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            CriterionRow(
                d.get("code", ""),
                d.get("label", ""),
                d.get("parent_code", ""),
                d.get("max_points"),
                d.get("min_points"),
            )
            for d in formset.cleaned_data
            if d
        ]
        fields = {name: form.cleaned_data[name] for name in CriteriaSetForm.Meta.fields}
        try:
            criteria_set_update(
                criteria_set, rows=rows, actor=request.user, expected_version=form.cleaned_data.get("version"), **fields
            )
        except EditConflict as error:
            form.add_error(None, error)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Đã lưu bộ tiêu chí.")
            return redirect("learning_models:criteriaset_detail", pk=criteria_set.pk)
    context = {"criteria_set": criteria_set, "form": form, "formset": formset}
    status = 400 if form.errors or any(formset.errors) else 200
    return render(request, "learning_models/criteriaset_form.html", context, status=status)


def target_list(request):
    """A province's targets per title and year; the national target (Decision 387) where it set none."""
    unit = unit_from(request)
    province = unit if unit.level == Unit.Level.PROVINCE else None
    if province is None:
        province = Unit.objects.filter(pk__in=unit.ancestor_ids, level=Unit.Level.PROVINCE).first()
    year = year_from(request)
    can_manage = province is not None and scoping.can(request.user, scoping.MANAGE, province)
    form = TargetForm(request.POST or None, initial={"year": year})
    form.fields["title_type"].queryset = TitleType.objects.filter(active=True).exclude(denominator="")
    if request.method == "POST":
        if province is None:
            raise PermissionDenied("Chỉ tiêu được đặt cho hội cấp tỉnh.")
        scoping.ensure_can(request.user, scoping.MANAGE, province)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target_save(
                    unit=province,
                    title_type=data["title_type"],
                    year=data["year"],
                    percent=data["percent"],
                    basis=data["basis"],
                    year_until=data.get("year_until"),
                    actor=request.user,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Đã lưu chỉ tiêu.")
                return redirect(f"{request.path}?unit={province.pk}&year={data['year']}")
    targets = Target.objects.filter(unit=province).select_related("title_type") if province else Target.objects.none()
    context = {
        "unit": province or unit,
        "year": year,
        "types": TitleType.objects.filter(active=True).exclude(denominator="").order_by("order"),
        "targets": targets,
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "learning_models/target_list.html", context, status=400 if form.errors else 200)
