from .cards import member_cards
from .households import (
    ClanCreateView,
    ClanDetailView,
    ClanListView,
    ClanUpdateView,
    HouseholdCreateView,
    HouseholdDetailView,
    HouseholdListView,
    HouseholdUpdateView,
)
from .members import (
    MemberCreateView,
    MemberDetailView,
    MemberListView,
    MemberUpdateView,
    due_delete,
    member_bulk,
    member_dues,
    member_erase,
    member_leave,
    member_move,
    member_quick_add,
)
from .moves import moverequest_accept, moverequest_cancel, moverequest_decline, moverequest_list
from .privacy import AccessLogView

__all__ = [
    "AccessLogView",
    "ClanCreateView",
    "ClanDetailView",
    "ClanListView",
    "ClanUpdateView",
    "HouseholdCreateView",
    "HouseholdDetailView",
    "HouseholdListView",
    "HouseholdUpdateView",
    "MemberCreateView",
    "MemberDetailView",
    "MemberListView",
    "MemberUpdateView",
    "due_delete",
    "member_bulk",
    "member_cards",
    "member_dues",
    "member_erase",
    "member_leave",
    "member_move",
    "member_quick_add",
    "moverequest_accept",
    "moverequest_cancel",
    "moverequest_decline",
    "moverequest_list",
]
