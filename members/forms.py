"""Forms of the members app: add and edit a member, quick add on a phone, leave, move, dues, erasure,
households and clans. Validation lives on the models (clean) and in the services; forms parse input."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from chapters import scoping
from chapters.forms import UnitChoiceField, VietnameseDateField
from chapters.mixins import VersionedModelForm, preselect_only_choice, restrict_unit_field
from chapters.models import Unit
from chapters.models.tree import PATH_SEPARATOR
from chapters.pickers import first_rows, offer_rows, use_unit_picker
from core.text import nfc

from .models import Clan, Household, Member
from .privacy import can_see_citizen_id


def grassroots_units(user, action=scoping.CHANGE):
    """Open chapters, boards and cells the user may act on: the choices of a member's unit."""
    return scoping.restrict(Unit.objects.filter(level=Unit.Level.GRASSROOTS), user, action).open_today().ordered()


def _required_messages(form: forms.Form) -> None:
    """Required-field messages that name the field ("Họ và tên: hãy điền ...")."""
    for field in form.fields.values():
        field.error_messages["required"] = f"Hãy điền {str(field.label).lower()}."


class MemberForm(VersionedModelForm):
    """Add or edit a member. The unit is chosen on creation only: later it changes through a move."""

    birth_date = VietnameseDateField(label="Ngày sinh", required=False)
    joined_on = VietnameseDateField(label="Ngày vào hội")
    left_on = VietnameseDateField(label="Ngày ra hội", required=False)
    card_issued_on = VietnameseDateField(label="Ngày cấp thẻ", required=False)
    birth_year = forms.IntegerField(
        label="Năm sinh", required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    class Meta:
        model = Member
        fields = [
            "unit",
            "full_name",
            "gender",
            "birth_date",
            "birth_year",
            "ethnicity",
            "phone",
            "address",
            "occupation",
            "party_member",
            "joined_on",
            "card_number",
            "card_issued_on",
            "household",
            "citizen_id",
            "left_on",
            "left_reason",
            "notes",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "citizen_id": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["unit"]
            self.fields["household"].queryset = Household.objects.filter(unit_id=self.instance.unit_id).ordered()
            if not can_see_citizen_id(user, self.instance):
                del self.fields["citizen_id"]
        else:
            self.fields["unit"] = UnitChoiceField(label="Chi hội", queryset=grassroots_units(user))
            use_unit_picker(self, "unit", actions=(scoping.CHANGE,), levels=(Unit.Level.GRASSROOTS,))
            preselect_only_choice(self, "unit")
            del self.fields["household"], self.fields["left_on"], self.fields["left_reason"]
            self.fields["joined_on"].initial = timezone.localdate()
        self.fields["birth_year"].help_text = "Nếu không biết ngày sinh, chỉ cần năm sinh."
        _required_messages(self)

    def clean(self):
        data = super().clean()
        if not data.get("birth_year") and data.get("birth_date"):
            data["birth_year"] = data["birth_date"].year
            self.instance.birth_year = data["birth_year"]
        if not data.get("birth_year") and not data.get("birth_date") and "birth_year" not in self.errors:
            self.add_error("birth_year", "Hãy điền năm sinh (hoặc ngày sinh).")
        return data


class QuickMemberForm(forms.Form):
    """The fastest way to add a member on a phone: name, birth year, gender, phone; chapter and date preset."""

    full_name = forms.CharField(
        label="Họ và tên", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True})
    )
    birth_year = forms.IntegerField(
        label="Năm sinh", widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "ví dụ 1958"})
    )
    gender = forms.ChoiceField(label="Giới tính", choices=Member.Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(
        label="Số điện thoại", max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    unit = UnitChoiceField(label="Chi hội", queryset=Unit.objects.none())
    joined_on = VietnameseDateField(label="Ngày vào hội")
    party_member = forms.BooleanField(label="Là đảng viên", required=False)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, units: list | None = None, **kwargs):
        """`units`: `first_rows(grassroots_units(user), PICKER_THRESHOLD)` when the view read them already."""
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = grassroots_units(user)
        use_unit_picker(self, "unit", actions=(scoping.CHANGE,), levels=(Unit.Level.GRASSROOTS,), rows=units)
        self.fields["joined_on"].initial = timezone.localdate()
        _required_messages(self)

    def clean_full_name(self):
        return nfc(self.cleaned_data["full_name"])


class LeaveForm(forms.Form):
    on = VietnameseDateField(label="Ngày ra hội")
    reason = forms.ChoiceField(label="Lý do", choices=Member.LeftReason.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        _required_messages(self)


class MoveForm(forms.Form):
    """Where to: a chapter of the user's own scope from the list, or any open chapter by its code (outside the
    user's scope the move becomes a request the receiving chapter answers)."""

    MAX_CHOICES = 400

    to_unit = UnitChoiceField(label="Chuyển đến chi hội", queryset=Unit.objects.none(), required=False)
    to_code = forms.CharField(
        label="hoặc mã chi hội nhận",
        max_length=30,
        required=False,
        help_text="Chi hội ngoài phạm vi của bạn: ghi mã của chi hội đó.",
    )
    on = VietnameseDateField(label="Ngày chuyển")
    note = forms.CharField(label="Ghi chú", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = grassroots_units(user)
        # The user's first chapters, read once: the list page also takes her only chapter's dues rate from them.
        self.units = first_rows(units, self.MAX_CHOICES)
        if not 1 < len(self.units) <= self.MAX_CHOICES:
            # One chapter (her own) is no choice; thousands are no list: the code field does the work.
            del self.fields["to_unit"]
            self.fields["to_code"].label = "Mã chi hội nhận"
        else:
            self.fields["to_unit"].queryset = units
            offer_rows(self.fields["to_unit"], self.units)
        self.fields["on"].initial = timezone.localdate()
        _required_messages(self)

    def clean(self):
        data = super().clean()
        code = nfc(data.get("to_code", "")).upper()
        if code:
            unit = Unit.objects.filter(code__iexact=code, level=Unit.Level.GRASSROOTS).open_today().first()
            if unit is None:
                self.add_error("to_code", f"Không có chi hội đang hoạt động nào mang mã {code}.")
            data["to_unit"] = unit
        elif not data.get("to_unit") and not self.has_error("to_unit"):
            self.add_error("to_unit" if "to_unit" in self.fields else "to_code", "Hãy chọn chi hội nhận hoặc ghi mã.")
        return data


class DuesForm(forms.Form):
    year = forms.IntegerField(label="Năm", min_value=1990, max_value=2100)
    amount = forms.CharField(
        label="Số tiền mỗi hội viên (đồng)", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    paid_on = VietnameseDateField(label="Ngày nộp")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["paid_on"].initial = today
        _required_messages(self)

    def clean_amount(self):
        text = self.cleaned_data["amount"].replace(".", "").replace(" ", "").replace("đ", "").replace(",", "")
        if not text.isdigit() or int(text) <= 0:
            raise ValidationError("Số tiền phải là số đồng nguyên lớn hơn 0, ví dụ 60.000.")
        return int(text)


class BulkForm(forms.Form):
    """The action chosen for the members ticked in the list, with that action's own fields."""

    ACTIONS = [("dues", "Đã nộp hội phí"), ("move", "Chuyển sinh hoạt"), ("leave", "Ra hội"), ("cards", "In thẻ")]
    action = forms.ChoiceField(label="Thao tác", choices=ACTIONS)
    ids = forms.CharField(required=False)


class ErasureForm(forms.Form):
    requested_by = forms.CharField(
        label="Theo yêu cầu của",
        max_length=255,
        help_text="Ví dụ: chính hội viên; người đại diện theo pháp luật. Không cần ghi lại tên hội viên.",
    )
    request_date = VietnameseDateField(label="Ngày nhận yêu cầu")
    reference = forms.CharField(label="Số đơn, văn bản yêu cầu", max_length=100, required=False)
    confirm = forms.BooleanField(
        label="Tôi hiểu rằng họ tên, số điện thoại, địa chỉ, CCCD, ngày sinh, số thẻ của hội viên sẽ bị xóa vĩnh "
        "viễn, kể cả trong lịch sử thay đổi."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_date"].initial = timezone.localdate()
        _required_messages(self)
        self.fields["confirm"].error_messages["required"] = "Hãy đánh dấu xác nhận trước khi xóa."


class HouseholdForm(VersionedModelForm):
    class Meta:
        model = Household
        fields = ["unit", "code", "head_name", "address", "people", "phone", "clan", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "phone": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label="Chi hội khu dân cư", queryset=grassroots_units(user))
        use_unit_picker(self, "unit", actions=(scoping.CHANGE,), levels=(Unit.Level.GRASSROOTS,))
        preselect_only_choice(self, "unit")
        clans = household_clans(user)
        if self.instance.pk:
            area = self.instance.unit.parent or self.instance.unit
            clans = clans.filter(unit__path__startswith=area.path)
        self.fields["clan"].queryset = clans.select_related("unit").ordered()
        _required_messages(self)


def household_clans(user):
    """Clans a household may join: those the user sees, and those of the communes around the chapters she
    keeps (a clan gathers families across a commune and is often kept by the commune association, out of a
    chapter secretary's view; she still picks it for a household)."""
    paths = scoping.role_paths(user, scoping.CHANGE)
    if paths is None:
        return Clan.objects.all()
    ancestor_ids = {int(part) for path in paths for part in path.split(PATH_SEPARATOR) if part}
    communes = Unit.objects.filter(pk__in=ancestor_ids, level=Unit.Level.COMMUNE).values_list("path", flat=True)
    around = Q(pk__in=[])
    for path in communes:
        around |= Q(unit__path__startswith=path)
    return Clan.objects.filter(scoping.scope_q(user, scoping.VIEW) | around)


class ClanForm(VersionedModelForm):
    class Meta:
        model = Clan
        fields = ["unit", "name", "representative", "phone", "address", "board", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "phone": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scoping.restrict(
            Unit.objects.filter(level__in=[Unit.Level.GRASSROOTS, Unit.Level.COMMUNE]), user, scoping.CHANGE
        )
        self.fields["unit"] = UnitChoiceField(
            label="Chi hội hoặc hội cấp xã",
            queryset=units.open_today().ordered(),
            help_text=Clan._meta.get_field("unit").help_text,
        )
        use_unit_picker(self, "unit", actions=(scoping.CHANGE,), levels=(Unit.Level.GRASSROOTS, Unit.Level.COMMUNE))
        preselect_only_choice(self, "unit")
        self.fields["board"] = UnitChoiceField(
            label="Ban khuyến học của dòng họ",
            required=False,
            queryset=Unit.objects.filter(host=Unit.Host.CLAN).exclude(kind=Unit.Kind.ASSOCIATION),
        )
        restrict_unit_field(self, "board", user, scoping.VIEW)
        _required_messages(self)


def parse_ids(text: str) -> list[int]:
    return [int(part) for part in text.replace(",", " ").split() if part.isdigit()][:5000]


def default_paid_on(year: int) -> datetime.date:
    today = timezone.localdate()
    return today if today.year == year else datetime.date(year, 12, 31)
