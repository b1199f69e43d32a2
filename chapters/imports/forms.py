"""Forms of the import screens: the upload and the column mapping."""

from django import forms
from django.conf import settings
from django.db.models import Q

from chapters import scoping
from chapters.mixins import restrict_unit_field
from chapters.models import Unit
from core.imports.kinds import all_kinds
from core.spreadsheets.parsing import ParseError
from core.spreadsheets.reading import FileRejected, check_size


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Loại dữ liệu")
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        label="Trong phạm vi đơn vị",
        help_text="Chỉ các đơn vị thuộc đơn vị này được thêm hoặc sửa.",
    )
    as_of = forms.CharField(
        label="Số liệu tính đến ngày",
        required=False,
        max_length=10,
        help_text=(
            "Ngày hoặc năm của số liệu trong tệp (ví dụ 31/12/2024, hoặc 2024). Các dòng không ghi ngày được gắn "
            "vào đơn vị mang mã đó vào ngày này: nhiều mã xã cũ đã được dùng lại cho xã mới từ 01/07/2025. "
            "Để trống: hôm nay."
        ),
    )
    file = forms.FileField(
        label="Tệp Excel hoặc CSV",
        help_text=(
            f"Tệp .xlsx, .xls hoặc .csv, tối đa {settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB. "
            "Có thể dùng bảng tính sẵn có: hệ thống tự nhận các cột theo tên."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.ods"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.name, kind.label) for kind in all_kinds()]
        # Associations and the user's own units: the roots an import is scoped to (a province has ~10,000 units).
        base = Unit.objects.filter(Q(kind=Unit.Kind.ASSOCIATION) | Q(roles__user=user)).distinct().open_today()
        restrict_unit_field(self, "unit", user, scoping.CHANGE, queryset=base)
        if self.fields["unit"].queryset.count() == 1:
            self.fields["unit"].initial = self.fields["unit"].queryset.first()

    def clean_as_of(self):
        from core.imports.jobs import as_of_parse

        try:
            return as_of_parse(self.cleaned_data.get("as_of"))
        except ParseError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_size(uploaded.size)  # from the size alone, before a byte is read
        except FileRejected as error:
            raise forms.ValidationError(error.message) from None
        return uploaded


def mapping_form(job, kind, data=None) -> forms.Form:
    """One choice per column of the file: which field it holds, or "(bỏ qua)"."""
    choices = [("", "(bỏ qua cột này)")] + [(column.field, column.header) for column in kind.columns]
    form = forms.Form(data)
    for column in (job.preview or {}).get("columns", []):
        sample = ", ".join(column.get("sample") or [])
        form.fields[f"col_{column['index']}"] = forms.ChoiceField(
            label=column["header"] or f"Cột {column['index'] + 1}",
            choices=choices,
            required=False,
            initial=column.get("field", ""),
            help_text=f"Ví dụ: {sample}" if sample else "",
        )
    return form


def mapping_from(form) -> dict[str, str]:
    return {name.removeprefix("col_"): value for name, value in form.cleaned_data.items() if name.startswith("col_")}
