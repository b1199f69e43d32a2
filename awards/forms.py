"""Forms of the awards screens: decisions, recipients, a pasted list, payments and scholarships."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from awards.models import Decision, Recipient, Scholarship
from awards.scans import EXTENSIONS, scan_check
from chapters import scoping
from chapters.forms import DATE_HELP, UnitChoiceField, VietnameseDateField
from chapters.mixins import VersionedModelForm
from chapters.models import Unit
from chapters.pickers import use_unit_picker
from core.spreadsheets.parsing import ParseError, parse_amount
from core.text import nfc
from funds.models import Fund


class MoneyField(forms.CharField):
    """Whole đồng, typed the way people write it: 500.000, 500,000, 500000 đ."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "500.000"})

    def to_python(self, value):
        try:
            return parse_amount(value)
        except ParseError as error:
            raise ValidationError(str(error)) from None


def issuer_units(user):
    """Units a decision can name as issuer: associations in the user's sight and above them, and the units the
    user enters data for (a school chapter awarding its own scholarships)."""
    above = set()
    for unit in scoping.top_units(user):
        above.update(unit.ancestor_ids)
    visible = scoping.units_for(user).filter(kind=Unit.Kind.ASSOCIATION)
    own = scoping.units_for(user, scoping.CHANGE)
    return Unit.objects.filter(
        Q(pk__in=visible.values("pk")) | Q(pk__in=above, kind=Unit.Kind.ASSOCIATION) | Q(pk__in=own.values("pk"))
    )


# What a decision's form edits; the API shows the same fields (api/serializers.py).
DECISION_FIELDS = [
    "number",
    "date",
    "issuer_kind",
    "issuer_unit",
    "issuer_name",
    "issuer_level",
    "occasion",
    "form",
    "with_money",
    "subject",
    "signer",
    "unit",
    "notes",
]


class DecisionForm(VersionedModelForm):
    date = VietnameseDateField(label="Ngày quyết định", help_text=DATE_HELP)
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị lưu quyết định")
    issuer_unit = UnitChoiceField(queryset=Unit.objects.none(), label="Hội ban hành", required=False)
    scan = forms.FileField(
        label="Bản chụp quyết định",
        required=False,
        help_text="Tệp PDF hoặc ảnh (JPG, PNG), tối đa 10 MB. Chỉ người có quyền xem quyết định mới tải được.",
    )

    class Meta:
        model = Decision
        fields = DECISION_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "subject": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.scan_info = None
        self.fields["unit"].queryset = scoping.units_for(user, scoping.CHANGE).ordered()
        self.fields["issuer_unit"].queryset = issuer_units(user).ordered()
        self.fields["issuer_level"].required = False
        use_unit_picker(self, "unit", actions=(scoping.CHANGE,))
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()

    def clean_number(self):
        return nfc(self.cleaned_data["number"])

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        if upload:
            self.scan_info = scan_check(upload)
        return upload

    def apply_scan(self, decision: Decision) -> None:
        """Attach the checked upload under a name of its real type (the original name is kept for download)."""
        if self.scan_info:
            content_type, original = self.scan_info
            upload = self.cleaned_data["scan"]
            upload.name = "quyet-dinh" + EXTENSIONS[content_type]
            decision.scan = upload
            decision.scan_name = original
            decision.scan_content_type = content_type


def decision_units(decision: Decision, user):
    """Units a recipient of `decision` may belong to: the decision's subtree, where the user may enter data."""
    units = Unit.objects.filter(path__startswith=decision.unit.path)
    return scoping.restrict(units, user, scoping.CHANGE, unit_field="").ordered()


