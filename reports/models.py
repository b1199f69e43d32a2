"""Reports (design.md §6): a report per unit and period with its human-written sections, its renders (runs)
with the figures they computed, the document-number register, and the submission up the tree."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from chapters.models import Unit


class Report(models.Model):
    """The review report of one unit for one period: Section I is computed, Sections II–IV are written."""

    class Period(models.TextChoices):
        YEAR = "Y", "Tổng kết năm"
        H1 = "H1", "Sơ kết 6 tháng đầu năm"
        TERM = "term", "Tổng kết nhiệm kỳ"

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang soạn"
        FINAL = "final", "Đã chốt"
        SUBMITTED = "submitted", "Đã gửi cấp trên"
        RETURNED = "returned", "Bị trả lại"
        ACCEPTED = "accepted", "Cấp trên đã chấp nhận"
        WAIVED = "waived", "Được miễn"

    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    year = models.PositiveSmallIntegerField("năm", help_text="Với báo cáo nhiệm kỳ: năm cuối của nhiệm kỳ.")
    period = models.CharField("kỳ báo cáo", max_length=5, choices=Period.choices, default=Period.YEAR)
    term_start = models.PositiveSmallIntegerField("năm đầu nhiệm kỳ", null=True, blank=True)
    status = models.CharField("trạng thái", max_length=12, choices=Status.choices, default=Status.DRAFT)
    place = models.CharField("địa danh", max_length=120, blank=True, help_text="Ví dụ: Hoàn Kiếm")
    issued_on = models.DateField("ngày ban hành", null=True, blank=True)
    number = models.PositiveIntegerField("số văn bản", null=True, blank=True)
    coordination = models.TextField("4. Công tác phối hợp, thi đua, khen thưởng", blank=True)
    assessment = models.TextField("II. Đánh giá chung", blank=True)
    tasks = models.TextField("III. Phương hướng, nhiệm vụ", blank=True)
    recommendations = models.TextField("IV. Kiến nghị, đề xuất", blank=True)
    recipients = models.TextField(
        "Nơi nhận", blank=True, help_text="Mỗi dòng một nơi nhận, ví dụ: - Hội Khuyến học tỉnh (để b/c);"
    )
    scan = models.FileField("bản có chữ ký, đóng dấu", upload_to="reports/scans/%Y/", blank=True, max_length=255)
    finalised_at = models.DateTimeField("lúc chốt", null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người chốt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("lúc gửi cấp trên", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The first time it went up: "late" compares this with the deadline, so a later resubmission after a return
    # does not make an on-time report late.
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    # The level above's last decision (accepted, returned, waived, re-opened): who, when and why.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField("lý do", blank=True)
    created_at = models.DateTimeField("lúc tạo", auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["scan"])

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-year", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "period"], name="report_unique_unit_period"),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.unit}"

    @property
    def period_label(self) -> str:
        if self.period == self.Period.TERM:
            return f"nhiệm kỳ {self.term_start or self.year - 4}–{self.year}"
        if self.period == self.Period.H1:
            return f"6 tháng đầu năm {self.year}"
        return f"năm {self.year}"

    @property
    def title(self) -> str:
        """ "Tổng kết năm 2025", "Sơ kết 6 tháng đầu năm 2025", "Tổng kết nhiệm kỳ 2021–2025" (no word twice)."""
        if self.period == self.Period.TERM:
            return f"Tổng kết {self.period_label}"
        if self.period == self.Period.H1:
            return f"Sơ kết {self.period_label}"
        return f"Tổng kết {self.period_label}"

    @property
    def number_label(self) -> str:
        return f"{self.number}/BC-HKH" if self.number else "…/BC-HKH"


class DocumentCounter(models.Model):
    """The register of document numbers per issuing unit and year ("Số: 12/BC-HKH")."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="document_counter_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"


