from django.conf import settings
from django.db import models
from django.db.models import Q

from .tree import Unit


class ClosedPeriodQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(reopened_at__isnull=True)


class ClosedPeriod(models.Model):
    """A year closed for a unit and its whole subtree: facts dated in it can no longer change (design.md §4).

    Reopening keeps the row, so who closed and who reopened stays on record.
    """

    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="closed_periods")
    year = models.PositiveSmallIntegerField("năm")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_by_name = models.CharField(max_length=150, blank=True, help_text="Người hoặc lệnh đã khóa sổ.")
    closed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField("lý do", max_length=255, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_by_name = models.CharField(max_length=150, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.CharField("lý do mở lại", max_length=255, blank=True)

    objects = ClosedPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "kỳ đã khóa sổ"
        verbose_name_plural = "kỳ đã khóa sổ"
        ordering = ["-closed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], condition=Q(reopened_at__isnull=True), name="closed_period_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.year}"
