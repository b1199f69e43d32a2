"""Title types, targets and criteria sets: the rules of the learning-model movement, kept as data (domain.md §6).

Provinces adapt the national criteria, so a criteria set belongs to an issuer (a province, or the central
association when `issuer` is empty) and a span of years; the set that applies to a record is the most local
one covering its year.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import nfc
from core.years import YEAR_VALIDATORS

POINTS_VALIDATORS = [MinValueValidator(Decimal(0), "Số điểm không được âm.")]

# The figures a title type's "recognised / total" ratio can be taken over (chapters.providers figure keys).
DENOMINATORS = [
    ("baseline.households", "Số hộ gia đình"),
    ("baseline.clans", "Số dòng họ"),
    ("baseline.residential_groups", "Số thôn, tổ dân phố"),
    ("baseline.agencies", "Số cơ quan, đơn vị, trường học"),
    ("baseline.adults", "Số người trưởng thành"),
    ("units.association.commune", "Số Hội Khuyến học cấp xã"),
]


class TitleType(models.Model):
    """A title such as "Gia đình học tập": what it applies to, how long a recognition lasts, its target."""

    class Subject(models.TextChoices):
        HOUSEHOLD = "household", "Hộ gia đình"
        CLAN = "clan", "Dòng họ"
        UNIT = "unit", "Đơn vị (thôn, tổ dân phố, xã, cơ quan, trường học)"
        PERSON = "person", "Cá nhân"

    code = models.SlugField(
        "mã",
        max_length=30,
        unique=True,
        help_text="Mã ngắn dùng trong tệp nhập và số liệu tổng hợp, ví dụ gdht. Không đổi được sau khi đã có hồ sơ.",
        error_messages={"unique": "Mã danh hiệu này đã được dùng."},
    )
    name = models.CharField("tên danh hiệu", max_length=150)
    subject_kind = models.CharField("đối tượng", max_length=20, choices=Subject.choices)
    unit_kinds = models.JSONField("loại đơn vị", default=list, blank=True, help_text="Để trống: mọi loại.")
    unit_levels = models.JSONField("cấp của đơn vị", default=list, blank=True, help_text="Để trống: mọi cấp.")
    unit_hosts = models.JSONField("nơi tổ chức", default=list, blank=True, help_text="Để trống: mọi nơi.")
    parent_levels = models.JSONField(
        "cấp của hội quản lý",
        default=list,
        blank=True,
        help_text="Với đơn vị học tập: cấp của hội ngay trên đơn vị (xã, huyện, tỉnh). Để trống: mọi cấp.",
    )
    years_valid = models.PositiveSmallIntegerField(
        "số năm hiệu lực",
        default=1,
        validators=[MinValueValidator(1, "Ít nhất 1 năm."), MaxValueValidator(10, "Nhiều nhất 10 năm.")],
        help_text="Gia đình: 1 năm; đơn vị học tập: 3 năm.",
    )
    denominator = models.CharField(
        "tính tỷ lệ trên", max_length=40, choices=DENOMINATORS, blank=True, help_text="Số liệu nền làm mẫu số."
    )
    national_target = models.DecimalField(
        "chỉ tiêu chung (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "Chỉ tiêu không được âm."), MaxValueValidator(100, "Chỉ tiêu tối đa 100%.")],
    )
    target_from_year = models.PositiveSmallIntegerField(
        "chỉ tiêu áp dụng từ năm",
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text="Năm của văn bản đặt chỉ tiêu; các năm trước đó không có chỉ tiêu chung.",
    )
    target_year = models.PositiveSmallIntegerField(
        "năm đạt chỉ tiêu",
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text="Chỉ tiêu áp dụng đến hết năm này; sau đó không có chỉ tiêu chung cho tới khi nhập chỉ tiêu mới.",
    )
    target_basis = models.CharField("căn cứ chỉ tiêu", max_length=255, blank=True)
    owner = models.ForeignKey(
        Unit,
        verbose_name="đơn vị quy định",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Để trống với danh hiệu toàn quốc; danh hiệu riêng của địa phương thuộc hội tỉnh đặt ra.",
    )
    active = models.BooleanField("đang dùng", default=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=100)
    description = models.TextField("ghi chú", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "danh hiệu"
        verbose_name_plural = "danh hiệu"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.name = nfc(self.name)
        errors = {}
        if self.subject_kind != self.Subject.UNIT and (
            self.unit_kinds or self.unit_levels or self.unit_hosts or self.parent_levels
        ):
            errors["unit_kinds"] = "Chỉ danh hiệu dành cho đơn vị mới chọn loại, cấp và nơi tổ chức của đơn vị."
        for name, choices in (
            ("unit_kinds", Unit.Kind.values),
            ("unit_levels", Unit.Level.values),
            ("unit_hosts", Unit.Host.values),
            ("parent_levels", Unit.Level.values),
        ):
            value = getattr(self, name)
            if not isinstance(value, list) or any(item not in choices for item in value):
                errors[name] = "Giá trị không hợp lệ."
        if self.national_target is not None and not self.denominator:
            errors["denominator"] = "Có chỉ tiêu thì phải chọn số liệu nền làm mẫu số."
        if self.target_from_year and self.target_year and self.target_year < self.target_from_year:
            errors["target_year"] = "Năm đạt chỉ tiêu không được trước năm bắt đầu áp dụng."
        if errors:
            raise ValidationError(errors)

    @property
    def is_household(self) -> bool:
        return self.subject_kind == self.Subject.HOUSEHOLD

    @property
    def subject_word(self) -> str:
        return {
            self.Subject.HOUSEHOLD: "hộ gia đình",
            self.Subject.CLAN: "dòng họ",
            self.Subject.UNIT: "đơn vị",
            self.Subject.PERSON: "cá nhân",
        }.get(self.subject_kind, "đối tượng")

    def applies_to_unit(self, unit: Unit) -> bool:
        """Whether a unit can hold this title (its kind, level, host and the level of the association above)."""
        if self.subject_kind != self.Subject.UNIT:
            return False
        if self.unit_kinds and unit.kind not in self.unit_kinds:
            return False
        if self.unit_levels and unit.level not in self.unit_levels:
            return False
        if self.unit_hosts and unit.host not in self.unit_hosts:
            return False
        if self.parent_levels:
            parent_level = unit.parent.level if unit.parent_id else None
            if parent_level not in self.parent_levels:
                return False
        return True

    def units_q(self, prefix: str = "") -> Q:
        """The same test as `applies_to_unit`, as a filter on units."""
        query = Q()
        if self.unit_kinds:
            query &= Q(**{f"{prefix}kind__in": self.unit_kinds})
        if self.unit_levels:
            query &= Q(**{f"{prefix}level__in": self.unit_levels})
        if self.unit_hosts:
            query &= Q(**{f"{prefix}host__in": self.unit_hosts})
        if self.parent_levels:
            query &= Q(**{f"{prefix}parent__level__in": self.parent_levels})
        return query

    def figure(self, name: str) -> str:
        return f"titles.{self.code}.{name}"

    def national_target_in(self, year: int) -> Decimal | None:
        """The national target in force in `year`: only between the year of its decision and the year it is to
        be reached (a 2022 target says nothing of 2019)."""
        if self.national_target is None:
            return None
        if self.target_from_year and year < self.target_from_year:
            return None
        if self.target_year and year > self.target_year:
            return None
        return self.national_target


class Target(models.Model):
    """A province's own target for a title from a year, replacing the national one (Decision 387 by default)
    until `year_until`, or until a later target of the province when that is empty."""

    unit = models.ForeignKey(
        Unit, verbose_name="hội tỉnh", on_delete=models.CASCADE, related_name="title_targets", db_index=False
    )
    title_type = models.ForeignKey(
        TitleType, verbose_name="danh hiệu", on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField("áp dụng từ năm", validators=YEAR_VALIDATORS)
    year_until = models.PositiveSmallIntegerField(
        "đến năm",
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text="Để trống: đến khi có chỉ tiêu mới của danh hiệu này.",
    )
    percent = models.DecimalField(
        "chỉ tiêu (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0, "Chỉ tiêu không được âm."), MaxValueValidator(100, "Chỉ tiêu tối đa 100%.")],
    )
    basis = models.CharField("căn cứ", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu danh hiệu"
        verbose_name_plural = "chỉ tiêu danh hiệu"
        ordering = ["unit", "-year", "title_type__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "title_type", "year"],
                name="title_target_unique",
                violation_error_message="Đơn vị này đã có chỉ tiêu cho danh hiệu và năm này.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title_type} {self.years_display}: {self.percent}%"

    @property
    def years_display(self) -> str:
        if self.year_until == self.year:
            return str(self.year)
        return f"{self.year}–{self.year_until}" if self.year_until else f"từ {self.year}"

    def clean(self):
        self.basis = nfc(self.basis)
        if self.year_until is not None and self.year and self.year_until < self.year:
            raise ValidationError({"year_until": "Năm kết thúc không được trước năm bắt đầu."})


class CriteriaSet(models.Model):
    """The criteria a title is scored against over a span of years, and the rule for recognising it."""

    title_type = models.ForeignKey(
        TitleType, verbose_name="danh hiệu", on_delete=models.PROTECT, related_name="criteria_sets"
    )
    name = models.CharField("tên bộ tiêu chí", max_length=255)
    issuer = models.ForeignKey(
        Unit,
        verbose_name="đơn vị ban hành",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criteria_sets",
        help_text="Để trống với bộ tiêu chí toàn quốc (Trung ương Hội).",
    )
    issuer_name = models.CharField("tên đơn vị ban hành", max_length=255, blank=True)
    basis = models.CharField("căn cứ", max_length=255, blank=True, help_text="Số, ngày văn bản ban hành.")
    year_from = models.PositiveSmallIntegerField("áp dụng từ năm", validators=YEAR_VALIDATORS)
    year_until = models.PositiveSmallIntegerField(
        "đến năm", null=True, blank=True, validators=YEAR_VALIDATORS, help_text="Để trống: đến khi có bộ mới."
    )
    threshold = models.DecimalField(
        "điểm tối thiểu để công nhận",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=POINTS_VALIDATORS,
        help_text="Tổng điểm tối thiểu; sửa theo văn bản của địa phương.",
    )
    level1_threshold = models.DecimalField(
        "điểm đạt mức 1", max_digits=6, decimal_places=1, null=True, blank=True, validators=POINTS_VALIDATORS
    )
    level2_threshold = models.DecimalField(
        "điểm đạt mức 2", max_digits=6, decimal_places=1, null=True, blank=True, validators=POINTS_VALIDATORS
    )
    recognition_only = models.BooleanField(
        "chỉ ghi nhận công nhận, không chấm điểm",
        default=False,
        help_text=(
            "Cho các năm trước khi có bộ tiêu chí trên phần mềm (số liệu cũ) và các danh hiệu công nhận theo bình "
            "xét: hồ sơ ghi kết quả công nhận, không có điểm từng tiêu chí."
        ),
    )
    notes = models.TextField("ghi chú", blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name="sao chép từ", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "bộ tiêu chí"
        verbose_name_plural = "bộ tiêu chí"
        ordering = ["title_type__order", "-year_from", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def issuer_display(self) -> str:
        if self.issuer_id:
            return self.issuer.display_name
        return self.issuer_name or "Trung ương Hội Khuyến học Việt Nam"

    @property
    def years_display(self) -> str:
        return f"{self.year_from}–{self.year_until}" if self.year_until else f"từ {self.year_from}"

    def covers(self, year: int) -> bool:
        return self.year_from <= year and (self.year_until is None or year <= self.year_until)

    def clean(self):
        self.name = nfc(self.name)
        self.issuer_name = nfc(self.issuer_name)
        errors = {}
        if self.year_until is not None and self.year_from and self.year_until < self.year_from:
            errors["year_until"] = "Năm kết thúc không được trước năm bắt đầu."
        if self.issuer_id and self.issuer.level not in (Unit.Level.CENTRAL, Unit.Level.PROVINCE):
            errors["issuer"] = "Bộ tiêu chí do Trung ương Hội hoặc hội cấp tỉnh ban hành."
        if (
            self.level1_threshold is not None
            and self.level2_threshold is not None
            and self.level2_threshold < self.level1_threshold
        ):
            errors["level2_threshold"] = "Điểm đạt mức 2 phải cao hơn hoặc bằng điểm đạt mức 1."
        if errors:
            raise ValidationError(errors)

    def criteria_tree(self) -> list["Criterion"]:
        """Top-level criteria, each with `.items` (its sub-items), in order; one query."""
        rows = list(self.criteria.all())
        by_parent: dict[int | None, list[Criterion]] = {}
        for row in rows:
            by_parent.setdefault(row.parent_id, []).append(row)
        tops = by_parent.get(None, [])
        for top in tops:
            top.items = by_parent.get(top.pk, [])
        return tops

    def leaves(self) -> list["Criterion"]:
        """The criteria that are scored: sub-items, and top-level criteria without sub-items."""
        result = []
        for top in self.criteria_tree():
            result.extend(top.items or [top])
        return result

    @property
    def total_points(self) -> Decimal:
        return sum((top.max_points for top in self.criteria_tree()), Decimal(0))


class Criterion(models.Model):
    """One criterion of a set, or a sub-item of one (two levels), with its maximum points."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria", db_index=False)
    parent = models.ForeignKey(
        "self", verbose_name="thuộc tiêu chí", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField("mã", max_length=10, help_text="Ví dụ 1, 1.1, 1.2.")
    label = models.CharField("nội dung", max_length=500)
    max_points = models.DecimalField("điểm tối đa", max_digits=5, decimal_places=1, validators=POINTS_VALIDATORS)
    min_points = models.DecimalField(
        "điểm tối thiểu",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=POINTS_VALIDATORS,
        help_text="Điểm tối thiểu của tiêu chí để được công nhận (nếu có).",
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tiêu chí"
        verbose_name_plural = "tiêu chí"
        ordering = ["criteria_set", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "code"],
                name="criterion_unique_code",
                violation_error_message="Mã tiêu chí bị trùng trong bộ tiêu chí.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"
