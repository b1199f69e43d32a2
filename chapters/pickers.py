"""One searchable unit picker for every unit field that can list thousands of units (a province's fund form,
a province secretary's member form): a plain text input that takes a unit's code, which the script in
static/js/app.js turns into a search box over `unit_search` (scoped by `chapters.scoping`, like the field)."""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse

from chapters.models import Unit
from core.text import nfc

# Above this many choices a dropdown stops being usable on a phone (and costs its whole list in HTML).
PICKER_THRESHOLD = 150


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices of a field that `offer_rows` gave the rows it offers: rendering it reads nothing. Django's own
    iterator runs the field's queryset again each time, through a server-side cursor (three round trips)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.offered_rows:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.offered_rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.offered_rows)


def offer_rows(field: forms.ModelChoiceField, rows: list) -> None:
    """Make the dropdown `field` list `rows`, which the caller read from the field's queryset (all of them, in its
    order): a page that needed the rows anyway (how many there are, the only one) reads them once. What a person
    sends is still checked against the queryset."""
    field.offered_rows = list(rows)
    field.iterator = ListedChoiceIterator
    field.widget.choices = field.choices


def first_rows(queryset, limit: int) -> list:
    """The first `limit + 1` rows of `queryset`: all of them when there are at most `limit`, one query either way
    (rather than a count, then the rows)."""
    return list(queryset[: limit + 1])


class UnitPickerInput(forms.TextInput):
    """A text input for a unit's code; carries the search address and the chosen unit's name for the script."""

    def __init__(self, *, search: dict[str, str], attrs=None):
        self.search = search
        super().__init__(
            attrs={
                "autocomplete": "off",
                "placeholder": "Gõ tên hoặc mã đơn vị",
                "spellcheck": "false",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-picker"] = reverse("chapters:unit_search") + "?" + urlencode(self.search)
        if value:
            unit = unit_for_value(Unit.objects.all(), value)
            if unit is not None:
                widget_attrs["data-picker-label"] = picker_label(unit)
        return context


def picker_label(unit: Unit) -> str:
    """ "Phường Bạch Đằng (10001)"; a closed unit says until when: "Quận Cầu Giấy (005, đến 30/06/2025)"."""
    if unit.active_until is not None:
        return f"{unit.display_name} ({unit.code}, đến {unit.active_until:%d/%m/%Y})"
    return f"{unit.display_name} ({unit.code})"


def unit_for_value(queryset, value) -> Unit | None:
    """The unit a picker's value names: a code (the open unit first when a closed one had the same code, then the
    latest closed), else an all-digit pk (the search offers the pk of a closed unit whose code another holds)."""
    from django.db.models import F

    text = nfc(str(value)).strip()
    unit = queryset.filter(code__iexact=text).order_by(F("active_until").desc(nulls_first=True), "-pk").first()
    if unit is None and text.isdigit():
        unit = queryset.filter(pk=int(text)).first()
    return unit


class UnitPickerField(forms.ModelChoiceField):
    """A unit chosen by its code (typed, or picked from the search); pks are accepted too (links, old forms)."""

    default_error_messages = {
        "invalid_choice": "Không có đơn vị mã «%(value)s» trong phạm vi của bạn. Hãy gõ tên rồi chọn trong danh sách."
    }

    def __init__(self, queryset, *, search: dict[str, str], **kwargs):
        kwargs.setdefault("widget", UnitPickerInput(search=search))
        super().__init__(queryset, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Unit):
            return value.code
        if isinstance(value, int) and not isinstance(value, bool):
            # An initial value is a pk; what a person typed (a code, even an all-digit commune code) stays as typed.
            code = self.queryset.filter(pk=value).values_list("code", flat=True).first()
            return code or value
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = nfc(str(value)).strip()
        unit = unit_for_value(self.queryset, text)
        if unit is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text})
        return unit


def use_unit_picker(
    form: forms.Form,
    name: str,
    *,
    actions: tuple[str, ...],
    levels: tuple[str, ...] = (),
    closed: bool = False,
    threshold: int | None = None,
    rows: list | None = None,
) -> None:
    """Turn the unit dropdown `name` into the searchable picker when it would list more than `threshold` units;
    otherwise the dropdown lists the units read to know that (`offer_rows`).

    `actions` and `levels` tell the search the same scope the field's queryset was built with; `closed` says the
    field also takes closed units (the search then offers them too, after the open ones, with their end date).
    `rows`: `first_rows(queryset, threshold)` when the caller read them already."""
    field = form.fields.get(name)
    limit = PICKER_THRESHOLD if threshold is None else threshold
    if field is None or field.disabled:
        return
    rows = first_rows(field.queryset, limit) if rows is None else rows
    if len(rows) <= limit:
        offer_rows(field, rows)
        return
    search = {"action": ",".join(actions)}
    if levels:
        search["level"] = ",".join(levels)
    if closed:
        search["closed"] = "1"
    picker = UnitPickerField(
        field.queryset,
        search=search,
        label=field.label,
        required=field.required,
        help_text=field.help_text or "Gõ vài chữ của tên (không cần dấu) hoặc mã đơn vị, rồi chọn.",
        initial=field.initial,
    )
    form.fields[name] = picker
    if form.initial.get(name) is not None:
        form.initial[name] = picker.prepare_value(form.initial[name])
