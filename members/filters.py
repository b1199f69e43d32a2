"""The member list's search and filters: a plain form that turns GET parameters into a queryset filter."""

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from chapters import scoping
from chapters.models import Unit
from chapters.pickers import first_rows, offer_rows

from .models import Due, Member

# Above this many units in scope, the chapter dropdown lists associations only (a province has ~10,000 chapters).
MAX_UNIT_CHOICES = 400


class UnitFilterField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        prefix = "— " if unit.level == Unit.Level.GRASSROOTS else ""
        return f"{prefix}{unit.display_name}"


def filter_units(user) -> tuple[QuerySet, list[Unit]]:
    """Units offered in the 'chapter' filter: the user's scope, grouped under their associations, or its
    associations only when the scope holds more than a dropdown lists. The queryset (what a choice is checked
    against) and its rows, read in one query (two for a large scope), not a count and then the rows."""
    units = scoping.units_for(user).open_today().order_by("path")
    rows = first_rows(units, MAX_UNIT_CHOICES)
    if len(rows) > MAX_UNIT_CHOICES:
        units = units.filter(kind=Unit.Kind.ASSOCIATION)
        rows = list(units)
    return units, rows


class MemberFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("active", "Đang sinh hoạt"),
        ("left", "Đã ra hội (mọi lý do)"),
        *[(value, label) for value, label in Member.Status.choices if value != "active"],
        ("all", "Tất cả"),
    ]
    q = forms.CharField(
        label="Tìm (họ tên không dấu, số điện thoại, số thẻ)",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "ví dụ: nguyen van duc"}),
    )
    unit = UnitFilterField(label="Chi hội", required=False, queryset=Unit.objects.none(), empty_label="Tất cả")
    status = forms.ChoiceField(label="Tình trạng", choices=STATUS_CHOICES, required=False)
    party = forms.ChoiceField(
        label="Đảng viên", required=False, choices=[("", "Tất cả"), ("yes", "Là đảng viên"), ("no", "Không")]
    )
    joined_year = forms.IntegerField(
        label="Năm vào hội",
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    dues = forms.ChoiceField(label="Hội phí năm nay", required=False, choices=[])

    def __init__(self, data=None, *, user, units=None):
        super().__init__(data)
        self.year = timezone.localdate().year
        if units is not None:
            self.fields["unit"].queryset = units
        else:
            self.fields["unit"].queryset, rows = filter_units(user)
            offer_rows(self.fields["unit"], rows)
        self.fields["dues"].choices = [
            ("", "Tất cả"),
            ("paid", f"Đã nộp năm {self.year}"),
            ("unpaid", f"Chưa nộp năm {self.year}"),
        ]

    def apply(self, qs):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            qs = qs.search(data["q"])
        if data.get("unit"):
            qs = qs.filter(unit__path__startswith=data["unit"].path)
        status = data.get("status") or "active"
        if status == "active":
            qs = qs.filter(left_on__isnull=True)
        elif status == "left":
            qs = qs.filter(left_on__isnull=False)
        elif status != "all":
            qs = qs.filter(left_on__isnull=False, left_reason=status)
        if data.get("party") == "yes":
            qs = qs.filter(party_member=True)
        elif data.get("party") == "no":
            qs = qs.filter(party_member=False)
        if data.get("joined_year"):
            qs = qs.filter(joined_on__year=data["joined_year"])
        if data.get("dues"):
            paid = Exists(Due.objects.filter(member=OuterRef("pk"), year=self.year))
            qs = qs.filter(paid) if data["dues"] == "paid" else qs.filter(~Q(paid))
        return qs
