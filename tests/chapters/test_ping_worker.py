import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chapters import tasks_system
from chapters.management.commands import ping_worker
from tests.factories import ProvinceFactory


@pytest.mark.django_db
def test_ping_records_the_database_it_read_in_the_shared_cache():
    ProvinceFactory.create_batch(2)
    result = tasks_system.ping("abc123")
    assert tasks_system.ping_result("abc123") == result == tasks_system.last_ping()
    assert result["units"] == 2 and result["database"] == str(connection.settings_dict["NAME"])


@pytest.mark.django_db
def test_ping_worker_reports_each_queue_answered():
    out = io.StringIO()
    call_command("ping_worker", "--timeout", "5", stdout=out)  # tasks run eagerly in the tests
    assert "Hàng đợi default: worker đã trả lời" in out.getvalue()
    assert "Hàng đợi pdf: worker đã trả lời" in out.getvalue()


@pytest.mark.django_db
def test_ping_worker_fails_in_vietnamese_when_no_worker_answers(monkeypatch):
    monkeypatch.setattr(ping_worker, "ping_wait", lambda token, timeout: None)
    with pytest.raises(CommandError, match="Worker không trả lời trên hàng đợi «default» sau 1 giây"):
        call_command("ping_worker", "--timeout", "1", stdout=io.StringIO())
