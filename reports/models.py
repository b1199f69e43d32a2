"""Reports (design.md §6): a report per unit and period with its human-written sections, its renders (runs)
with the figures they computed, the document-number register, and the submission up the tree."""

from django.conf import settings
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

    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="reports")
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

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
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