class RecipientForm(VersionedModelForm):
    unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        label="Thuộc đơn vị",
        required=False,
        help_text="Chi hội nơi người nhận sinh hoạt, học tập; để trống nếu thuộc chính hội ra quyết định.",
    )
    collective_unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        label="Tập thể là đơn vị của hội",
        required=False,
        help_text="Chọn khi tập thể được khen là chi hội, ban khuyến học; tên sẽ tự điền.",
    )
    amount = MoneyField(label="Số tiền (đồng)", required=False)

    class Meta:
        model = Recipient
        fields = ["kind", "collective_unit", "name", "school", "grade", "achievement", "unit", "amount"]
        widgets = {"achievement": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.decision = decision
        units = decision_units(decision, user)
        self.fields["unit"].queryset = units
        self.fields["collective_unit"].queryset = units
        self.fields["name"].help_text = "Họ tên cá nhân, hoặc tên trường, dòng họ, gia đình, tổ chức được khen."
        if decision.amount_rule == "forbidden":
            del self.fields["amount"]
        elif decision.amount_rule == "required":
            self.fields["amount"].required = True
            self.fields["amount"].error_messages["required"] = "Hãy nhập số tiền."

    def clean_name(self):
        return nfc(self.cleaned_data["name"])


class PasteForm(forms.Form):
    """A list copied from Excel: one recipient a line, columns separated by tabs."""

    text = forms.CharField(
        label="Danh sách (dán từ Excel)",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Mỗi dòng một người, các cột theo thứ tự: Họ và tên · Đối tượng (Tập thể, Nhà giáo, Học sinh, "
        "Cá nhân) · Trường, lớp · Thành tích · Số tiền. Có thể dán cả cột STT và dòng tiêu đề.",
    )
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Thuộc đơn vị")
    default_kind = forms.ChoiceField(
        label="Đối tượng khi cột «Đối tượng» để trống", choices=Recipient.Kind.choices, initial=Recipient.Kind.STUDENT
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = decision_units(decision, user)
        self.fields["unit"].initial = decision.unit_id


def payment_funds(decision: Decision, user):
    """Active funds the user may write vouchers in, of the decision's association, one above or one below."""
    funds = Fund.objects.active().filter(
        Q(unit__path__startswith=decision.unit.path) | Q(unit_id__in=decision.unit.ancestor_ids)
    )
    return scoping.restrict(funds, user, scoping.CHANGE).select_related("unit").order_by("unit__path", "pk")


class FundChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "Quỹ không tồn tại hoặc nằm ngoài phạm vi của bạn."}

    def label_from_instance(self, fund):
        return f"{fund.name} – {fund.unit.display_name}"


class PayForm(forms.Form):
    fund = FundChoiceField(queryset=Fund.objects.none(), label="Chi từ quỹ", empty_label=None)
    paid_on = VietnameseDateField(label="Ngày chi", help_text=DATE_HELP)
    unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        label="Chỉ chi cho người nhận thuộc",
        required=False,
        help_text="Để trống để chi cho tất cả người nhận chưa được chi.",
    )

    def __init__(self, *args, user, decision: Decision, with_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = payment_funds(decision, user)
        self.fields["paid_on"].initial = timezone.localdate()
        if with_unit:
            self.fields["unit"].queryset = Unit.objects.filter(path__startswith=decision.unit.path).ordered()
        else:
            del self.fields["unit"]


class CancelPayoutForm(forms.Form):
    date = VietnameseDateField(label="Ngày hủy", help_text=DATE_HELP)
    reason = forms.CharField(label="Lý do hủy", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ScholarshipForm(VersionedModelForm):
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị")

    class Meta:
        model = Scholarship
        fields = [
            "student_name",
            "birth_year",
            "school",
            "grade",
            "address",
            "programme",
            "unit",
            "start_year",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoping.units_for(user, scoping.CHANGE).ordered()
        if not self.instance.pk:
            self.fields["start_year"].initial = timezone.localdate().year


def scholarship_decisions(scholarship: Scholarship, user):
    """Scholarship decisions a yearly award can be entered under: the user may enter data there, the
    scholarship's unit lies below, and the decision is not older than the scholarship."""
    decisions = Decision.objects.filter(form=Decision.Form.SCHOLARSHIP, year__gte=scholarship.start_year)
    decisions = scoping.restrict(decisions, user, scoping.CHANGE)
    ancestors = scholarship.unit.ancestor_ids or [scholarship.unit_id]
    return decisions.filter(unit_id__in=ancestors).select_related("unit").order_by("-date", "-pk")


class DecisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, decision):
        return f"{decision.number} ngày {decision.date:%d/%m/%Y} – {decision.unit.display_name}"


class ScholarshipAwardForm(forms.Form):
    decision = DecisionChoiceField(queryset=Decision.objects.none(), label="Theo quyết định cấp học bổng")
    amount = MoneyField(label="Số tiền (đồng)")
    grade = forms.CharField(label="Lớp năm nay", max_length=50, required=False)
    achievement = forms.CharField(label="Kết quả học tập, thành tích", max_length=500, required=False)

    def __init__(self, *args, user, scholarship: Scholarship, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = scholarship_decisions(scholarship, user)
        self.fields["grade"].initial = scholarship.grade


class ScholarshipStopForm(forms.Form):
    year = forms.IntegerField(label="Dừng từ năm", min_value=1990, max_value=2100)
    reason = forms.CharField(label="Lý do dừng", max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


# Filters ---------------------------------------------------------------------------------------------------


class DecisionFilterForm(forms.Form):
    q = forms.CharField(label="Tìm số, trích yếu, nơi ban hành", required=False)
    year = forms.IntegerField(label="Năm", required=False, min_value=1990, max_value=2100)
    occasion = forms.ChoiceField(label="Dịp", required=False, choices=[("", "Tất cả")] + Decision.Occasion.choices)
    form = forms.ChoiceField(label="Hình thức", required=False, choices=[("", "Tất cả")] + Decision.Form.choices)


class RecipientFilterForm(forms.Form):
    PAID_CHOICES = [("", "Tất cả"), ("paid", "Đã chi tiền"), ("unpaid", "Chưa chi tiền")]

    q = forms.CharField(label="Tìm họ tên, tên tập thể (gõ không dấu cũng được)", required=False)
    year = forms.IntegerField(label="Năm quyết định", required=False, min_value=1990, max_value=2100)
    kind = forms.ChoiceField(label="Đối tượng", required=False, choices=[("", "Tất cả")] + Recipient.Kind.choices)
    paid = forms.ChoiceField(label="Chi tiền", required=False, choices=PAID_CHOICES)


class ScholarshipFilterForm(forms.Form):
    q = forms.CharField(label="Tìm học sinh (gõ không dấu cũng được)", required=False)
    status = forms.ChoiceField(
        label="Tình trạng", required=False, choices=[("", "Tất cả")] + Scholarship.Status.choices
    )
    programme = forms.CharField(label="Chương trình", required=False)


class FiguresForm(forms.Form):
    PERIODS = [("Y", "Cả năm"), ("H1", "6 tháng đầu năm"), ("H2", "6 tháng cuối năm")]
    TREES = [("past", "Cây tổ chức của kỳ đó"), ("today", "Cây tổ chức hiện nay")]

    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị", required=False)
    year = forms.IntegerField(label="Năm", min_value=1990, max_value=2100, required=False)
    period = forms.ChoiceField(label="Kỳ", choices=PERIODS, required=False)
    tree = forms.ChoiceField(label="Tổng hợp theo", choices=TREES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Associations (and the units the user holds roles on): a province officer chooses among ~170 communes.
        homes = scoping.top_units(user).values("pk")
        units = scoping.units_for(user).filter(Q(kind=Unit.Kind.ASSOCIATION) | Q(pk__in=homes))
        self.fields["unit"].queryset = units.open_today().ordered()
