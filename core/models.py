"""The platform's tables: import jobs (the file, who, when, the preview and the outcome), the log of exports, and
the version tokens the database replaces when watched tables change.

A job is scoped to a unit of the organisation; core names that model only through the setting
`IMPORTS_SCOPE_MODEL` ("chapters.Unit"), as Django's auth names the user model, so no module of core imports
the organisation's apps. The table keeps its first name, chapters_importjob (it moved here from chapters).
"""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One spreadsheet import: the file, who, when, the preview and the outcome (design.md §5)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Đang chờ"
        VALIDATING = "validating", "Đang kiểm tra"
        VALID = "valid", "Hợp lệ, chờ xác nhận"
        INVALID = "invalid", "Có lỗi"
        COMMITTING = "committing", "Đang ghi"
        DONE = "done", "Đã nhập"
        FAILED = "failed", "Thất bại"
        CANCELLED = "cancelled", "Đã hủy"

    kind = models.CharField("loại dữ liệu", max_length=30)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    file_name = models.CharField("tên tệp", max_length=255)
    file_hash = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    unit = models.ForeignKey(
        settings.IMPORTS_SCOPE_MODEL,
        verbose_name="trong phạm vi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=255, blank=True, help_text="Người dùng hoặc dòng lệnh đã chạy.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    # Moved on by every progress step: a job "running" without a heartbeat for long has lost its worker and is
    # ended by the periodic sweep (core.imports.jobs.jobs_sweep_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    file_type = models.CharField("loại tệp", max_length=60, blank=True)
    sheet_name = models.CharField("trang tính", max_length=255, blank=True)
    header_row = models.PositiveIntegerField("dòng tiêu đề", null=True, blank=True)
    as_of = models.DateField(
        "số liệu tính đến ngày",
        null=True,
        blank=True,
        help_text="Ngày dùng để xác định đơn vị theo mã với các dòng không ghi ngày (mã có thể đã đổi chủ).",
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "chapters_importjob"
        verbose_name = "lần nhập dữ liệu"
        verbose_name_plural = "các lần nhập dữ liệu"
        ordering = ["-created_at"]
        # A file is committed once per kind and scope, whatever races: two jobs of the same file committed at
        # the same moment cannot both end "done" (the second transaction fails and writes nothing).
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "unit", "file_hash"],
                condition=models.Q(status="done", unit__isnull=False),
                name="importjob_file_done_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "file_hash"],
                condition=models.Q(status="done", unit__isnull=True),
                name="importjob_file_done_once_unscoped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} – {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.VALIDATING, self.Status.COMMITTING)


class DataExport(models.Model):
    """One export to a spreadsheet: who, what, where, why and how many rows (Law 91/2025 asks for the purpose
    and a log of every processing of personal data)."""

    kind = models.CharField("loại dữ liệu", max_length=30)
    unit = models.ForeignKey(
        settings.IMPORTS_SCOPE_MODEL,
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField("người xuất", max_length=255)
    purpose = models.CharField("mục đích", max_length=255, blank=True)
    personal = models.BooleanField("có dữ liệu cá nhân", default=False)
    rows = models.PositiveIntegerField("số dòng", default=0)
    at = models.DateTimeField("lúc", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "lần xuất dữ liệu"
        verbose_name_plural = "các lần xuất dữ liệu"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_name} – {self.kind} ({self.rows})"


class DataVersion(models.Model):
    """A token the database itself replaces, by trigger, whenever a table it watches changes, by any path (services,
    bulk loads, `.update()`, SQL): answers computed from those tables and kept between requests are named by it, so
    after a change they are never read back (`core.migration_operations.WatchTables` makes the triggers; the names
    in use are in docs/decisions.md). A missing row (a flushed test database) means: keep nothing."""

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=40)

    class Meta:
        verbose_name = "phiên bản dữ liệu"
        verbose_name_plural = "các phiên bản dữ liệu"

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
