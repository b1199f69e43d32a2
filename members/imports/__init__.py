"""The members app's spreadsheet kinds for the shared import mechanism (chapters/imports): members, households,
clans and dues. Registered in MembersConfig.ready()."""

from .dues import DuesKind, dues_kind
from .households import ClanKind, HouseholdKind, clan_kind, household_kind
from .members import MemberKind, member_kind

__all__ = [
    "ClanKind",
    "DuesKind",
    "HouseholdKind",
    "MemberKind",
    "clan_kind",
    "dues_kind",
    "household_kind",
    "member_kind",
]


def register_all() -> None:
    from core.imports.kinds import register

    for kind in (member_kind, household_kind, clan_kind, dues_kind):
        register(kind)
