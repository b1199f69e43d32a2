"""The replica router and its middleware, decided without a replica (tests/integration/test_replica.py runs them on
a real streaming replica)."""

import time

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory

from core import replicas
from core.replicas import PRIMARY, REPLICA, ReplicaRouter, ReplicaRoutingMiddleware, reading_replica, replica_reads
from members.models import Member

router = ReplicaRouter()


@pytest.fixture
def configured(settings):
    settings.DATABASE_REPLICA = True
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 15


def test_reads_go_to_the_primary_unless_a_block_asks_for_the_replica(configured):
    assert router.db_for_read(Member) == PRIMARY
    with reading_replica():
        assert router.db_for_read(Member) == REPLICA
        assert router.db_for_write(Member) == PRIMARY
    assert router.db_for_read(Member) == PRIMARY


def test_without_a_replica_configured_everything_reads_the_primary(settings):
    settings.DATABASE_REPLICA = False
    with reading_replica():
        assert router.db_for_read(Member) == PRIMARY


def test_a_read_inside_a_write_goes_to_the_primary(configured, monkeypatch):
    monkeypatch.setattr(connections[PRIMARY], "in_atomic_block", True)
    with reading_replica():
        assert router.db_for_read(Member) == PRIMARY


def test_logins_and_sessions_always_read_the_primary(configured):
    from django.contrib.sessions.models import Session

    with reading_replica():
        assert router.db_for_read(User) == PRIMARY
        assert router.db_for_read(Session) == PRIMARY


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(PRIMARY, "members")
    assert not router.allow_migrate(REPLICA, "members")


def _request(method="get", wrote_at=None):
    request = getattr(RequestFactory(), method)("/")
    request.session = SessionStore()
    if wrote_at is not None:
        request.session[replicas.SESSION_KEY] = wrote_at
    return request


def _serve(request, view):
    """Run a request through the middleware; returns where the view's reads went."""
    seen = {}

    def get_response(req):
        middleware.process_view(req, view, (), {})
        seen["read"] = router.db_for_read(Member)
        return HttpResponse()

    middleware = ReplicaRoutingMiddleware(get_response)
    middleware(request)
    seen["after"] = router.db_for_read(Member)
    return seen


@replica_reads
def marked(request):
    return HttpResponse()


def unmarked(request):
    return HttpResponse()


def test_a_marked_screen_reads_the_replica_and_nothing_after_it_does(configured):
    assert _serve(_request(), marked) == {"read": REPLICA, "after": PRIMARY}


def test_an_unmarked_screen_reads_the_primary(configured):
    assert _serve(_request(), unmarked)["read"] == PRIMARY


def test_a_session_that_just_wrote_reads_the_primary_for_the_window(configured, settings):
    request = _request("post")
    assert _serve(request, marked)["read"] == PRIMARY  # a write is never sent to the replica
    wrote_at = request.session[replicas.SESSION_KEY]
    assert _serve(_request(wrote_at=wrote_at), marked)["read"] == PRIMARY
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 0
    assert _serve(_request(wrote_at=wrote_at), marked)["read"] == REPLICA


def test_an_old_write_no_longer_holds_the_session_on_the_primary(configured):
    assert _serve(_request(wrote_at=time.time() - 3600), marked)["read"] == REPLICA


def test_without_a_replica_a_post_leaves_the_session_alone(settings):
    settings.DATABASE_REPLICA = False
    request = _request("post")
    _serve(request, marked)
    assert replicas.SESSION_KEY not in request.session


def test_wal_positions_compare_as_numbers():
    assert replicas._lsn_value("1/0") > replicas._lsn_value("0/FFFFFFFF")
    assert replicas._lsn_value("0/A") > replicas._lsn_value("0/9")
