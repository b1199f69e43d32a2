"""Forms of the organisation tree, leadership, baseline figures, closed periods and users."""

import datetime

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from chapters import scoping
from chapters.mixins import VersionedModelForm
from chapters.models import BaselineFigure, LeadershipPosition, Role, Term, Unit
from chapters.pickers import use_unit_picker
from chapters.services.users import check_password_strength
from core.text import nfc

DATE_HELP = "Nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2024."


class VietnameseDateField(forms.DateField):
    """dd/mm/yyyy in and out, with a message that says how to type it."""

    widget = forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
    )
    default_error_messages = {"invalid": "Ngày không hợp lệ. " + DATE_HELP}


class UnitChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "Đơn vị không tồn tại hoặc nằm ngoài phạm vi của bạn."}

    def label_from_instance(self, unit):
        closed = "" if unit.active_until is None else f", ngừng hoạt động {unit.active_until:%d/%m/%Y}"
        return f"{unit.display_name} ({unit.code}{closed})"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "invalid_choice": "Đơn vị %(value)s không tồn tại hoặc không thể chọn.",
        "invalid_pk_value": "Đơn vị %(pk)s không hợp lệ.",
        "required": "Hãy chọn ít nhất một đơn vị.",
    }

    def label_from_instance(self, unit):
        return f"{unit.display_name} ({unit.code})"


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


def province_of(unit: Unit) -> Unit | None:
    """The province-level unit above (or equal to) `unit` in today's tree."""
    if unit.level == Unit.Level.PROVINCE:
        return unit
    return Unit.objects.filter(pk__in=unit.ancestor_ids, level=Unit.Level.PROVINCE).first()


def area_of(unit: Unit) -> Unit | None:
    """Where units that can merge with `unit` live: a chapter's commune (or district), a commune's province."""
    ancestors = unit.ancestors()
    if unit.level == Unit.Level.GRASSROOTS:
        associations = [a for a in ancestors if a.kind == Unit.Kind.ASSOCIATION]
        return associations[-1] if associations else None
    provinces = [a for a in ancestors if a.level == Unit.Level.PROVINCE]
    return provinces[-1] if provinces else None


def peer_candidates(user, unit: Unit):
    """Units of the same level, in the same area, that the user may restructure and that are not closed:
    the choices when merging into `unit` or splitting it."""
    today = timezone.localdate()
    kinds = [Unit.Kind.CELL] if unit.kind == Unit.Kind.CELL else [Unit.Kind.CHAPTER, Unit.Kind.BOARD]
    if unit.kind == Unit.Kind.ASSOCIATION:
        kinds = [Unit.Kind.ASSOCIATION]
    qs = scoping.units_for_any(user, scoping.RESTRUCTURE).filter(level=unit.level, kind__in=kinds)
    qs = qs.filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
    area = area_of(unit)
    if area is not None:
        qs = qs.filter(path__startswith=area.path)
    # Neither the unit itself, nor a unit above or below it.
    return qs.exclude(pk__in=unit.ancestor_ids).exclude(path__startswith=unit.path).ordered()


def parent_candidates(user, *, unit: Unit | None = None, preset: Unit | None = None):
    """Units a new or moved unit may be placed under: associations the user may restructure, plus the current
    parent, the parent given in the address, and (for a cell) the chapters next to its chapter."""
    extra = Q(pk__in=[u.pk for u in (preset, unit.parent if unit else None) if u is not None])
    if unit is not None and unit.kind == Unit.Kind.CELL and unit.parent_id:
        extra |= Q(parent_id=unit.parent.parent_id, kind__in=[Unit.Kind.CHAPTER, Unit.Kind.BOARD])
    today = timezone.localdate()
    qs = scoping.units_for_any(user, scoping.RESTRUCTURE).filter(Q(kind=Unit.Kind.ASSOCIATION) | extra)
    # A unit's own subtree stays in the list: choosing it gets the model's clear message about cycles.
    return qs.filter(Q(active_until__isnull=True) | Q(active_until__gte=today)).ordered()