class ReportRun(models.Model):
    """One rendering of a report: what was asked, its progress, the figures it computed and its files."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang tạo"
        DONE = "done", "Hoàn thành"
        FAILED = "failed", "Lỗi"

    class Tree(models.TextChoices):
        PAST = "past", "Theo tổ chức tại thời điểm cuối kỳ"
        TODAY = "today", "Theo tổ chức hiện nay"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="runs")
    tree = models.CharField("cây tổ chức", max_length=5, choices=Tree.choices, default=Tree.PAST)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="reports/pdf/%Y/", blank=True, max_length=255)
    docx = models.FileField(upload_to="reports/docx/%Y/", blank=True, max_length=255)
    xlsx = models.FileField(upload_to="reports/xlsx/%Y/", blank=True, max_length=255)
    # What the .docx and .xlsx print, kept by the render (reports.documents.document_data): they are made on
    # their first download (reports.services.report_run_file), with the same text and figures as the PDF.
    document = models.JSONField(default=dict, blank=True)
    pages = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "lần tạo báo cáo"
        ordering = ["-requested_at"]
        constraints = [
            # Asking twice never renders twice at once: one unfinished run per report and tree.
            models.UniqueConstraint(
                fields=["report", "tree"],
                condition=Q(status__in=["queued", "running"]),
                name="report_run_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.get_status_display()})"

    @property
    def progress_step(self) -> int:
        """The progress rounded down to tens, for the bar's CSS class (no inline styles under our CSP)."""
        return min(100, self.progress // 10 * 10)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ReportEvent(models.Model):
    """One step of a report through the approval workflow (reports/workflow.py): who, when, why, which render.

    Every round is kept: a report returned twice has two "return" events with their reasons."""

    class Action(models.TextChoices):
        FINALISE = "finalise", "chốt"
        SUBMIT = "submit", "gửi lên cấp trên"
        ACCEPT = "accept", "chấp nhận"
        RETURN = "return", "trả lại"
        WAIVE = "waive", "miễn"
        REOPEN = "reopen", "mở lại"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("thao tác", max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("lý do", blank=True)
    run = models.ForeignKey(ReportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scan = models.FileField(upload_to="reports/scans/%Y/", blank=True, max_length=255)

    class Meta:
        verbose_name = "bước duyệt báo cáo"
        verbose_name_plural = "các bước duyệt báo cáo"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} → {self.to_status}"


class Deadline(models.Model):
    """When a level's report for a period is due at the level above (design.md §15): data an administrator edits.

    The date is (day, month) of the period's year, or of the next year when `next_year` is set (a province's year
    report due in January). For a term, the year is the term's last year."""

    level = models.CharField("cấp", max_length=12, choices=Unit.Level.choices)
    period = models.CharField("kỳ báo cáo", max_length=5, choices=Report.Period.choices)
    day = models.PositiveSmallIntegerField("ngày")
    month = models.PositiveSmallIntegerField("tháng")
    next_year = models.BooleanField("sang năm sau", default=False)

    class Meta:
        verbose_name = "hạn gửi báo cáo"
        verbose_name_plural = "hạn gửi báo cáo"
        ordering = ["period", "level"]
        constraints = [models.UniqueConstraint(fields=["level", "period"], name="deadline_unique_level_period")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} – {self.get_period_display()}: {self.day:02d}/{self.month:02d}"

    def clean(self):
        try:
            datetime.date(2024, self.month or 0, self.day or 0)  # a leap year: 29/02 is allowed
        except ValueError:
            raise ValidationError(f"Ngày {self.day}/{self.month} không có thật.") from None

    def on(self, year: int) -> datetime.date:
        target = year + 1 if self.next_year else year
        day = min(self.day, 28) if self.month == 2 and self.day == 29 and target % 4 else self.day
        return datetime.date(target, self.month, day)


class Notification(models.Model):
    """A message to one user, shown under the bell and, when the user wants it, sent by e-mail.

    `key` makes every send idempotent: the same reminder for the same user, unit and period is created once,
    whichever job or retry asks for it."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", "Sắp đến hạn"
        OVERDUE = "overdue", "Quá hạn"
        RETURNED = "returned", "Báo cáo bị trả lại"
        DECIDED = "decided", "Cấp trên đã xử lý báo cáo"
        SUBMITTED = "submitted", "Đơn vị trực thuộc đã gửi báo cáo"
        TRANSFER = "transfer", "Khoản chuyển quỹ chờ xác nhận"

    class Email(models.TextChoices):
        NONE = "none", "Không gửi e-mail"
        PENDING = "pending", "Đang chờ gửi e-mail"
        SENT = "sent", "Đã gửi e-mail"
        FAILED = "failed", "Gửi e-mail không thành công"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField("tiêu đề", max_length=255)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField("e-mail", max_length=8, choices=Email.choices, default=Email.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_unique_user_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class NotificationSettings(models.Model):
    """A user's choice of e-mail (on by default: reminders reach people who do not log in every day)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.BooleanField("nhận thông báo qua e-mail", default=True)

    class Meta:
        verbose_name = "cài đặt thông báo"
        verbose_name_plural = "cài đặt thông báo"

    def __str__(self) -> str:
        return f"{self.user_id}: {'e-mail' if self.email else 'không e-mail'}"
