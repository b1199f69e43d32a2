"""Forms of the fund screens: funds, vouchers (amounts typed as "1.500.000"), transfers and periods."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from chapters import scoping
from chapters.mixins import VersionedModelForm, preselect_only_choice
from chapters.models import Summary, Unit
from chapters.pickers import use_unit_picker
from core import formatting
from core.text import nfc

from .models import MAX_AMOUNT, Fund, Transaction
from .services.vouchers import EDITABLE_FIELDS

_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_SPACED = re.compile(r"^\d{1,3}( \d{3})+$")


def parse_amount(value, *, allow_negative: bool = False) -> int:
    """Whole đồng from what people type: "1500000", "1.500.000", "1 500 000", "1.500.000 đ".

    Refuses fractions ("1,5", "1.500.000,50"), negative amounts and anything that is not a number, with a
    Vietnamese message. Numbers read from a spreadsheet cell arrive as int or float.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError("Hãy nhập số tiền.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError("Số tiền phải là số nguyên đồng, không có phần lẻ.")
        number = int(value)
    else:
        text = nfc(str(value)).lower()
        for suffix in ("đồng", "vnđ", "vnd", "đ"):
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
                break
        negative = text.startswith("-")
        text = text.lstrip("-").strip()
        if not text:
            raise ValidationError("Hãy nhập số tiền.")
        if "," in text:
            raise ValidationError("Số tiền phải là số nguyên đồng, không có phần lẻ (dấu phẩy là phần thập phân).")
        if text.isdigit():
            number = int(text)
        elif _GROUPED.match(text) or _SPACED.match(text):
            number = int(text.replace(".", "").replace(" ", ""))
        else:
            raise ValidationError("Số tiền không hợp lệ: chỉ gồm chữ số, có thể ngăn cách bằng dấu chấm (1.500.000).")
        number = -number if negative else number
    if number < 0 and not allow_negative:
        raise ValidationError("Số tiền không được âm.")
    if abs(number) > MAX_AMOUNT:
        raise ValidationError("Số tiền quá lớn, hãy kiểm tra lại.")
    return number


class MoneyField(forms.Field):
    """A whole-đồng amount typed with or without "." thousands separators."""

    widget = forms.TextInput

    def __init__(self, *, allow_zero: bool = False, allow_negative: bool = False, **kwargs):
        self.allow_zero = allow_zero
        self.allow_negative = allow_negative
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": "30", "placeholder": "Ví dụ: 1.500.000"}
        )

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return formatting.number(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        number = parse_amount(value, allow_negative=self.allow_negative)
        if number == 0 and not self.allow_zero:
            raise ValidationError("Số tiền phải lớn hơn 0.")
        return number


class DateInput(forms.DateInput):
    """dd/mm/yyyy typed text: works the same on every phone and reads like the paper voucher."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": "ngày/tháng/năm", "inputmode": "numeric", **(attrs or {})}, format="%d/%m/%Y"
        )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form shows it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class FundForm(VersionedModelForm):
    """A fund, with the balance its books start from when it is new."""

    opening_year = forms.IntegerField(
        label="Năm bắt đầu ghi sổ",
        required=False,
        min_value=1990,
        max_value=2100,
        help_text="Số dư đầu kỳ là số tiền quỹ đang có vào ngày 01/01 của năm này (chuyển từ sổ giấy).",
    )
    opening_amount = MoneyField(label="Số dư đầu kỳ (đồng)", required=False, allow_zero=True)

    class Meta:
        model = Fund
        fields = ["unit", "name", "description", "allow_negative", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = self.unit_choices(user)
        self.fields["description"].widget.attrs["rows"] = 3
        use_unit_picker(self, "unit", actions=(scoping.CHANGE, scoping.MANAGE))
        preselect_only_choice(self, "unit")
        if self.instance.pk:
            # A fund stays with its unit: its vouchers are that unit's facts.
            self.fields["unit"].disabled = True
            del self.fields["opening_year"], self.fields["opening_amount"]
        else:
            self.fields["opening_year"].initial = timezone.localdate().year

    @staticmethod
    def unit_choices(user):
        """Units where the user may open a fund, as secretary or administrator; closed units too, so that the
        books of a pre-reform association can be keyed for the years it was open."""
        where = scoping.scope_q(user, scoping.CHANGE, unit_field="") | scoping.scope_q(
            user, scoping.MANAGE, unit_field=""
        )
        return Unit.objects.filter(where).ordered()

    def clean_name(self):
        return nfc(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        if "opening_amount" in self.fields and data.get("opening_amount") and not data.get("opening_year"):
            self.add_error("opening_year", "Hãy ghi năm của số dư đầu kỳ.")
        return data


class OpeningBalanceForm(forms.Form):
    year = forms.IntegerField(label="Năm bắt đầu ghi sổ", min_value=1990, max_value=2100)
    amount = MoneyField(label="Số dư đầu kỳ (đồng)", allow_zero=True)
    notes = forms.CharField(label="Ghi chú", required=False, max_length=255)


class TransactionForm(VersionedModelForm):
    """A receipt or a payment voucher. The purposes offered depend on its kind."""

    amount = MoneyField(label="Số tiền (đồng)")
    date = forms.DateField(label="Ngày", widget=DateInput())

    class Meta:
        model = Transaction
        fields = EDITABLE_FIELDS  # what a secretary may enter is what she may correct before printing
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, kind: str, editable: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        receipt = kind == Transaction.Kind.RECEIPT
        purposes = Transaction.RECEIPT_PURPOSES if receipt else Transaction.PAYMENT_PURPOSES
        self.fields["purpose"].choices = [(p.value, p.label) for p in purposes]
        self.fields["counterparty_type"].choices = [
            choice for choice in Transaction.Counterparty.choices if choice[0] != Transaction.Counterparty.UNIT
        ]
        self.fields["counterparty_type"].label = "Người nộp tiền là" if receipt else "Người nhận tiền là"
        self.fields["counterparty_name"].label = "Họ tên người nộp" if receipt else "Họ tên người nhận"
        self.fields["counterparty_name"].help_text = (
            "Có thể để trống khi nhà hảo tâm giấu tên." if receipt else "Người nhận ký vào danh sách, phiếu chi."
        )
        self.fields["reason"].label = "Lý do nộp" if receipt else "Lý do chi"
        member = self.fields["member_id"]
        member.label = "Hội viên"
        member.help_text = "Khi người nộp, người nhận là hội viên: gõ tên, số thẻ hoặc số điện thoại rồi chọn."
        # The member picker (static/js/app.js) searches members in the user's scope; without scripts the box
        # still takes the member's number.
        member.widget = forms.TextInput(
            attrs={
                "data-picker": reverse("members:member_search"),
                "data-picker-fill": "counterparty_name",
                "data-picker-choose": "counterparty_type=member",
                "autocomplete": "off",
            }
        )
        self.fields["in_kind_description"].help_text = "Ví dụ: 50 chiếc xe đạp; số tiền ghi giá trị quy ra tiền."
        if not self.instance.pk:
            # A ModelForm's initial comes from its (empty) instance first: set it there.
            self.initial.setdefault("date", None)
            self.initial["date"] = self.initial["date"] or timezone.localdate()
            self.initial["purpose"] = self.initial.get("purpose") or purposes[0].value
        if editable is not None:
            for name, field in self.fields.items():
                if name not in editable and name != "version":
                    field.disabled = True

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day and day > timezone.localdate():
            raise ValidationError("Ngày của phiếu không được sau hôm nay.")
        return day

    def clean(self):
        data = super().clean()
        kind = data.get("counterparty_type")
        if kind and kind != Transaction.Counterparty.ANONYMOUS and not data.get("counterparty_name"):
            if not (kind == Transaction.Counterparty.MEMBER and data.get("member_id")):
                self.add_error("counterparty_name", "Hãy ghi họ tên (hoặc chọn «Nhà hảo tâm giấu tên»).")
        if data.get("in_kind") and not data.get("in_kind_description"):
            self.add_error("in_kind_description", "Hãy ghi hiện vật là gì.")
        return data

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class ReverseForm(forms.Form):
    date = forms.DateField(label="Ngày ghi âm", widget=DateInput())
    reason = forms.CharField(label="Lý do hủy phiếu", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class TransferForm(forms.Form):
    """A transfer from one fund: the receiving unit named by its code."""

    to_unit_code = forms.CharField(
        label="Mã đơn vị nhận",
        max_length=30,
        help_text="Mã của hội, chi hội nhận tiền (xem ở trang đơn vị). Gõ để chọn trong danh sách gợi ý.",
    )
    amount = MoneyField(label="Số tiền (đồng)")
    date = forms.DateField(label="Ngày chuyển", widget=DateInput())
    reason = forms.CharField(label="Nội dung", max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["to_unit_code"].widget.attrs.update({"list": "unit-codes", "autocomplete": "off"})
        self.to_unit = None

    def clean(self):
        data = super().clean()
        code = nfc(data.get("to_unit_code", "")).upper()
        day = data.get("date") or timezone.localdate()
        if code:
            unit = Unit.objects.filter(code__iexact=code).open_on(day).first()
            if unit is None:
                self.add_error(
                    "to_unit_code",
                    f"Không có đơn vị nào mang mã {code} đang hoạt động vào ngày {formatting.date(day)}.",
                )
            self.to_unit = unit
        if day > timezone.localdate():
            self.add_error("date", "Ngày chuyển không được sau hôm nay.")
        return data


class TransferConfirmForm(forms.Form):
    to_fund = forms.ModelChoiceField(
        label="Nhận vào quỹ",
        queryset=Fund.objects.none(),
        required=False,
        empty_label="Quỹ Khuyến học của đơn vị (tạo mới nếu chưa có)",
    )
    date = forms.DateField(label="Ngày nhận", widget=DateInput())
    note = forms.CharField(label="Ghi chú", max_length=255, required=False)

    def __init__(self, *args, transfer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_fund"].queryset = (
            Fund.objects.filter(unit=transfer.to_unit).active().exclude(pk=transfer.from_fund_id)
        )
        self.fields["date"].initial = timezone.localdate()


class DecisionNoteForm(forms.Form):
    note = forms.CharField(label="Lý do", max_length=255, required=False)


class PeriodForm(forms.Form):
    """The period a page shows: a year, one of its halves, or any span of dates."""

    PERIODS = [
        (Summary.Period.YEAR, "Cả năm"),
        (Summary.Period.H1, "6 tháng đầu năm"),
        (Summary.Period.H2, "6 tháng cuối năm"),
        ("custom", "Từ ngày đến ngày"),
    ]

    year = forms.TypedChoiceField(label="Năm", coerce=int, required=False)
    period = forms.ChoiceField(label="Kỳ", choices=PERIODS, required=False)
    start = forms.DateField(label="Từ ngày", required=False, widget=DateInput())
    end = forms.DateField(label="Đến ngày", required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, 2009, -1)]

    def clean(self):
        data = super().clean()
        this_year = timezone.localdate().year
        data["year"] = data.get("year") or this_year
        data["period"] = data.get("period") or Summary.Period.YEAR
        if data["period"] == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise ValidationError("Hãy nhập cả ngày bắt đầu và ngày kết thúc.")
            if end < start:
                raise ValidationError("Ngày kết thúc không được trước ngày bắt đầu.")
        return data

    def bounds(self) -> tuple[int, str, datetime.date, datetime.date]:
        """(year, period, start, end) of a valid form, the current year when it is not valid."""
        from chapters.summaries import period_bounds

        data = self.cleaned_data if self.is_valid() else {"year": timezone.localdate().year, "period": "Y"}
        if data["period"] == "custom":
            return data["start"].year, "custom", data["start"], data["end"]
        start, end = period_bounds(data["year"], data["period"])
        return data["year"], data["period"], start, end

    def label(self) -> str:
        year, period, start, end = self.bounds()
        if period == "custom":
            return f"từ {formatting.date(start)} đến {formatting.date(end)}"
        return {"Y": f"năm {year}", "H1": f"6 tháng đầu năm {year}", "H2": f"6 tháng cuối năm {year}"}[period]
