"""Classes of the community learning centres ("112 lớp với 5.846 lượt người", domain.md §6)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from chapters.models import Unit
from core.text import fold, nfc, sort_key


class LearningClass(models.Model):
    """A class a commune's community learning centre (or a chapter) held: topic, dates, sessions, attendances."""

    unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị tổ chức",
        on_delete=models.PROTECT,
        related_name="learning_classes",
        help_text="Thường là Hội Khuyến học xã (Trung tâm học tập cộng đồng).",
        db_index=False,
    )
    topic = models.CharField("chủ đề, nội dung", max_length=255)
    starts_on = models.DateField("ngày bắt đầu")
    ends_on = models.DateField("ngày kết thúc", null=True, blank=True)
    sessions = models.PositiveIntegerField("số buổi", default=1, validators=[MinValueValidator(1, "Ít nhất 1 buổi.")])
    attendances = models.PositiveIntegerField(
        "số lượt người",
        default=0,
        help_text="Tổng lượt người tham dự. Để 0 nếu nhập danh sách học viên: hệ thống đếm theo danh sách.",
    )
    place = models.CharField("địa điểm", max_length=255, blank=True)
    organiser = models.CharField("đơn vị phối hợp, người phụ trách", max_length=255, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "lớp học cộng đồng"
        verbose_name_plural = "lớp học cộng đồng"
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["unit", "starts_on"], name="learningclass_unit_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="learningclass_dates_in_order",
                violation_error_message="Ngày kết thúc không được trước ngày bắt đầu.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.starts_on:%d/%m/%Y})"

    @property
    def year(self) -> int:
        return self.starts_on.year

    def period_keys(self):
        return [(self.unit, self.starts_on)]

    def clean(self):
        self.topic = nfc(self.topic)
        self.place = nfc(self.place)
        self.organiser = nfc(self.organiser)
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Ngày kết thúc không được trước ngày bắt đầu."})
        if self.starts_on and self.ends_on and self.ends_on.year != self.starts_on.year:
            raise ValidationError({"ends_on": "Một lớp được tính trong một năm: hãy tách lớp kéo dài sang năm sau."})


class ClassParticipant(models.Model):
    """A named participant of a class (optional: many classes only report the number of attendances)."""

    learning_class = models.ForeignKey(LearningClass, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField("họ và tên", max_length=150)
    member = models.ForeignKey(
        "members.Member", verbose_name="hội viên", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("ghi chú", max_length=255, blank=True)
    sort_key = models.CharField(max_length=600, editable=False, default="")
    search_key = models.CharField(max_length=255, editable=False, default="")
    history = HistoricalRecords(excluded_fields=["sort_key", "search_key"])

    class Meta:
        verbose_name = "học viên"
        verbose_name_plural = "học viên"
        ordering = ["learning_class", "sort_key", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self) -> None:
        """Derived columns (bulk writes call this themselves)."""
        self.name = nfc(self.name)
        self.sort_key = sort_key(self.name)[:600]
        self.search_key = fold(self.name)[:255]
