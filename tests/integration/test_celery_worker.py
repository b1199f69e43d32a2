"""A real Celery worker, started as a process, takes a task from Redis and runs it against the test database."""

import subprocess
import uuid
from urllib.parse import quote

import pytest
from celery import Celery
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from chapters.models import Unit
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory

from .conftest import ROOT, VENV_BIN, clean_env, stop_group, tail, wait_until

pytestmark = pytest.mark.slow
BROKER = "redis://127.0.0.1:6379/15"


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        if db["NAME"] in ("", ":memory:") or str(db["NAME"]).startswith("file:memorydb"):
            pytest.skip("a worker process cannot share an in-memory SQLite database")
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    env = clean_env(
        KHUYENHOC_ENV="test",
        KHUYENHOC_VAR_DIR=str(tmp_path),
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=BROKER,
        REDIS_URL=BROKER,
    )
    command = [
        str(VENV_BIN / "celery"),
        "-A",
        "khuyenhoc",
        "worker",
        "--queues",
        "default,pdf",
        "--pool",
        "solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
        "--hostname",
        f"test-{uuid.uuid4().hex[:8]}@%h",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_until(lambda: " ready." in log.read_text(errors="replace"), timeout=60, process=process, log=log)
        yield process, log
    finally:
        stop_group(process, timeout=20)


def test_real_worker_runs_tasks_of_both_queues_from_redis_on_the_test_database(worker):
    process, log = worker
    province = ProvinceFactory()
    commune = CommuneFactory(parent=province)
    UnitFactory.create_batch(3, parent=commune)
    units = Unit.objects.count()
    sender = Celery("probe", broker=BROKER)
    results = RedisCache(BROKER, {})
    for queue in ("default", "pdf"):
        token = uuid.uuid4().hex
        assert results.get(f"system:ping:{token}") is None
        sender.send_task("chapters.ping", args=[token], queue=queue)
        result = wait_until(lambda t=token: results.get(f"system:ping:{t}"), timeout=60, process=process, log=log)
        # Written by the worker process, which counted the rows this test committed in the test database.
        assert result["database"] == connection.settings_dict["NAME"], tail(log)
        assert result["units"] == units == 5
    assert "chapters.ping" in log.read_text() and "succeeded" in log.read_text()
