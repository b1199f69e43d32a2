"""Personal data (Law 91/2025/QH15): who opened or exported the details of a member, a household or a clan, and
erasures on request."""

from django.conf import settings
from django.db import models

from chapters.models import Unit

from .households import Clan, Household
from .members import Member


class PersonalDataAccess(models.Model):
    """One opening, export or erasure of the personal data of a member, a household or a clan. Visible to the
    unit's administrator."""

    class Action(models.TextChoices):
        VIEW = "view", "Xem chi tiết"
        EXPORT = "export", "Xuất, in danh sách"
        ERASE = "erase", "Xóa dữ liệu cá nhân"

    # Whose data: a member, or a household (its head, address, phone) or a clan (its representative, phone).
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses", db_index=False
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses", verbose_name="hộ"
    )
    clan = models.ForeignKey(
        Clan, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses", verbose_name="dòng họ"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", help_text="Chi hội của hội viên lúc đó.", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    user_name = models.CharField("người truy cập", max_length=150)
    action = models.CharField("thao tác", max_length=10, choices=Action.choices)
    at = models.DateTimeField("lúc", auto_now_add=True, db_index=True)
    detail = models.CharField("chi tiết", max_length=255, blank=True)

    class Meta:
        verbose_name = "nhật ký truy cập dữ liệu cá nhân"
        verbose_name_plural = "nhật ký truy cập dữ liệu cá nhân"
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, household__isnull=True, clan__isnull=True)
                    | models.Q(member__isnull=True, household__isnull=False, clan__isnull=True)
                    | models.Q(member__isnull=True, household__isnull=True, clan__isnull=False)
                ),
                name="access_one_subject",
            )
        ]
        indexes = [
            models.Index(fields=["member", "at"], name="access_member_at"),
            models.Index(fields=["unit", "at"], name="access_unit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_name} {self.get_action_display()} {self.subject_id}"

    @property
    def subject(self):
        """The member, household or clan whose data was read."""
        return self.member or self.household or self.clan

    @property
    def subject_id(self) -> str:
        if self.member_id:
            return str(self.member_id)
        return f"hộ {self.household_id}" if self.household_id else f"dòng họ {self.clan_id}"


class Erasure(models.Model):
    """The record of an erasure: who erased whose data, when, and on whose request."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="erasure")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    erased_by_name = models.CharField("người xóa", max_length=150)
    erased_at = models.DateTimeField("lúc", auto_now_add=True)
    requested_by = models.CharField("theo yêu cầu của", max_length=255)
    request_date = models.DateField("ngày nhận yêu cầu")
    reference = models.CharField("số văn bản, đơn yêu cầu", max_length=100, blank=True)
    import_jobs = models.JSONField(
        "lần nhập đã xóa tệp", default=list, blank=True, help_text="Các lần nhập có tệp chứa dữ liệu của người này."
    )

    class Meta:
        verbose_name = "lần xóa dữ liệu cá nhân"
        verbose_name_plural = "các lần xóa dữ liệu cá nhân"
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.member_id} – {self.erased_at:%d/%m/%Y}"
