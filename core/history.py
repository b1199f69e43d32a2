"""Who did it: the actor recorded with every change (design.md §4), for the web, imports and commands."""

import sys
from contextlib import contextmanager

from simple_history.utils import update_change_reason  # noqa: F401  (re-exported for services)


def command_line() -> str:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--settings")]
    return ("lệnh: " + " ".join(args))[:100]


def stamp(instance, *, actor=None, reason: str = "") -> None:
    """Mark an instance so its next save records `actor` (a user, or None for a command) and `reason`."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        instance._history_user = actor
    instance._change_reason = (reason or ("" if actor is not None else command_line()))[:100]


@contextmanager
def no_request_user():
    """Commands and worker tasks have no request; simple-history then records the explicit actor only."""
    yield
