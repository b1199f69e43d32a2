"""The approval state machine of a period's report (design.md §15), in one place: its states, the actions that
move it, and who may take each. Pure: no database, so the whole table (every state × action × role) is tested.

    draft ──finalise──▶ final ──submit──▶ submitted ──accept──▶ accepted ──reopen──▶ returned
                          ▲                   │                                         │
                          └──────finalise─────┴──return──▶ returned ◀───────────────────┘
    draft, final, returned ──waive──▶ waived ──reopen──▶ returned

The unit's own officers write, finalise and submit (AUTHOR); the officers of the level above accept, return,
waive and re-open (REVIEWER), and so may an administrator of the level above (ADMINISTRATOR). Secretaries and
viewers read (READER). Side effects (numbering, the closed year, notifications) live in reports/approval.py.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

from reports.models import Report, ReportEvent

State = Report.Status
Action = ReportEvent.Action


class Role(models.TextChoices):
    AUTHOR = "author", "cán bộ của chính đơn vị"
    REVIEWER = "reviewer", "cán bộ của hội cấp trên"
    ADMINISTRATOR = "administrator", "quản trị của hội cấp trên"
    READER = "reader", "người chỉ được xem"


ABOVE = frozenset({Role.REVIEWER, Role.ADMINISTRATOR})
OWN = frozenset({Role.AUTHOR})

# (state, action) → (next state, roles allowed). Anything absent is refused.
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset]] = {
    (State.DRAFT, Action.FINALISE): (State.FINAL, OWN),
    (State.RETURNED, Action.FINALISE): (State.FINAL, OWN),
    (State.FINAL, Action.SUBMIT): (State.SUBMITTED, OWN),
    (State.SUBMITTED, Action.ACCEPT): (State.ACCEPTED, ABOVE),
    (State.SUBMITTED, Action.RETURN): (State.RETURNED, ABOVE),
    (State.DRAFT, Action.WAIVE): (State.WAIVED, ABOVE),
    (State.FINAL, Action.WAIVE): (State.WAIVED, ABOVE),
    (State.RETURNED, Action.WAIVE): (State.WAIVED, ABOVE),
    (State.ACCEPTED, Action.REOPEN): (State.RETURNED, ABOVE),
    (State.WAIVED, Action.REOPEN): (State.RETURNED, ABOVE),
}
# These need a written reason: the unit must know what to correct, and a waiver or a re-opening why.
NEEDS_REASON = frozenset({Action.RETURN, Action.WAIVE, Action.REOPEN})
# The states in which the unit may change its texts and render again.
EDITABLE = frozenset({State.DRAFT, State.RETURNED})
# The states that count as "done" for the parent's own submission.
SETTLED = frozenset({State.ACCEPTED, State.WAIVED})


class Refused(ValidationError):
    """An action not allowed in the state or for the role; the message is for the user."""


@dataclass(frozen=True)
class Step:
    action: str
    source: str
    target: str


def _who(roles: frozenset) -> str:
    return " hoặc ".join(str(role.label) for role in Role if role in roles)


def transition(state: str, action: str, roles: set[str] | frozenset, reason: str = "") -> Step:
    """The step `action` takes from `state` for someone holding `roles`, or Refused with why not."""
    if action not in Action.values:
        raise Refused("Thao tác không hợp lệ.")
    label = Action(action).label
    found = TRANSITIONS.get((state, action))
    if found is None:
        raise Refused(f"Không thể {label} báo cáo đang ở trạng thái «{State(state).label}».")
    target, allowed = found
    if not allowed & set(roles):
        raise Refused(f"Chỉ {_who(allowed)} mới được {label} báo cáo này.")
    if action in NEEDS_REASON and not reason.strip():
        raise Refused(f"Hãy ghi lý do {label}.")
    return Step(action=action, source=state, target=target)


def allowed_actions(state: str, roles: set[str] | frozenset) -> list[str]:
    """The actions the holder of `roles` may take from `state` (the buttons a page shows)."""
    return [action for (source, action), (_t, who) in TRANSITIONS.items() if source == state and who & set(roles)]
