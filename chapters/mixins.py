"""View and form helpers shared by every app: scoped querysets, scoped objects, versioned saves, history."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from chapters.pickers import UnitPickerField
from chapters.services.records import EditConflict, record_save
from core.formatting import decimal, number
from core.text import person_name
from core.views import UNIT_PARAM


class ScopedQuerysetMixin:
    """For generic views: the queryset is restricted to the user's scope in SQL.

    Out of scope → 404 (the object is simply not in the queryset); in scope but `action` not allowed → 403.
    `unit_field` names the path from the model to its unit ("" for Unit itself, "fund__unit", ...).
    """

    action = scoping.VIEW
    unit_field = "unit"

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, scoping.VIEW, unit_field=self.unit_field)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if self.action != scoping.VIEW:
            scoping.ensure_can(self.request.user, self.action, self.unit_of(obj))
        return obj

    def unit_of(self, obj):
        unit = obj
        for part in filter(None, self.unit_field.split("__")):
            unit = getattr(unit, part)
        return unit


def restrict_unit_field(form: forms.Form, field_name: str, user, action=scoping.CHANGE, queryset=None) -> None:
    """Limit a unit dropdown to the units the user may act on (NetBox restrict_form_fields)."""
    field = form.fields.get(field_name)
    if field is not None:
        base = queryset if queryset is not None else field.queryset
        field.queryset = scoping.restrict(base, user, action, unit_field="").ordered()


def preselect_only_choice(form: forms.Form, field_name: str) -> None:
    """A unit field with one choice (a secretary's only chapter) starts on it, so the first save succeeds."""
    field = form.fields.get(field_name)
    if field is None or form.is_bound or form.initial.get(field_name) or getattr(field, "initial", None):
        return
    if isinstance(field, UnitPickerField):  # `use_unit_picker` found more than a dropdown can list
        return
    rows = getattr(field, "offered_rows", None)  # `use_unit_picker` read them (`offer_rows`)
    only = [row.pk for row in rows[:2]] if rows is not None else list(field.queryset.values_list("pk", flat=True)[:2])
    if len(only) == 1:
        form.initial[field_name] = only[0]


class VersionedModelForm(forms.ModelForm):
    """A ModelForm that carries the record's version, so a stale save is refused rather than lost."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def save_with_history(self, *, actor, reason: str = ""):
        """Save through record_save: history, closed periods and the version check. Returns the instance,
        or None with the problem added to the form's errors."""
        instance = super().save(commit=False)
        try:
            record_save(instance, actor=actor, expected_version=self.cleaned_data.get("version"), reason=reason)
        except EditConflict as conflict:
            self.add_error(None, conflict)
            self.data = self.data.copy()
            self.data["version"] = conflict.current.version
            return None
        except ValidationError as error:
            self._add_validation_error(error)
            return None
        self.save_m2m()
        return instance

    def _add_validation_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


def history_entries(obj, limit: int = 50) -> list[dict]:
    """A record's history as dicts for includes/history.html: who, when, what changed from what to what."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    actions = {"+": "Tạo mới", "~": "Sửa", "-": "Xóa"}
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                if change.field in ("version",):
                    continue
                field = obj._meta.get_field(change.field)
                label = str(field.verbose_name)
                changes.append(
                    {
                        "name": change.field,
                        "field": label[:1].upper() + label[1:],
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        user = record.history_user
        entries.append(
            {
                "who": person_name(user) if user else (record.history_change_reason or "Hệ thống"),
                "when": record.history_date,
                "action": actions.get(record.history_type, record.history_type),
                "reason": record.history_change_reason if user else "",
                "changes": changes,
            }
        )
    return entries


def _display(field, value):
    """A stored value as a person reads it: choice labels, names, Vietnamese dates and numbers, no Python."""
    if value is None or value == "" or value == {} or value == []:
        return ""
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        if related is None:
            return value
        return person_name(related) if isinstance(related, AbstractBaseUser) else str(related)
    if isinstance(field, models.BooleanField):
        return "Có" if value else "Không"
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%H:%M %d/%m/%Y")
            if timezone.is_aware(value)
            else f"{value:%H:%M %d/%m/%Y}"
        )
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int) and not isinstance(value, bool):
        # Amounts (whole đồng, big integer columns) read with thousands; years, counts and numbers as typed.
        money_like = isinstance(field, models.BigIntegerField | models.PositiveBigIntegerField)
        return number(value) if money_like and not field.name.endswith("_id") else str(value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_plain(item) for item in value)
    return _plain(value)


def _plain(value) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float | Decimal):
        return decimal(value, 2).rstrip("0").rstrip(",")
    return str(value)


def unit_for(request, pk, action: str = scoping.VIEW) -> Unit:
    """A unit through the user's scope: 404 out of sight, 403 when `action` is not allowed."""
    return scoping.get_scoped_object(Unit.objects.all(), request.user, action, unit_field="", pk=pk)


def unit_from(request, action: str = scoping.VIEW) -> Unit:
    """The unit in the address (?unit=12), else the user's own highest unit."""
    value = request.GET.get(UNIT_PARAM) or request.POST.get(UNIT_PARAM)
    if value:
        if not str(value).isdigit():
            raise Http404("Không có đơn vị này.")
        return unit_for(request, value, action)
    unit = scoping.top_units(request.user).first()
    if unit is None:
        raise Http404("Bạn chưa được giao vai trò ở đơn vị nào.")
    if action != scoping.VIEW:
        scoping.ensure_can(request.user, action, unit)
    return unit
