"""Reads beyond one database server: read-only screens read a PostgreSQL streaming replica when one is configured.

Three rules (docs/decisions.md, "Reads on a replica"):

1. Only what is marked reads the replica: a view decorated with `replica_reads` (or a class view with
   `ReplicaReadsMixin`), every GET/HEAD of the API (api/views/base.py, after authentication), or a block of code
   under `reading_replica()`. Everything else reads and writes the
   primary, and so does every read inside a transaction (`atomic`) on the primary, and every read of the tables
   the login, the session and the lock-out depend on.
2. Read your writes: a session that sent a write (any POST, PUT, PATCH or DELETE) reads the primary for
   `DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS` after it; so does an API token (the time is kept on the token).
3. A cached answer is never computed from a replica older than the write that forgot the previous one: a writer
   names the primary's WAL position in the token it replaces (`position_after_commit`), and a reader about to
   compute under such tokens reads the primary instead while the replica has not replayed that far
   (`reads_at_least`).
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

REPLICA = "replica"  # the alias of the replica in DATABASES
PRIMARY = "default"
SESSION_KEY = "_kh_wrote_at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Tables whose stale copy would log a user out, let a locked-out login through or lose a message.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "axes", "contenttypes", "admin", "otp_static", "otp_totp"})

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("kh_reading_replica", default=False)


def replica_configured() -> bool:
    return bool(settings.DATABASE_REPLICA)


def reading_replica_now() -> bool:
    """Whether a read issued here would go to the replica."""
    return _reading_replica.get() and replica_configured() and not connections[PRIMARY].in_atomic_block


@contextmanager
def reading_replica(enabled: bool = True):
    """Reads in this block go to the replica (when one is configured and outside a transaction)."""
    token = _reading_replica.set(enabled)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reading_primary():
    return reading_replica(False)


class ReplicaRouter:
    """Reads to the replica inside a marked screen or block; writes, migrations and reads within a write to the
    primary. Listed in DATABASE_ROUTERS only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        return REPLICA if reading_replica_now() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both aliases are copies of one database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def replica_reads(view):
    """Mark a function view whose reads may come from the replica (a read-only screen)."""
    view.replica_reads = True
    return view


class ReplicaReadsMixin:
    """The class-based form of `replica_reads`."""

    @classmethod
    def as_view(cls, **initkwargs):
        return replica_reads(super().as_view(**initkwargs))


def _within_window(wrote_at: float | None) -> bool:
    return wrote_at is not None and time.time() - wrote_at < settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS


def _wrote_recently(request) -> bool:
    session = getattr(request, "session", None)
    return session is not None and _within_window(session.get(SESSION_KEY))


def replica_reads_allowed(request, *, wrote_at: float | None = None) -> bool:
    """Whether `request` may read the replica: a safe method, a replica configured, and no write within the
    read-your-writes window, neither by its session nor, for a caller a session does not follow (an API token),
    at `wrote_at` (seconds since the epoch)."""
    return (
        request.method in SAFE_METHODS
        and replica_configured()
        and not _wrote_recently(request)
        and not _within_window(wrote_at)
    )


def write_remembered_elsewhere(request) -> None:
    """The caller of `request` keeps the time of its write itself (an API token): leave the session alone."""
    request.kh_write_remembered = True


class ReplicaRoutingMiddleware:
    """Sends a marked read-only screen's reads to the replica, from the view to the rendered page, unless the
    session wrote a moment ago; remembers in the session when it writes. Place it after the session and
    authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reading_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_replica.reset(token)
        session = getattr(request, "session", None)
        if (
            request.method not in SAFE_METHODS
            and session is not None
            and replica_configured()
            and not getattr(request, "kh_write_remembered", False)
        ):
            session[SESSION_KEY] = time.time()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "replica_reads", False) and replica_reads_allowed(request):
            _reading_replica.set(True)  # undone by __call__ when the response is complete


# WAL positions ("16/B374D848") compared as numbers.
def _lsn_value(position: str) -> int:
    high, low = position.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def position_after_commit() -> str | None:
    """The primary's WAL position now (call it after a commit); None when no replica is configured."""
    if not replica_configured():
        return None
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_position() -> str | None:
    """How far the replica has replayed the primary's WAL (None: no replica, or it is not replaying)."""
    if not replica_configured():
        return None
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        return cursor.fetchone()[0]


@contextmanager
def reads_at_least(positions):
    """Reads in this block see every write up to `positions` (WAL positions, None entries ignored): on the replica
    when it has replayed that far, else on the primary."""
    wanted = [p for p in positions if p]
    if not wanted or not reading_replica_now():
        yield
        return
    needed = max(wanted, key=_lsn_value)
    replayed = replica_position()
    if replayed is not None and _lsn_value(replayed) >= _lsn_value(needed):
        yield
        return
    with reading_primary():
        yield
