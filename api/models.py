"""Personal API tokens and the replies kept for Idempotency-Key."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(secret: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough: only the digest is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token: it acts exactly as its user. Shown once at creation; only its digest is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=100, help_text="Để nhớ token dùng cho hệ thống nào.")
    prefix = models.CharField("đầu mã", max_length=12, help_text="Vài ký tự đầu, để nhận ra token.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    expires_at = models.DateTimeField("hết hạn")
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    wrote_at = models.DateTimeField(
        "ghi lần cuối",
        null=True,
        blank=True,
        help_text="Đọc ngay sau khi ghi: đọc cơ sở dữ liệu chính, không đọc bản sao.",
    )

    class Meta:
        verbose_name = "token API"
        verbose_name_plural = "token API"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotentReply(models.Model):
    """The reply to a POST sent with an Idempotency-Key: the same key again gets the same reply, nothing new."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]

    def __str__(self) -> str:
        return self.key
