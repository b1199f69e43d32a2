"""Users and their roles (design.md §4): an administrator manages the users of its subtree, never above it.

A user is *visible* to an administrator when one of the user's roles lies in the administrator's subtree, and
*manageable* (deactivate, reset the password) only when all of them do: otherwise the administrator of a
commune could take over the account of somebody who also works for the province.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from chapters import scoping
from chapters.models import Role, TemporaryPassword, Unit
from core.history import stamp
from core.text import nfc, person_name

User = get_user_model()

# Letters and digits that cannot be mistaken for each other when read aloud or copied from a screen.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

_PASSWORD_MESSAGES = {
    "password_too_short": "Mật khẩu quá ngắn: cần ít nhất 8 ký tự.",
    "password_too_common": "Mật khẩu này quá phổ biến, dễ bị đoán.",
    "password_entirely_numeric": "Mật khẩu không được chỉ gồm chữ số.",
    "password_too_similar": "Mật khẩu quá giống tên đăng nhập hoặc họ tên.",
}


def split_full_name(full_name: str) -> tuple[str, str]:
    """ "Nguyễn Thị Lan" → ("Lan", "Nguyễn Thị"): (first_name, last_name) as Django stores them."""
    words = nfc(full_name).split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def generate_password() -> str:
    """A random password easy to read out over the phone: three groups of four, e.g. "k7mp-2qad-9tnx"."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def check_password_strength(password: str, user=None) -> None:
    """Django's validators, with their messages in Vietnamese (some are missing from Django's catalogue)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError(
            [_PASSWORD_MESSAGES.get(e.code, e.messages[0]) for e in error.error_list], code="weak_password"
        ) from None


def _manages_somewhere(actor) -> bool:
    paths = scoping.role_paths(actor, scoping.MANAGE)
    return paths is None or bool(paths)


def ensure_manages_somewhere(actor) -> None:
    if not _manages_somewhere(actor):
        raise PermissionDenied("Chỉ quản trị của hội mới được quản lý người dùng.")


def visible_users(actor) -> QuerySet:
    """Users holding at least one role in the actor's administered subtrees (all users for a superuser)."""
    if actor.is_superuser:
        return User.objects.all()
    roles = scoping.restrict(Role.objects.all(), actor, scoping.MANAGE)
    return User.objects.filter(pk__in=roles.values("user_id"), is_superuser=False)


def can_manage_user(actor, user) -> bool:
    """All of the user's roles lie in the actor's administered subtrees (and the user is not a superuser)."""
    if actor.is_superuser:
        return True
    if user.is_superuser or user.pk == actor.pk:
        return False
    roles = list(Role.objects.filter(user=user).select_related("unit"))
    return bool(roles) and all(scoping.can(actor, scoping.MANAGE, role.unit) for role in roles)


def ensure_can_manage_user(actor, user) -> None:
    if user.pk == actor.pk:
        raise PermissionDenied("Bạn không thể tự khóa hoặc đặt lại mật khẩu của chính mình ở đây.")
    if not can_manage_user(actor, user):
        raise PermissionDenied(
            "Người dùng này còn giữ vai trò ở đơn vị ngoài phạm vi quản trị của bạn: hãy nhờ quản trị của hội cấp trên."
        )


def _ensure_manages(actor, unit: Unit) -> None:
    if not scoping.can(actor, scoping.MANAGE, unit):
        raise PermissionDenied(f"Bạn không có quyền quản trị ở {unit.display_name}.")


@transaction.atomic
def user_create(
    *, actor, username: str, full_name: str, unit: Unit, kind: str, email: str = "", password: str = ""
) -> tuple[object, str]:
    """Create a user with a first role on `unit`. Returns the user and the initial password (generated when
    none is given) so it can be shown once."""
    _ensure_manages(actor, unit)
    username = nfc(username).lower()
    if not username:
        raise ValidationError({"username": "Hãy nhập tên đăng nhập."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"Tên đăng nhập «{username}» đã có người dùng."})
    first_name, last_name = split_full_name(full_name)
    if not first_name:
        raise ValidationError({"full_name": "Hãy nhập họ và tên."})
    user = User(username=username, first_name=first_name, last_name=last_name, email=nfc(email).lower())
    password = password or generate_password()
    try:
        check_password_strength(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    _mark_temporary(user, actor)
    role_grant(actor=actor, user=user, unit=unit, kind=kind)
    return user, password


def _mark_temporary(user, actor) -> None:
    """The administrator knows this password: the user chooses their own at the next login."""
    set_by = actor if getattr(actor, "is_authenticated", False) else None
    TemporaryPassword.objects.update_or_create(user=user, defaults={"set_by": set_by})


def password_chosen(user) -> None:
    """The user has set a password of their own: nothing is asked of them any more."""
    TemporaryPassword.objects.filter(user=user).delete()


@transaction.atomic
def role_grant(*, actor, user, unit: Unit, kind: str) -> Role:
    """Give `user` the role `kind` on `unit` (and its subtree). The actor must administer `unit`."""
    _ensure_manages(actor, unit)
    if kind not in Role.Kind.values:
        raise ValidationError({"kind": "Vai trò không hợp lệ."})
    if not unit.is_open:
        raise ValidationError({"unit": f"{unit.display_name} đã ngừng hoạt động."})
    existing = Role.objects.filter(user=user, unit=unit, kind=kind).first()
    if existing:
        raise ValidationError(
            f"{person_name(user)} đã có vai trò {existing.get_kind_display().lower()} ở {unit.display_name}."
        )
    role = Role(user=user, unit=unit, kind=kind, granted_by=actor)
    stamp(role, actor=actor, reason="Giao vai trò")
    role.save()
    scoping.forget_roles(user)
    return role


@transaction.atomic
def role_revoke(*, actor, role: Role) -> None:
    """Take a role back. The last role of an active account is kept: deactivate the account instead, so that
    it never drops out of every administrator's sight while it can still log in."""
    _ensure_manages(actor, role.unit)
    user = role.user
    if user.is_active and not Role.objects.filter(user=user).exclude(pk=role.pk).exists():
        raise ValidationError(
            f"Đây là vai trò cuối cùng của {person_name(user)}: hãy khóa tài khoản thay vì thu hồi vai trò."
        )
    stamp(role, actor=actor, reason="Thu hồi vai trò")
    role.delete()
    scoping.forget_roles(user)


@transaction.atomic
def user_password_reset(*, actor, user, password: str = "") -> str:
    """Set a new password (generated when none is given) and lift any login lockout. Returns the password."""
    ensure_can_manage_user(actor, user)
    password = password or generate_password()
    check_password_strength(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _mark_temporary(user, actor)
    user_unlock(actor=actor, user=user)
    return password


@transaction.atomic
def user_set_active(*, actor, user, active: bool):
    """Deactivate (the user can no longer log in; roles and history stay) or reactivate an account."""
    ensure_can_manage_user(actor, user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


def user_lockouts(user) -> int:
    """Failed-login records of this user name (any address)."""
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(username=user.get_username()).count()


def user_unlock(*, actor, user) -> int:
    """Lift the login throttle of this user name from every address. Returns the records removed."""
    from axes.utils import reset

    if not actor.is_superuser and not any(
        scoping.can(actor, scoping.MANAGE, role.unit) for role in Role.objects.filter(user=user).select_related("unit")
    ):
        raise PermissionDenied("Người dùng này không thuộc phạm vi quản trị của bạn.")
    return reset(username=user.get_username())
