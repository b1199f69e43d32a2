"""Notifications: in-app (the bell) and e-mail through Django's mail framework (design.md §15).

A notification is created once per (user, key): whichever job, retry or click asks again, nothing is sent twice.
E-mail leaves after the transaction commits, from a Celery task; a mail server that is down leaves the
notification "pending" (shown on the notifications page) and the periodic retry sends it later, so the action
that caused it (an approval) never waits for or fails with the mail server.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.utils import timezone

from chapters.models import Role, Unit
from reports.models import Notification, NotificationSettings

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 8  # with the retry every 10 minutes: about an hour and a half of a mail server down


def email_wanted_choice(user) -> bool:
    """The user's own choice (on unless turned off)."""
    choice = NotificationSettings.objects.filter(user=user).values_list("email", flat=True).first()
    return True if choice is None else choice


def email_wanted(user) -> bool:
    return bool(user.is_active and user.email) and email_wanted_choice(user)


def email_settings_set(*, user, email: bool) -> NotificationSettings:
    row, _ = NotificationSettings.objects.update_or_create(user=user, defaults={"email": email})
    return row


def absolute(url: str) -> str:
    return url if "://" in url or not url else settings.SITE_URL.rstrip("/") + url


def notify(*, user, kind: str, key: str, title: str, body: str = "", url: str = "") -> Notification | None:
    """Create the notification (and queue its e-mail) unless this user already has one with this key."""
    wanted = email_wanted(user)
    notification, created = Notification.objects.get_or_create(
        user=user,
        key=key[:200],
        defaults={
            "kind": kind,
            "title": title[:255],
            "body": body,
            "url": url,
            "email": Notification.Email.PENDING if wanted else Notification.Email.NONE,
        },
    )
    if not created:
        return None
    if wanted:
        transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def _enqueue(notification_id: int) -> None:
    from reports.tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:  # noqa: BLE001 - a broker that is down must not undo the action; the retry job sends it
        log.exception("could not queue the e-mail of notification %s", notification_id)


def notification_email_send(*, notification_id: int) -> bool:
    """Send one pending e-mail. The row is locked while sending, so two workers never send the same one."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, email=Notification.Email.PENDING)
            .first()
        )
        if notification is None:
            return False
        text = notification.body
        if notification.url:
            text = f"{text}\n\nXem trên phần mềm: {absolute(notification.url)}".strip()
        text += "\n\n--\nThư tự động của phần mềm Khuyến học. Tắt thư tại trang Thông báo."
        try:
            send_mail(
                f"[Khuyến học] {notification.title}",
                text,
                settings.DEFAULT_FROM_EMAIL,
                [notification.user.email],
                fail_silently=False,
            )
        except (OSError, smtplib.SMTPException) as error:
            notification.email_attempts += 1
            notification.email_error = f"{type(error).__name__}: {error}"[:1000]
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notification.email = Notification.Email.FAILED
            notification.save(update_fields=["email_attempts", "email_error", "email"])
            log.warning("e-mail of notification %s not sent: %s", notification_id, error)
            return False
        notification.email, notification.emailed_at = Notification.Email.SENT, timezone.now()
        notification.email_attempts += 1
        notification.email_error = ""
        notification.save(update_fields=["email", "emailed_at", "email_attempts", "email_error"])
        return True


def notifications_retry() -> int:
    """Send the e-mails still pending (the mail server was down, or the broker lost the message)."""
    sent = 0
    pending = Notification.objects.filter(email=Notification.Email.PENDING).values_list("pk", flat=True)
    for pk in list(pending[:500]):
        sent += notification_email_send(notification_id=pk)
    return sent


def unit_people(unit: Unit, kinds=(Role.Kind.OFFICER, Role.Kind.SECRETARY)):
    """The people who hold a role on the unit itself: who writes its data and its report."""
    return (
        get_user_model()
        .objects.filter(unit_roles__unit=unit, unit_roles__kind__in=kinds, is_active=True)
        .distinct()
        .order_by("pk")
    )


def notify_unit(unit: Unit, *, kind: str, key: str, title: str, body: str = "", url: str = "") -> int:
    count = 0
    for user in unit_people(unit):
        count += notify(user=user, kind=kind, key=key, title=title, body=body, url=url) is not None
    return count


def unread_count(user) -> int:
    """The bell's count, on every page: a fixed indexed count in plain SQL, not built anew by the ORM each time."""
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE user_id = %s AND read_at IS NULL", [user.pk]
        )
        return cursor.fetchone()[0]


def notifications_mark_read(*, user, pk: int | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        rows = rows.filter(pk=pk)
    return rows.update(read_at=timezone.now())
