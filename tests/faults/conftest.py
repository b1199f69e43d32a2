"""Fault injection: real outages of the boundaries (Redis as cache and as broker), not mocks of our code."""

import pytest
from celery import current_app

from tests.members.conftest import make_member  # noqa: F401 - shared with the members tests

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


@pytest.fixture
def cache_down(settings):
    """The cache's Redis is stopped: connections are refused."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": NOWHERE}}


@pytest.fixture
def broker_down():
    """The broker's Redis is stopped: tasks cannot be sent (and are not run inline)."""
    conf = current_app.conf
    saved = {name: conf[name] for name in ("broker_url", "task_always_eager", "task_publish_retry")}
    conf.update(broker_url=NOWHERE, task_always_eager=False, task_publish_retry=False)
    _forget_connections()
    yield
    conf.update(**saved)
    _forget_connections()


def _forget_connections():
    current_app._pool = None
    current_app.amqp._producer_pool = None
