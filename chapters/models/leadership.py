from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.text import nfc

from .tree import Unit


class Term(models.Model):
    """A five-year term (nhiệm kỳ) of an association, opened by its congress."""

    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="terms", db_index=False
    )
    start_year = models.PositiveSmallIntegerField("từ năm")
    end_year = models.PositiveSmallIntegerField("đến năm")
    congress = models.CharField("đại hội", max_length=255, blank=True, help_text="Ví dụ: Đại hội lần thứ V")
    congress_on = models.DateField("ngày đại hội", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "nhiệm kỳ"
        verbose_name_plural = "nhiệm kỳ"
        ordering = ["unit", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "start_year"], name="term_unique_start"),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")),
                name="term_years_in_order",
                violation_error_message="Năm kết thúc nhiệm kỳ không được trước năm bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"Nhiệm kỳ {self.start_year}–{self.end_year}"

    def covers(self, year: int) -> bool:
        return self.start_year <= year <= self.end_year


class LeadershipPosition(models.Model):
    """A person holding a position in an association's leadership; used for signature blocks."""

    class Position(models.TextChoices):
        CHAIR = "chair", "Chủ tịch"
        VICE_CHAIR = "vice_chair", "Phó Chủ tịch"
        STANDING = "standing", "Ủy viên Ban Thường vụ"
        EXECUTIVE = "executive", "Ủy viên Ban Chấp hành"
        SECRETARY_GENERAL = "secretary_general", "Tổng Thư ký"
        HEAD = "head", "Chi hội trưởng, Trưởng ban"
        DEPUTY_HEAD = "deputy_head", "Chi hội phó, Phó ban"

    POSITION_RANK = {
        Position.CHAIR: 0,
        Position.VICE_CHAIR: 1,
        Position.SECRETARY_GENERAL: 2,
        Position.HEAD: 3,
        Position.DEPUTY_HEAD: 4,
        Position.STANDING: 5,
        Position.EXECUTIVE: 6,
    }

    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="leaders")
    term = models.ForeignKey(
        Term, verbose_name="nhiệm kỳ", null=True, blank=True, on_delete=models.SET_NULL, related_name="leaders"
    )
    full_name = models.CharField("họ và tên", max_length=120)
    position = models.CharField("chức vụ", max_length=30, choices=Position.choices)
    title = models.CharField("chức danh khác", max_length=255, blank=True, help_text="Ví dụ: Nhà giáo ưu tú")
    rank = models.PositiveSmallIntegerField(editable=False, default=9)
    since = models.DateField("từ ngày")
    until = models.DateField("đến ngày", null=True, blank=True)
    elected_by = models.CharField(
        "bầu hoặc bổ nhiệm theo", max_length=255, blank=True, help_text="Đại hội hoặc số quyết định"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["rank"])

    class Meta:
        verbose_name = "lãnh đạo"
        verbose_name_plural = "lãnh đạo"
        ordering = ["unit", "rank", "since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="leadership_dates_in_order",
                violation_error_message="Ngày thôi giữ chức vụ không được trước ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.full_name}"

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name)
        self.rank = self.POSITION_RANK.get(self.position, 9)
        super().save(*args, **kwargs)
