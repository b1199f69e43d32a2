"""Personal API tokens: create (the secret is returned once), revoke, and find the user of a presented one."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.text import nfc

from .models import ApiToken, IdempotentReply, token_digest

PREFIX = "kh_"
MAX_DAYS = 366
DEFAULT_DAYS = 90


@transaction.atomic
def token_create(*, user, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days. Returns (token, secret): the secret is never stored."""
    name = nfc(name or "").strip()
    if not name:
        raise ValidationError({"name": "Hãy đặt tên cho token (ví dụ: «Phần mềm chấm điểm của tỉnh»)."})
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError({"days": f"Thời hạn từ 1 đến {MAX_DAYS} ngày."})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:10],
        digest=token_digest(secret),
        expires_at=timezone.now() + datetime.timedelta(days=int(days)),
    )
    return token, secret


def token_revoke(*, user, token_id: int) -> ApiToken:
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def idempotency_sweep_expired() -> int:
    """Delete the replies kept for Idempotency-Key older than API_IDEMPOTENCY_RETENTION_HOURS; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_RETENTION_HOURS)
    deleted, _ = IdempotentReply.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def token_user(secret: str):
    """(user, token) for an active token, or None. Touches last_used_at at most once a minute."""
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
