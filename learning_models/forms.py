"""Forms of the titles (registration, review, decisions), the catalogue and the community learning centres."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from chapters import scoping
from chapters.forms import DATE_HELP, UnitChoiceField, VietnameseDateField
from chapters.mixins import VersionedModelForm, preselect_only_choice
from chapters.models import Unit
from chapters.pickers import use_unit_picker
from core.text import nfc
from core.years import MAX_YEAR, MIN_YEAR
from learning_models.models import CriteriaSet, LearningClass, Target, TitleRecord, TitleType
from learning_models.services.classes import parse_participants

YEAR_HELP = "Năm của danh hiệu, ví dụ 2025."


def year_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=kwargs.pop("label", "Năm"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "min_value": f"Năm phải từ {MIN_YEAR} trở đi.",
            "max_value": "Năm không hợp lệ.",
            "invalid": "Hãy nhập năm bằng số, ví dụ 2025.",
            "required": "Hãy nhập năm.",
        },
        **kwargs,
    )


class SubjectChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "Đối tượng không có trong danh sách hoặc nằm ngoài phạm vi của bạn."}

    def label_from_instance(self, obj):
        if isinstance(obj, Unit):
            return obj.display_name
        return str(obj)


class RegistrationForm(forms.Form):
    """Register one subject: the subject field shown depends on the title type chosen before."""

    year = year_field(help_text=YEAR_HELP)
    registered_on = VietnameseDateField(label="Ngày đăng ký", required=False, help_text="Để trống: hôm nay.")
    evidence = forms.CharField(label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, title_type: TitleType, subjects=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.title_type = title_type
        kind = title_type.subject_kind
        if kind == TitleType.Subject.PERSON:
            self.fields["person_name"] = forms.CharField(label="Họ và tên", max_length=150)
            self.fields["unit"] = UnitChoiceField(queryset=units, label="Chi hội")
        else:
            label = {
                TitleType.Subject.HOUSEHOLD: "Hộ gia đình (chủ hộ)",
                TitleType.Subject.CLAN: "Dòng họ",
                TitleType.Subject.UNIT: "Đơn vị",
            }[kind]
            self.fields["subject"] = SubjectChoiceField(queryset=subjects, label=label)
        self.order_fields(["subject", "person_name", "unit", "year", "registered_on", "evidence"])

    def clean_person_name(self):
        name = nfc(self.cleaned_data["person_name"])
        if not name:
            raise ValidationError("Hãy nhập họ và tên.")
        return name


class BulkRegistrationForm(forms.Form):
    title_type = forms.ModelChoiceField(queryset=TitleType.objects.filter(active=True), label="Danh hiệu")
    registered_on = VietnameseDateField(label="Ngày đăng ký", required=False)


class ReviewForm(forms.Form):
    review_date = VietnameseDateField(label="Ngày họp bình xét", help_text=DATE_HELP)
    note = forms.CharField(label="Biên bản số, ghi chú", max_length=255, required=False)


class DecisionForm(forms.Form):
    decision_number = forms.CharField(
        label="Số quyết định",
        max_length=60,
        required=False,
        help_text="Ví dụ 125/QĐ-UBND.",
    )
    decision_date = VietnameseDateField(label="Ngày ký", required=False, help_text=DATE_HELP)
    decision_issuer = forms.CharField(
        label="Cơ quan ra quyết định", max_length=255, required=False, help_text="Ví dụ: UBND phường Bạch Đằng."
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Lý do", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class TitleTypeForm(VersionedModelForm):
    unit_kinds = forms.MultipleChoiceField(
        label="Loại đơn vị", choices=Unit.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit_levels = forms.MultipleChoiceField(
        label="Cấp của đơn vị", choices=Unit.Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit_hosts = forms.MultipleChoiceField(
        label="Nơi tổ chức", choices=Unit.Host.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    parent_levels = forms.MultipleChoiceField(
        label="Cấp của hội quản lý", choices=Unit.Level.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TitleType
        fields = [
            "code",
            "name",
            "subject_kind",
            "unit_kinds",
            "unit_levels",
            "unit_hosts",
            "parent_levels",
            "years_valid",
            "denominator",
            "national_target",
            "target_from_year",
            "target_year",
            "target_basis",
            "owner",
            "active",
            "order",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        if self.instance.pk and self.instance.records.exists():
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Đã có hồ sơ: không đổi mã được."


class CriteriaSetForm(VersionedModelForm):
    class Meta:
        model = CriteriaSet
        fields = [
            "name",
            "basis",
            "year_from",
            "year_until",
            "threshold",
            "level1_threshold",
            "level2_threshold",
            "recognition_only",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CriterionRowForm(forms.Form):
    code = forms.CharField(label="Mã", max_length=10, required=False)
    label = forms.CharField(label="Nội dung", max_length=500, required=False)
    parent_code = forms.CharField(label="Thuộc tiêu chí", max_length=10, required=False)
    max_points = forms.CharField(label="Điểm tối đa", max_length=8, required=False)
    min_points = forms.CharField(label="Điểm tối thiểu", max_length=8, required=False)


CriterionFormSet = forms.formset_factory(CriterionRowForm, extra=3, max_num=60, absolute_max=60)


class CriteriaSetCopyForm(forms.Form):
    issuer = UnitChoiceField(queryset=Unit.objects.none(), label="Hội tỉnh ban hành")
    name = forms.CharField(label="Tên bộ tiêu chí mới", max_length=255, required=False)
    year_from = year_field(label="Áp dụng từ năm")
    year_until = year_field(label="Đến năm", required=False)

    def __init__(self, *args, issuers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers


class TargetForm(VersionedModelForm):
    class Meta:
        model = Target
        fields = ["title_type", "year", "year_until", "percent", "basis"]


class LearningClassForm(VersionedModelForm):
    starts_on = VietnameseDateField(label="Ngày bắt đầu", help_text=DATE_HELP)
    ends_on = VietnameseDateField(label="Ngày kết thúc", required=False)
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị tổ chức")
    participant_names = forms.CharField(
        label="Danh sách học viên (không bắt buộc)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Mỗi dòng một người; có thể dán từ Excel.",
    )

    class Meta:
        model = LearningClass
        fields = ["unit", "topic", "starts_on", "ends_on", "sessions", "attendances", "place", "organiser", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        use_unit_picker(self, "unit", actions=(scoping.CHANGE,))
        preselect_only_choice(self, "unit")
        if self.instance.pk:
            self.fields["participant_names"].initial = "\n".join(p.name for p in self.instance.participants.all())

    def clean_starts_on(self):
        day = self.cleaned_data["starts_on"]
        if day and day > timezone.localdate().replace(year=timezone.localdate().year + 1):
            raise ValidationError("Ngày bắt đầu quá xa trong tương lai.")
        return day

    def participants(self) -> list[str] | None:
        text = self.cleaned_data.get("participant_names", "")
        names = parse_participants(text)
        return names if names or self.instance.pk else None


STATUS_CHOICES = [("", "Mọi trạng thái"), *TitleRecord.Status.choices]


BULK_ACTION_CHOICES = [
    ("review", "Ghi nhận họp bình xét (chi hội)"),
    ("propose", "Đề nghị công nhận (hội cấp xã)"),
    ("recognise", "Công nhận theo quyết định"),
]


class BulkSelectionForm(forms.Form):
    """Which records a bulk action touches: read from the address, so the count shown and the count confirmed
    come from the same filters."""

    action = forms.ChoiceField(label="Thao tác", choices=BULK_ACTION_CHOICES)
    title = forms.ModelChoiceField(
        label="Danh hiệu",
        queryset=TitleType.objects.filter(active=True).order_by("order", "name"),
        to_field_name="code",
        error_messages={"required": "Hãy chọn danh hiệu.", "invalid_choice": "Không có danh hiệu này."},
    )
    within = forms.ModelChoiceField(
        label="Trong đơn vị",
        queryset=Unit.objects.none(),
        required=False,
        help_text="Một xã, một chi hội bên dưới; để trống: cả đơn vị đang xem.",
        error_messages={"invalid_choice": "Đơn vị không tồn tại hoặc nằm ngoài phạm vi của bạn."},
    )
    min_total = forms.DecimalField(
        label="Tổng điểm từ",
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=1,
        help_text="Chỉ các hồ sơ có tổng điểm từ mức này trở lên.",
        localize=True,
    )
    meets_threshold = forms.BooleanField(label="Chỉ hồ sơ đạt điểm công nhận của bộ tiêu chí", required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["within"].queryset = units
        self.fields["within"].label_from_instance = lambda unit: f"{unit.display_name} ({unit.code})"


class BulkActionForm(forms.Form):
    """The action's own data and the user's confirmation of how many records it will touch."""

    review_date = VietnameseDateField(label="Ngày họp bình xét", required=False, help_text=DATE_HELP)
    note = forms.CharField(label="Biên bản số, ghi chú", max_length=255, required=False)
    decision_number = forms.CharField(
        label="Số quyết định", max_length=60, required=False, help_text="Ví dụ 125/QĐ-UBND."
    )
    decision_date = VietnameseDateField(label="Ngày ký quyết định", required=False, help_text=DATE_HELP)
    decision_issuer = forms.CharField(label="Cơ quan ra quyết định", max_length=255, required=False)
    confirm = forms.BooleanField(
        label="Tôi đã xem số hồ sơ và xác nhận thực hiện",
        error_messages={"required": "Hãy đánh dấu xác nhận trước khi thực hiện thao tác hàng loạt."},
    )

    FIELDS = {
        "review": ("review_date", "note"),
        "propose": (),
        "recognise": ("decision_number", "decision_date", "decision_issuer"),
    }

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("review_date", "note", "decision_number", "decision_date", "decision_issuer"):
            if name not in self.FIELDS.get(action, ()):
                del self.fields[name]
