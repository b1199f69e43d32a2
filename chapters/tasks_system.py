"""A trivial task proving that a worker is alive and reads the same database as the web server.

Used by `manage.py ping_worker`, the smoke tests and the integration test against a real worker. The result
goes to the shared cache (Redis in production, a folder under var/ in the embedded default), so no table is
needed for it.
"""

import time

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

PING_KEY = "system:ping:"


@shared_task(name="chapters.ping")
def ping(token: str) -> dict:
    from chapters.models import Unit

    result = {
        "token": token,
        "at": timezone.now().isoformat(),
        "database": str(connection.settings_dict["NAME"]),
        "units": Unit.objects.count(),
    }
    cache.set(PING_KEY + token, result, timeout=3600)
    cache.set(PING_KEY + "last", result, timeout=None)
    return result


def ping_result(token: str) -> dict | None:
    return cache.get(PING_KEY + token)


def ping_wait(token: str, *, timeout: float = 30.0, interval: float = 0.25) -> dict | None:
    """Poll the cache until the ping with `token` has run; None when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = ping_result(token)
        if result is not None:
            return result
        time.sleep(interval)
    return None


def last_ping() -> dict | None:
    """The last ping any worker answered: shown on the health page."""
    return cache.get(PING_KEY + "last")