# The organisation tree --------------------------------------------------------------------------------------


class UnitCreateForm(forms.ModelForm):
    parent = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị cấp trên", required=False)
    active_from = VietnameseDateField(label="Hoạt động từ ngày", required=False, help_text=DATE_HELP)

    class Meta:
        model = Unit
        fields = ["parent", "kind", "level", "host", "code", "name", "division_type", "address", "active_from", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "level": "Chỉ chọn với Hội Khuyến học; chi hội, ban và tổ hội luôn thuộc cấp cơ sở.",
            "division_type": "Với hội cấp tỉnh, huyện, xã: tỉnh, thành phố, huyện, quận, xã, phường…",
        }

    def __init__(self, *args, user, preset: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].queryset = parent_candidates(user, preset=preset)
        self.fields["level"].required = False
        self.fields["level"].choices = [("", "---------")] + [
            choice for choice in Unit.Level.choices if choice[0] != Unit.Level.GRASSROOTS
        ]
        if preset is not None:
            self.fields["parent"].initial = preset.pk
            self.fields["kind"].initial = Unit.Kind.CELL if preset.kind != Unit.Kind.ASSOCIATION else Unit.Kind.CHAPTER

    def clean_name(self):
        return nfc(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and kind != Unit.Kind.ASSOCIATION:
            data["level"] = Unit.Level.GRASSROOTS
        elif kind == Unit.Kind.ASSOCIATION and not data.get("level"):
            self.add_error("level", "Hãy chọn cấp của Hội Khuyến học (tỉnh, huyện hay xã).")
        top_level = data.get("level") in (Unit.Level.CENTRAL, Unit.Level.PROVINCE)
        if top_level and not data.get("parent") and not self.user.is_superuser and "parent" not in self.errors:
            # The model lets a province stand alone; only a superuser may add one at the top of the tree.
            self.add_error("parent", "Hãy chọn đơn vị cấp trên.")
        return data


class UnitUpdateForm(VersionedModelForm):
    """A unit's own data for a secretary; its place in the tree, code and dates for an administrator or
    officer (`restructure`). A new name or a move takes effect from `on`."""

    DATA_FIELDS = ["name", "host", "division_type", "address", "notes"]
    STRUCTURE_FIELDS = ["parent", "code", "active_from"]

    parent = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị cấp trên")
    active_from = VietnameseDateField(label="Hoạt động từ ngày", required=False, help_text=DATE_HELP)
    on = VietnameseDateField(
        label="Tên mới hoặc nơi trực thuộc mới có hiệu lực từ ngày",
        required=False,
        help_text="Để trống nếu từ hôm nay. Các báo cáo của thời gian trước vẫn dùng tên và nơi trực thuộc cũ.",
    )

    class Meta:
        model = Unit
        fields = ["name", "parent", "code", "host", "division_type", "address", "active_from", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, restructure: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not restructure:
            for name in self.STRUCTURE_FIELDS:
                del self.fields[name]
        elif self.instance.parent_id:
            self.fields["parent"].queryset = parent_candidates(user, unit=self.instance)
        else:
            del self.fields["parent"]  # a province stays at the top of the tree
        # Associations have an administrative division type; chapters, boards and cells have a host.
        del self.fields["host" if self.instance.kind == Unit.Kind.ASSOCIATION else "division_type"]
        self.unit_fields = [name for name in self.Meta.fields if name in self.fields]

    def clean_name(self):
        return nfc(self.cleaned_data["name"])

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if parent and parent.path.startswith(self.instance.path):
            raise ValidationError("Không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị trực thuộc của nó.")
        if parent and parent.pk != self.instance.parent_id:
            here, there = province_of(self.instance), province_of(parent)
            if here is not None and there is not None and here.pk != there.pk:
                raise ValidationError(
                    f"{parent.display_name} thuộc {there.display_name}; không thể chuyển đơn vị sang tỉnh khác."
                )
        return parent

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()


class UnitCloseForm(forms.Form):
    on = VietnameseDateField(label="Ngày cuối cùng hoạt động", help_text=DATE_HELP)
    reason = forms.CharField(label="Lý do, văn bản", max_length=100, required=False)


class UnitMergeForm(forms.Form):
    predecessors = UnitMultipleChoiceField(queryset=Unit.objects.none(), label="Các đơn vị sáp nhập vào đơn vị này")
    on = VietnameseDateField(
        label="Ngày đầu tiên hoạt động sau sáp nhập",
        help_text="Các đơn vị được sáp nhập ngừng hoạt động từ ngày hôm trước. " + DATE_HELP,
    )
    decision = forms.CharField(label="Theo văn bản", max_length=200, required=False)

    def __init__(self, *args, user, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["predecessors"].queryset = peer_candidates(user, unit)


class UnitSplitForm(forms.Form):
    """Successors (created beforehand), the primary one, and where each open child goes."""

    successors = UnitMultipleChoiceField(queryset=Unit.objects.none(), label="Các đơn vị kế thừa")
    primary = UnitChoiceField(
        queryset=Unit.objects.none(),
        label="Đơn vị kế thừa chính",
        help_text="Nhận số liệu của chính đơn vị bị chia tách (quỹ, hồ sơ) và các đơn vị trực thuộc không chỉ định.",
    )
    on = VietnameseDateField(
        label="Ngày đầu tiên hoạt động sau chia tách",
        help_text="Đơn vị bị chia tách ngừng hoạt động từ ngày hôm trước. " + DATE_HELP,
    )
    decision = forms.CharField(label="Theo văn bản", max_length=200, required=False)

    def __init__(self, *args, user, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = peer_candidates(user, unit)
        self.fields["successors"].queryset = candidates
        self.fields["primary"].queryset = candidates
        self.candidates = list(candidates)
        choices = [("", "(về đơn vị kế thừa chính)")] + [
            (str(u.pk), f"{u.display_name} ({u.code})") for u in self.candidates
        ]
        today = timezone.localdate()
        self.children = list(unit.children.filter(Q(active_until__isnull=True) | Q(active_until__gte=today)).ordered())
        for child in self.children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=f"{child.display_name} chuyển về", choices=choices, required=False
            )

    def clean(self):
        data = super().clean()
        successors = list(data.get("successors") or [])
        primary = data.get("primary")
        if successors and len(successors) < 2:
            self.add_error("successors", "Chia tách cần ít nhất hai đơn vị kế thừa.")
        if primary and successors and primary not in successors:
            self.add_error("primary", "Đơn vị kế thừa chính phải là một trong các đơn vị kế thừa đã chọn.")
        by_pk = {str(u.pk): u for u in successors}
        self.assignments: dict[int, Unit] = {}
        for child in self.children:
            choice = data.get(f"child_{child.pk}")
            if not choice:
                continue
            if choice not in by_pk:
                self.add_error(f"child_{child.pk}", "Hãy chọn một trong các đơn vị kế thừa đã chọn ở trên.")
            else:
                self.assignments[child.pk] = by_pk[choice]
        return data

    def child_fields(self):
        return [self[f"child_{child.pk}"] for child in self.children]


class TreeDateForm(forms.Form):
    ngay = VietnameseDateField(label="Cây tổ chức vào ngày", required=False)


# Leadership -------------------------------------------------------------------------------------------------


class TermForm(VersionedModelForm):
    congress_on = VietnameseDateField(label="Ngày đại hội", required=False, help_text=DATE_HELP)

    class Meta:
        model = Term
        fields = ["start_year", "end_year", "congress", "congress_on"]

    def clean(self):
        data = super().clean()
        start = data.get("start_year")
        if start:
            clash = Term.objects.filter(unit=self.instance.unit, start_year=start).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("start_year", f"Đơn vị đã có nhiệm kỳ bắt đầu năm {start}.")
        return data


class LeaderForm(VersionedModelForm):
    since = VietnameseDateField(label="Từ ngày", help_text=DATE_HELP)
    until = VietnameseDateField(label="Đến ngày", required=False, help_text="Để trống nếu đang giữ chức vụ.")

    class Meta:
        model = LeadershipPosition
        fields = ["full_name", "position", "title", "term", "since", "until", "elected_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = Term.objects.filter(unit=self.instance.unit)
        self.fields["term"].empty_label = "(không gắn với nhiệm kỳ)"

    def clean_full_name(self):
        return nfc(self.cleaned_data["full_name"])


# Baseline figures ----------------------------------------------------------------------------------------------


class BaselineForm(VersionedModelForm):
    class Meta:
        model = BaselineFigure
        fields = ["year", *BaselineFigure.FIELDS, "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["year"]
        else:
            self.fields["year"].initial = timezone.localdate().year
        for name in BaselineFigure.FIELDS:
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": "0"})

    def clean_year(self):
        year = self.cleaned_data["year"]
        if BaselineFigure.objects.filter(unit=self.instance.unit, year=year).exists():
            raise ValidationError(f"Đã có số liệu nền năm {year} của đơn vị này: hãy sửa bản đã có.")
        return year


# Closed periods ---------------------------------------------------------------------------------------------


class PeriodCloseForm(forms.Form):
    year = forms.IntegerField(label="Năm", min_value=1990, max_value=2100)
    reason = forms.CharField(label="Ghi chú", max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class PeriodReopenForm(forms.Form):
    year = forms.IntegerField(label="Năm", min_value=1990, max_value=2100, widget=forms.HiddenInput)
    reason = forms.CharField(label="Lý do mở lại sổ", max_length=255)


# Users and roles ---------------------------------------------------------------------------------------------


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label="Tên đăng nhập",
        max_length=150,
        regex=r"^[A-Za-z0-9._@+-]+$",
        error_messages={"invalid": "Tên đăng nhập chỉ gồm chữ không dấu, chữ số và các dấu . _ - @ +"},
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label="Họ và tên", max_length=150)
    email = forms.EmailField(label="Thư điện tử", required=False)
    password = forms.CharField(
        label="Mật khẩu ban đầu",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Để trống để hệ thống tạo một mật khẩu ngẫu nhiên; mật khẩu chỉ hiện một lần sau khi lưu.",
    )
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị")
    kind = forms.ChoiceField(label="Vai trò", choices=Role.Kind.choices)

    def __init__(self, *args, user, preset: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_role_units(self, "unit", user, preset=preset)


class RoleGrantForm(forms.Form):
    unit = UnitChoiceField(queryset=Unit.objects.none(), label="Đơn vị")
    kind = forms.ChoiceField(label="Vai trò", choices=Role.Kind.choices)

    def __init__(self, *args, user, preset: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_role_units(self, "unit", user, preset=preset)


def restrict_role_units(form: forms.Form, name: str, user, *, preset: Unit | None = None) -> None:
    """Any unit the user administers, chapters included (a role is often a chapter's secretary) and closed ones too
    (back data of a pre-reform association is keyed under a role on it): listed when they are few, through the
    searchable unit picker when a province holds thousands."""
    scope = scoping.units_for(user, scoping.MANAGE)
    field = form.fields[name]
    field.queryset = scope.ordered()
    if preset is not None:
        field.initial = preset.pk
    use_unit_picker(form, name, actions=(scoping.MANAGE,), closed=True)


class PasswordResetForm(forms.Form):
    confirm = forms.BooleanField(label="Tôi sẽ trao mật khẩu mới tận tay người dùng", required=True)


def parse_day(value: str | None) -> datetime.date | None:
    form = TreeDateForm({"ngay": value or ""})
    return form.cleaned_data["ngay"] if form.is_valid() else None


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the password rules' messages in Vietnamese (Django's catalogue misses some)."""

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        password = self.cleaned_data.get(password_field_name)
        if password and password == self.cleaned_data.get("old_password"):
            self.add_error(password_field_name, "Mật khẩu mới phải khác mật khẩu hiện tại.")
        elif password:
            try:
                check_password_strength(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, error)
