from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .tree import Unit


class Role(models.Model):
    """A user's role on a unit, applying to the unit's whole subtree. Roles add up (design.md §4)."""

    class Kind(models.TextChoices):
        VIEWER = "viewer", "Xem (kiểm tra, giám sát)"
        SECRETARY = "secretary", "Thư ký (nhập liệu)"
        OFFICER = "officer", "Cán bộ (duyệt, báo cáo)"
        ADMINISTRATOR = "administrator", "Quản trị"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_roles", db_index=False
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("vai trò", max_length=20, choices=Kind.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    # Grants and revocations are both kept: who held which role when is part of the audit trail.
    history = HistoricalRecords()

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "kind"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.unit}"


class TemporaryPassword(models.Model):
    """A password an administrator set (a new account, a reset) and so also knows: its user must choose their own
    before doing anything else (chapters.middleware.TemporaryPasswordMiddleware)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="temporary_password"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mật khẩu tạm"

    def __str__(self) -> str:
        return str(self.user)
