"""Award decisions, their recipients, the payment of each recipient's money, and scholarships that run over
several years (domain.md §5).

A decision is made first and paid later: a `Recipient` is the decided fact (dated by its decision) and a
`Payout` the paid fact (dated by the payment, linked to the fund's payment voucher). Keeping them apart lets a
reward decided in December 2024 be paid in January 2025 after 2024 is closed, and lets the figures
distinguish "decided" from "paid".
"""

import os
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import fold, nfc, sort_key
from core.years import YEAR_VALIDATORS

AMOUNT_VALIDATORS = [MinValueValidator(0, "Số tiền không được âm.")]


class NamedQuerySet(models.QuerySet):
    def search(self, text: str):
        key = fold(text)
        return self.filter(search_key__contains=key) if key else self


def decision_scan_path(instance: "Decision", filename: str) -> str:
    """Scans are stored under an unguessable name; the original name is kept in `scan_name`."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    year = instance.date.year if instance.date else "khac"
    return f"awards/decisions/{year}/{uuid.uuid4().hex}{extension}"


class Decision(models.Model):
    """A decision on awards (quyết định khen thưởng): who issued it, when, on which occasion, in which form."""

    class IssuerKind(models.TextChoices):
        ASSOCIATION = "association", "Hội Khuyến học (đơn vị trong hệ thống)"
        COMMITTEE = "committee", "Ủy ban nhân dân"
        OTHER = "other", "Cơ quan khác"

    class Occasion(models.TextChoices):
        YEAR_END = "year_end", "Tổng kết năm"
        TERM_REVIEW = "term_review", "Tổng kết 5 năm"
        STUDY_DAY = "study_day", "Ngày Khuyến học Việt Nam (2/10)"
        CONGRESS = "congress", "Đại hội"
        SCHOOL_YEAR = "school_year", "Đầu năm học, cuối năm học"
        OTHER = "other", "Khác"

    class Form(models.TextChoices):
        CERTIFICATE = "certificate", "Giấy khen"
        HIGHER_CERTIFICATE = "higher_certificate", "Bằng khen"
        COMMENDATION = "commendation", "Biểu dương"
        CASH = "cash", "Thưởng tiền"
        SCHOLARSHIP = "scholarship", "Học bổng"
        GIFT = "gift", "Tặng quà"

    # Forms whose recipients always receive money, and forms where money is only an optional extra.
    MONEY_FORMS = {Form.CASH, Form.SCHOLARSHIP}
    CERTIFICATE_FORMS = {Form.CERTIFICATE, Form.HIGHER_CERTIFICATE, Form.COMMENDATION}

    number = models.CharField("số quyết định", max_length=50, help_text="Ví dụ: 125/QĐ-HKH")
    number_key = models.CharField(max_length=50, editable=False, default="")
    date = models.DateField("ngày quyết định")
    year = models.PositiveSmallIntegerField(editable=False, default=0)
    issuer_kind = models.CharField(
        "nơi ban hành", max_length=20, choices=IssuerKind.choices, default=IssuerKind.ASSOCIATION
    )
    issuer_unit = models.ForeignKey(
        Unit,
        verbose_name="hội ban hành",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_award_decisions",
        help_text="Khi quyết định do một hội khuyến học trong hệ thống ban hành.",
    )
    issuer_name = models.CharField(
        "tên cơ quan ban hành",
        max_length=255,
        blank=True,
        help_text="Khi quyết định do Ủy ban nhân dân hoặc cơ quan khác ban hành, ví dụ: UBND phường Bạch Đằng.",
    )
    issuer_level = models.CharField("cấp ban hành", max_length=20, choices=Unit.Level.choices, blank=True)
    issuer_key = models.CharField(max_length=300, editable=False, default="")
    occasion = models.CharField("dịp khen thưởng", max_length=20, choices=Occasion.choices)
    form = models.CharField("hình thức", max_length=30, choices=Form.choices)
    with_money = models.BooleanField(
        "kèm tiền thưởng",
        default=False,
        help_text="Với giấy khen, bằng khen, biểu dương: đánh dấu khi mỗi người nhận còn được thưởng tiền.",
    )
    subject = models.CharField(
        "trích yếu",
        max_length=500,
        blank=True,
        help_text="Ví dụ: Về việc khen thưởng tập thể, cá nhân có thành tích trong công tác khuyến học năm 2025",
    )
    signer = models.CharField("người ký", max_length=150, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị lưu quyết định",
        on_delete=models.PROTECT,
        related_name="award_decisions",
        help_text="Hội hoặc chi hội quản lý quyết định và danh sách người nhận.",
        db_index=False,
    )
    scan = models.FileField("bản chụp quyết định", upload_to=decision_scan_path, max_length=255, blank=True)
    scan_name = models.CharField("tên tệp bản chụp", max_length=255, blank=True)
    scan_content_type = models.CharField(max_length=50, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["number_key", "issuer_key", "year"])

    class Meta:
        verbose_name = "quyết định khen thưởng"
        verbose_name_plural = "quyết định khen thưởng"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_key", "year", "number_key"],
                name="award_decision_unique_number",
                violation_error_message=(
                    "Số quyết định này đã được cùng nơi ban hành dùng trong cùng năm; hãy kiểm tra lại số quyết định."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "date"], name="award_decision_unit_date"),
            models.Index(fields=["year", "occasion", "form"], name="award_decision_filters"),
        ]

    def __str__(self) -> str:
        return f"Quyết định số {self.number} ngày {self.date:%d/%m/%Y}" if self.date else f"Quyết định số {self.number}"

    def save(self, *args, **kwargs):
        self._derive()
        super().save(*args, **kwargs)

    def clean(self):
        self.subject = nfc(self.subject)
        self.signer = nfc(self.signer)
        errors = {}
        if not nfc(self.number):
            errors["number"] = "Hãy nhập số quyết định."
        if self.issuer_kind == self.IssuerKind.ASSOCIATION:
            if not self.issuer_unit_id:
                errors["issuer_unit"] = "Hãy chọn hội khuyến học đã ban hành quyết định."
            else:
                self.issuer_name = ""
                self.issuer_level = self.issuer_unit.level
        elif not nfc(self.issuer_name):
            errors["issuer_name"] = "Hãy nhập tên cơ quan ban hành quyết định, ví dụ: UBND phường Bạch Đằng."
        else:
            self.issuer_unit = None
            if not self.issuer_level:
                errors["issuer_level"] = "Hãy chọn cấp của cơ quan ban hành."
        if self.form not in self.CERTIFICATE_FORMS:
            # Money is part of the form itself for cash, scholarships and gifts.
            self.with_money = False
        self._derive()
        if errors:
            raise ValidationError(errors)

    def period_keys(self):
        return [(self.unit, self.date)]

    def _derive(self) -> None:
        self.number = nfc(self.number)
        self.number_key = "".join(fold(self.number).split())[:50]
        self.issuer_name = nfc(self.issuer_name)
        self.year = self.date.year if self.date else 0
        if self.issuer_kind == self.IssuerKind.ASSOCIATION:
            self.issuer_key = f"unit:{self.issuer_unit_id}"
        else:
            self.issuer_key = f"{self.issuer_kind}:{self.issuer_level}:{fold(self.issuer_name)}"[:300]

    @property
    def issuer_display(self) -> str:
        if self.issuer_kind == self.IssuerKind.ASSOCIATION and self.issuer_unit_id:
            return self.issuer_unit.display_name
        return self.issuer_name

    @property
    def amount_rule(self) -> str:
        """ "required", "optional" or "forbidden": whether recipients of this decision carry an amount."""
        if self.form in self.MONEY_FORMS:
            return "required"
        if self.form == self.Form.GIFT:
            return "optional"
        return "required" if self.with_money else "forbidden"

    @property
    def form_display(self) -> str:
        label = self.get_form_display()
        return f"{label} kèm tiền thưởng" if self.with_money and self.form in self.CERTIFICATE_FORMS else label


class Scholarship(models.Model):
    """A scholarship that runs over several years for one student: new in its first year, renewed after, until
    it is stopped. Its yearly awards are the recipients linked to it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang nhận"
        STOPPED = "stopped", "Đã dừng"

    student_name = models.CharField("họ và tên học sinh", max_length=150)
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    birth_year = models.PositiveSmallIntegerField("năm sinh", null=True, blank=True, validators=YEAR_VALIDATORS)
    school = models.CharField("trường", max_length=255, blank=True)
    grade = models.CharField("lớp", max_length=50, blank=True)
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    programme = models.CharField(
        "chương trình, nguồn học bổng", max_length=255, help_text="Ví dụ: Học bổng «Vì em hiếu học»"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="scholarships", db_index=False
    )
    start_year = models.PositiveSmallIntegerField("năm bắt đầu", validators=YEAR_VALIDATORS)
    status = models.CharField("tình trạng", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stopped_year = models.PositiveSmallIntegerField("năm dừng", null=True, blank=True, validators=YEAR_VALIDATORS)
    stop_reason = models.CharField("lý do dừng", max_length=255, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["search_key", "sort_key"])

    objects = NamedQuerySet.as_manager()

    class Meta:
        verbose_name = "học bổng nhiều năm"
        verbose_name_plural = "học bổng nhiều năm"
        ordering = ["sort_key", "pk"]
        indexes = [models.Index(fields=["unit", "status"], name="scholarship_unit_status")]

    def __str__(self) -> str:
        return f"{self.student_name} – {self.programme}"

    def save(self, *args, **kwargs):
        self.student_name = nfc(self.student_name)
        self.search_key = fold(self.student_name)[:255]
        self.sort_key = sort_key(self.student_name)[:600]
        super().save(*args, **kwargs)

    def clean(self):
        for name in ("student_name", "school", "grade", "address", "programme", "stop_reason"):
            setattr(self, name, nfc(getattr(self, name)))
        errors = {}
        if not self.student_name:
            errors["student_name"] = "Hãy nhập họ và tên học sinh."
        if not self.programme:
            errors["programme"] = "Hãy nhập chương trình hoặc nguồn học bổng."
        if self.status == self.Status.STOPPED:
            if not self.stopped_year:
                errors["stopped_year"] = "Hãy nhập năm dừng học bổng."
            elif self.start_year and self.stopped_year < self.start_year:
                errors["stopped_year"] = "Năm dừng không được trước năm bắt đầu."
            if not self.stop_reason:
                errors["stop_reason"] = "Hãy ghi lý do dừng học bổng."
        else:
            self.stopped_year = None
            self.stop_reason = ""
        if errors:
            raise ValidationError(errors)

    period_field = "stopped_year"  # the field a closed-year or closed-unit message belongs to

    def period_keys(self):
        # The yearly awards are the dated facts (guarded through their decisions); stopping is one too.
        return [(self.unit, self.stopped_year)] if self.stopped_year else []


class PayoutQuerySet(models.QuerySet):
    def active(self):
        """Payments in force: neither a cancellation nor cancelled."""
        return self.filter(reverses__isnull=True, reversal__isnull=True)


class RecipientQuerySet(NamedQuerySet):
    def with_payment(self):
        """Annotate `paid_on` and `voucher_number` of the payment in force (None when unpaid), in one query."""
        active = Payout.objects.active().filter(recipient=OuterRef("pk")).order_by("-pk")
        return self.annotate(
            paid_on=Subquery(active.values("paid_on")[:1]),
            voucher_number=Subquery(active.values("voucher__number")[:1]),
            voucher_pk=Subquery(active.values("voucher_id")[:1]),
        )

    def paid(self):
        return self.filter(Exists(Payout.objects.active().filter(recipient=OuterRef("pk"))))

    def unpaid(self):
        return self.filter(amount__gt=0).exclude(Exists(Payout.objects.active().filter(recipient=OuterRef("pk"))))


class Recipient(models.Model):
    """One collective or individual named in a decision, with the amount decided for them."""

    class Kind(models.TextChoices):
        COLLECTIVE = "collective", "Tập thể"
        TEACHER = "teacher", "Nhà giáo"
        STUDENT = "student", "Học sinh, sinh viên"
        INDIVIDUAL = "individual", "Cá nhân khác"

    class Stage(models.TextChoices):
        NEW = "new", "Cấp mới"
        RENEWAL = "renewal", "Cấp tiếp"

    decision = models.ForeignKey(
        Decision, verbose_name="quyết định", on_delete=models.CASCADE, related_name="recipients"
    )
    position = models.PositiveIntegerField("số thứ tự", default=0)
    kind = models.CharField("đối tượng", max_length=20, choices=Kind.choices)
    collective_unit = models.ForeignKey(
        Unit,
        verbose_name="tập thể trong hệ thống",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards_received",
        help_text="Khi tập thể được khen là một hội, chi hội hoặc ban khuyến học.",
    )
    name = models.CharField(
        "họ tên hoặc tên tập thể",
        max_length=255,
        blank=True,
        help_text="Tên trường, dòng họ, gia đình, tổ chức… hoặc họ tên cá nhân.",
    )
    search_key = models.CharField(max_length=255, editable=False, default="")
    sort_key = models.CharField(max_length=600, editable=False, default="")
    # A plain id, not a foreign key: awards do not depend on the members app (design.md §13).
    member_id = models.PositiveBigIntegerField("mã hội viên", null=True, blank=True)
    school = models.CharField("trường, đơn vị công tác", max_length=255, blank=True)
    grade = models.CharField("lớp hoặc môn dạy", max_length=100, blank=True)
    achievement = models.CharField("thành tích", max_length=500, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="thuộc đơn vị",
        on_delete=models.PROTECT,
        related_name="award_recipients",
        help_text="Chi hội hoặc hội nơi người nhận sinh hoạt; dùng để tổng hợp số liệu.",
        db_index=False,
    )
    amount = models.BigIntegerField("số tiền (đồng)", null=True, blank=True, validators=AMOUNT_VALIDATORS)
    scholarship = models.ForeignKey(
        Scholarship,
        verbose_name="học bổng nhiều năm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    stage = models.CharField("cấp mới hay cấp tiếp", max_length=10, choices=Stage.choices, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["search_key", "sort_key"])

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "người nhận khen thưởng"
        verbose_name_plural = "người nhận khen thưởng"
        ordering = ["decision", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="award_recipient_amount_not_negative",
                violation_error_message="Số tiền không được âm.",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "kind"], name="award_recipient_unit_kind"),
            models.Index(fields=["search_key"], name="award_recipient_search", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.search_key = fold(self.name)[:255]
        self.sort_key = sort_key(self.name)[:600]
        super().save(*args, **kwargs)

    @property
    def is_collective(self) -> bool:
        return self.kind == self.Kind.COLLECTIVE

    def active_payout(self) -> "Payout | None":
        return Payout.objects.active().filter(recipient=self).select_related("voucher").first()

    @property
    def school_and_grade(self) -> str:
        return ", ".join(part for part in (self.school, self.grade) if part)

    def decision_or_none(self) -> "Decision | None":
        """The decision, also when it is a new one not saved yet (an import creating it with its rows)."""
        if self.decision_id is None and not Recipient.decision.is_cached(self):
            return None
        return self.decision

    def fill_defaults(self) -> None:
        """A collective from the tree names itself and belongs to itself; anybody else belongs to the unit of the
        decision unless told otherwise."""
        if self.kind == self.Kind.COLLECTIVE and self.collective_unit_id:
            if not nfc(self.name):
                self.name = self.collective_unit.display_name
            if not self.unit_id:
                self.unit = self.collective_unit
        decision = self.decision_or_none()
        if not self.unit_id and decision is not None:
            self.unit = decision.unit

    def clean(self):
        for name in ("name", "school", "grade", "achievement"):
            setattr(self, name, nfc(getattr(self, name)))
        errors = {}
        if self.collective_unit_id and self.kind != self.Kind.COLLECTIVE:
            errors["collective_unit"] = "Chỉ chọn đơn vị trong hệ thống khi người nhận là tập thể."
        self.fill_defaults()
        if self.member_id and self.kind == self.Kind.COLLECTIVE:
            errors["member_id"] = "Tập thể không thể là hội viên."
        if not self.name:
            errors["name"] = "Hãy nhập họ tên người nhận hoặc tên tập thể."
        decision = self.decision_or_none()
        if decision is not None:
            if self.unit_id and not self.unit.path.startswith(decision.unit.path):
                errors["unit"] = f"{self.unit.display_name} không thuộc {decision.unit.display_name}."
            rule = decision.amount_rule
            if self.amount is not None and self.amount < 0:
                pass  # the field's own validator says so
            elif rule == "forbidden" and self.amount:
                errors["amount"] = (
                    f"Quyết định này chỉ tặng {decision.get_form_display().lower()}, không kèm tiền: "
                    "không được ghi số tiền."
                )
            elif rule == "required" and not self.amount:
                errors["amount"] = f"Hãy nhập số tiền ({decision.form_display.lower()})."
            if rule == "forbidden":
                self.amount = None
            if decision.form == Decision.Form.SCHOLARSHIP:
                if self.kind == self.Kind.COLLECTIVE:
                    errors["kind"] = "Học bổng chỉ cấp cho cá nhân."
                self.stage = self.stage or self.Stage.NEW
            else:
                self.stage = ""
                if self.scholarship_id:
                    errors["scholarship"] = "Chỉ gắn học bổng nhiều năm với quyết định cấp học bổng."
        if errors:
            raise ValidationError(errors)

    def period_keys(self):
        return [(self.unit if self.unit_id else None, self.decision.date)]


class Payout(models.Model):
    """The payment of a recipient's amount: the paid fact, dated by the payment, with the fund's voucher.

    Rows are never changed or deleted. A payment is cancelled the way the fund cancels its voucher (ghi âm): a
    second row with the opposite amount, dated on the cancellation and linked to the reversal voucher, so the
    figures of a closed year stay as they were and the cancellation counts in the year it happened.
    """

    recipient = models.ForeignKey(
        Recipient, verbose_name="người nhận", on_delete=models.PROTECT, related_name="payouts"
    )
    paid_on = models.DateField("ngày chi")
    amount = models.BigIntegerField("số tiền (đồng)")
    voucher = models.ForeignKey(
        "funds.Transaction", verbose_name="phiếu chi", on_delete=models.PROTECT, related_name="award_payouts"
    )
    reverses = models.OneToOneField(
        "self", verbose_name="hủy khoản chi", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = PayoutQuerySet.as_manager()

    class Meta:
        verbose_name = "khoản chi khen thưởng"
        verbose_name_plural = "các khoản chi khen thưởng"
        ordering = ["paid_on", "pk"]
        indexes = [models.Index(fields=["paid_on"], name="award_payout_paid_on")]

    def __str__(self) -> str:
        return f"{self.recipient} – {self.voucher}"

    def period_keys(self):
        return [(self.recipient.unit, self.paid_on)]
