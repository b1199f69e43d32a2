"""Personal data rules (Law 91/2025/QH15, Decree 356/2025): who sees a citizen ID, masking, the access log."""

from collections.abc import Iterable

from django.db.models import Q

from chapters import scoping
from chapters.models import Role
from core.text import person_name

from .models import Clan, Household, Member, PersonalDataAccess


def _citizen_id_rule(user) -> tuple[bool, list[str], list[str]]:
    """(sees all, paths administered, paths of chapters where the user is secretary)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False, [], []
    if user.is_superuser:
        return True, [], []
    administered = scoping.role_paths(user, scoping.MANAGE) or []
    secretary_of = [path for kind, path in scoping._roles(user) if kind == Role.Kind.SECRETARY]
    return False, administered, secretary_of


def can_see_citizen_id(user, member: Member) -> bool:
    """The one rule for citizen IDs: a superuser, an administrator of a unit above the member, or a secretary
    of the member's own chapter sees it in full; everybody else sees it masked."""
    everything, administered, secretary_of = _citizen_id_rule(user)
    path = member.unit.path
    return everything or any(path.startswith(p) for p in administered) or path in secretary_of


def citizen_id_visible_q(user, *, unit_field: str = "unit") -> Q:
    """The same rule as a filter, for exports: the members whose citizen ID `user` may see in full."""
    everything, administered, secretary_of = _citizen_id_rule(user)
    if everything:
        return Q()
    query = Q(pk__in=[])
    for path in administered:
        query |= Q(**{f"{unit_field}__path__startswith": path})
    if secretary_of:
        query |= Q(**{f"{unit_field}__path__in": secretary_of})
    return query


def mask_citizen_id(value: str) -> str:
    """ "001204012345" → "•••••••••345": enough to tell two people apart, not enough to misuse."""
    if not value:
        return ""
    return "•" * (len(value) - 3) + value[-3:]


def citizen_id_for(user, member: Member) -> str:
    return member.citizen_id if can_see_citizen_id(user, member) else mask_citizen_id(member.citizen_id)


def _user_name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        from core.history import command_line

        return command_line()
    return person_name(user)


_SUBJECT_FIELD = {Member: "member_id", Household: "household_id", Clan: "clan_id"}


def access_log(user, members: Iterable[Member | Household | Clan], action: str, detail: str = "") -> int:
    """Record that `user` opened, exported or erased the personal data of `members` (members, households or
    clans: a household's head, address and phone, a clan's representative and phone are personal data too)."""
    name = _user_name(user)
    rows = [
        PersonalDataAccess(
            **{_SUBJECT_FIELD[type(record)]: record.pk},
            unit_id=record.unit_id,
            user=user if getattr(user, "is_authenticated", False) else None,
            user_name=name[:150],
            action=action,
            detail=detail[:255],
        )
        for record in members
    ]
    PersonalDataAccess.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
