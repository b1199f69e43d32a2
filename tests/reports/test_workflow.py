"""The approval state machine, exhaustively: every state × every action × every role (issue 16, Tests).

The expected table is written out here by hand, not derived from reports/workflow.py, so a change to the machine
that nobody meant shows up as a failing cell."""

import itertools

import pytest

from reports.models import Report
from reports.workflow import Action, Refused, Role, allowed_actions, transition

S = Report.Status
A, R, M, V = Role.AUTHOR, Role.REVIEWER, Role.ADMINISTRATOR, Role.READER

# (state, action) → (state after, roles that may take it). Every other cell is refused.
EXPECTED = {
    (S.DRAFT, Action.FINALISE): (S.FINAL, {A}),
    (S.RETURNED, Action.FINALISE): (S.FINAL, {A}),
    (S.FINAL, Action.SUBMIT): (S.SUBMITTED, {A}),
    (S.SUBMITTED, Action.ACCEPT): (S.ACCEPTED, {R, M}),
    (S.SUBMITTED, Action.RETURN): (S.RETURNED, {R, M}),
    (S.DRAFT, Action.WAIVE): (S.WAIVED, {R, M}),
    (S.FINAL, Action.WAIVE): (S.WAIVED, {R, M}),
    (S.RETURNED, Action.WAIVE): (S.WAIVED, {R, M}),
    (S.ACCEPTED, Action.REOPEN): (S.RETURNED, {R, M}),
    (S.WAIVED, Action.REOPEN): (S.RETURNED, {R, M}),
}
ROLE_SETS = [frozenset(), frozenset({A}), frozenset({R}), frozenset({M}), frozenset({V}), frozenset({A, R})]
CELLS = list(itertools.product(S.values, Action.values, ROLE_SETS))


def test_the_table_covers_every_state_action_and_role():
    assert len(CELLS) == 6 * 6 * 6
    assert set(S.values) == {"draft", "final", "submitted", "returned", "accepted", "waived"}


@pytest.mark.parametrize(
    ("state", "action", "roles"),
    CELLS,
    ids=lambda v: "+".join(sorted(v)) or "none" if isinstance(v, frozenset) else str(v),
)
def test_every_cell(state, action, roles):
    expected = EXPECTED.get((state, action))
    if expected is not None and expected[1] & roles:
        step = transition(state, action, roles, reason="Thiếu số liệu quỹ")
        assert (step.source, step.action, step.target) == (state, action, expected[0])
        assert action in allowed_actions(state, roles)
    else:
        with pytest.raises(Refused) as refused:
            transition(state, action, roles, reason="Thiếu số liệu quỹ")
        message = refused.value.messages[0]
        if expected is None:  # not allowed in this state, whoever asks
            assert message.startswith("Không thể ") and f"«{S(state).label}»" in message
        else:  # allowed in this state, but not for these roles: the message names who may
            assert message.startswith("Chỉ ") and Action(action).label in message
        assert action not in allowed_actions(state, roles)


@pytest.mark.parametrize(("source", "action"), [(s, a) for (s, a) in EXPECTED if a in ("return", "waive", "reopen")])
def test_return_waive_and_reopen_need_a_written_reason(source, action):
    for blank in ("", "   \n"):
        with pytest.raises(Refused, match="Hãy ghi lý do"):
            transition(source, action, {R}, reason=blank)


def test_an_unknown_action_is_refused():
    with pytest.raises(Refused, match="Thao tác không hợp lệ"):
        transition(S.SUBMITTED, "approve-everything", {R, M, A})
