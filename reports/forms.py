from django import forms

from reports.models import Report, ReportRun


class ReportRequestForm(forms.Form):
    year = forms.IntegerField(label="Năm", min_value=1990, max_value=2100)
    period = forms.ChoiceField(label="Kỳ báo cáo", choices=Report.Period.choices, initial=Report.Period.YEAR)


class ReportTextForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Report
        fields = ["place", "issued_on", "coordination", "assessment", "tasks", "recommendations", "recipients"]
        widgets = {
            "issued_on": forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
            "coordination": forms.Textarea(attrs={"rows": 6}),
            "assessment": forms.Textarea(attrs={"rows": 10}),
            "tasks": forms.Textarea(attrs={"rows": 10}),
            "recommendations": forms.Textarea(attrs={"rows": 5}),
            "recipients": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class RunForm(forms.Form):
    tree = forms.ChoiceField(label="Tổng hợp số liệu", choices=ReportRun.Tree.choices, initial=ReportRun.Tree.PAST)


class ScanForm(forms.Form):
    scan = forms.FileField(label="Bản có chữ ký, đóng dấu (PDF hoặc ảnh)")


class DecisionForm(forms.Form):
    """The level above's decision on one report; `version` is the report's as the page showed it."""

    action = forms.ChoiceField(choices=[("accept", "Chấp nhận"), ("return", "Trả lại"), ("reopen", "Mở lại")])
    reason = forms.CharField(label="Lý do", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WaiveForm(forms.Form):
    year = forms.IntegerField(min_value=1990, max_value=2100, widget=forms.HiddenInput)
    period = forms.ChoiceField(choices=Report.Period.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label="Lý do miễn", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EmailChoiceForm(forms.Form):
    email = forms.BooleanField(label="Nhận thông báo qua e-mail", required=False)
