"""Reads on a real PostgreSQL streaming replica (core/replicas.py): the read-only screens read it, everything else
and every read inside a write reads the primary, a session reads its own writes, and the dashboard is never older
than the write that changed its figures, with replication lag included.

The test makes its own primary (initdb on a free port, replication allowed from 127.0.0.1) holding a copy of the
test database, and a streaming replica of it (pg_basebackup -R on another port): the shared cluster on 5432 is
left alone (its pg_hba.conf has no replication entry; docs/operations.md says what production needs). Lag is made
on purpose by pausing the replica's replay (pg_wal_replay_pause), not by timing.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from core import replicas
from members import services
from members.models import Member
from tests.integration.conftest import wait_until

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "pg_restore", "createdb")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not all((PG_BIN / name).exists() for name in NEEDED),
        reason=f"PostgreSQL server binaries ({', '.join(NEEDED)}) not found in {PG_BIN} (set PG_BIN)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as_postgres(*command, **kwargs):
    """initdb and the server refuse to run as root: run them as the postgres user when we are root."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=180, **kwargs)


def _start(data: Path, port: int, log: Path) -> None:
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data.parent} -c fsync=off -c max_wal_senders=4"
    _run_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120", "-o", options, "start")


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    """A primary with a copy of the test database and a streaming replica of it; both removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="kh-replica-"))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(base, postgres.pw_uid, postgres.pw_gid)
    primary, replica = base / "primary", base / "replica"
    ports = {"primary": _free_port(), "replica": _free_port()}
    started = []
    test_database = connections["default"].settings_dict
    try:
        _run_as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        _start(primary, ports["primary"], base / "primary.log")
        started.append(primary)
        # The test database as migrations left it, copied onto the new primary.
        dump = base / "schema.dump"
        subprocess.run(
            [PG_BIN / "pg_dump", "-h", test_database["HOST"] or "127.0.0.1", "-p", str(test_database["PORT"] or 5432),
             "-U", test_database["USER"] or "postgres", "-Fc", "-f", dump, test_database["NAME"]],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        os.chmod(dump, 0o644)
        target = ("-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres")
        _run_as_postgres(str(PG_BIN / "createdb"), *target, "kh_replica_test")
        _run_as_postgres(str(PG_BIN / "pg_restore"), *target, "--no-owner", "-d", "kh_replica_test", str(dump))
        # The replica: a base backup streaming from the primary (-R writes standby.signal and primary_conninfo).
        # An immediate checkpoint (-c fast): the default spread one paces its writes over minutes (127 s here).
        _run_as_postgres(
            str(PG_BIN / "pg_basebackup"), *target, "-D", str(replica), "-R", "-X", "stream", "-c", "fast", "--no-sync"
        )
        _start(replica, ports["replica"], base / "replica.log")
        started.append(replica)
        yield ports
    finally:
        for data in reversed(started):
            _run_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def on_pair(pair, transactional_db, settings):
    """Point `default` at the new primary and add a `replica` connection for one test; undo it afterwards."""
    default = connections["default"]
    saved = dict(default.settings_dict)
    default.close()
    default.settings_dict.update(HOST="127.0.0.1", PORT=str(pair["primary"]), NAME="kh_replica_test")
    # Made by hand, not listed in DATABASES: the test database machinery has nothing to create or flush there.
    replica_settings = {**default.settings_dict, "PORT": str(pair["replica"])}
    connections[replicas.REPLICA] = load_backend(default.settings_dict["ENGINE"]).DatabaseWrapper(
        replica_settings, replicas.REPLICA
    )
    settings.DATABASE_REPLICA = True
    try:
        yield
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
        with connections["default"].cursor() as cursor:
            tables = ", ".join(f'"{name}"' for name in connections["default"].introspection.django_table_names())
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        connections[replicas.REPLICA].close()
        del connections[replicas.REPLICA]
        default.close()
        default.settings_dict.clear()
        default.settings_dict.update(saved)


def _replica_sql(sql):
    with connections[replicas.REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] if cursor.description else None


def _caught_up() -> bool:
    wanted = replicas.position_after_commit()
    return replicas._lsn_value(replicas.replica_position()) >= replicas._lsn_value(wanted)


def _pause_replay():
    wait_until(_caught_up, timeout=60)
    _replica_sql("SELECT pg_wal_replay_pause()")
    wait_until(lambda: _replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused", timeout=60)


def _resume_replay():
    _replica_sql("SELECT pg_wal_replay_resume()")
    wait_until(_caught_up, timeout=60)


def _member(unit, name):
    today = timezone.localdate()
    return services.member_create(unit=unit, full_name=name, gender="F", birth_year=1965, joined_on=today)


def _listed(client) -> set[str]:
    page = client.get(reverse("members:member_list"))
    assert page.status_code == 200
    return {member.full_name for member in page.context["object_list"]}


def test_list_reads_the_replica_and_the_rest_reads_the_primary(tree, officer, client_for):
    client = client_for(officer)
    _member(tree.chapter, "Nguyễn Thị Cũ")
    _pause_replay()
    new = _member(tree.chapter, "Trần Thị Mới")  # committed on the primary; the replica does not replay it yet

    with CaptureQueriesContext(connections[replicas.REPLICA]) as on_replica:
        assert _listed(client) == {"Nguyễn Thị Cũ"}  # the list: a read-only screen, from the replica
    assert on_replica.captured_queries
    # A screen not marked read-only (the member's own page) reads the primary.
    assert client.get(reverse("members:member_detail", args=[new.pk])).status_code == 200

    with replicas.reading_replica():
        assert not Member.objects.filter(pk=new.pk).exists()  # the replica, behind
        with transaction.atomic():
            assert Member.objects.filter(pk=new.pk).exists()  # a read inside a write: the primary

    _resume_replay()
    assert _listed(client) == {"Nguyễn Thị Cũ", "Trần Thị Mới"}


def test_a_secretary_sees_her_own_write_at_once(tree, secretary, officer, client_for):
    from django.test import Client

    client = client_for(secretary)
    _pause_replay()
    response = client.post(
        reverse("members:member_quick_add"),
        {"full_name": "Phạm Thị Vừa Thêm", "birth_year": "1962", "gender": "F", "phone": "0987 654 321",
         "unit": tree.chapter.pk, "joined_on": timezone.localdate().strftime("%d/%m/%Y")},
    )  # fmt: skip
    assert response.status_code == 302
    assert Member.objects.filter(full_name="Phạm Thị Vừa Thêm").exists()

    assert _listed(client) == {"Phạm Thị Vừa Thêm"}  # her session reads the primary for a while
    other = Client()
    other.force_login(officer)
    assert _listed(other) == set()  # another session reads the replica, still behind
    with override_settings(DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS=0):
        assert _listed(client) == set()  # after the window her reads go back to the replica

    _resume_replay()
    assert _listed(other) == {"Phạm Thị Vừa Thêm"}


def test_dashboard_is_never_older_than_the_write_that_changed_it(tree, officer, client_for):
    client = client_for(officer)
    year = timezone.localdate().year
    url = reverse("reports:unit_dashboard", args=[tree.commune.pk])

    def members_on_dashboard():
        page = client.get(url, {"year": year})
        assert page.status_code == 200
        return page.context["figures"].get("members.end")

    _member(tree.chapter, "Nguyễn Thị Một")
    wait_until(_caught_up, timeout=60)
    with CaptureQueriesContext(connections[replicas.REPLICA]) as on_replica:
        assert members_on_dashboard() == 1  # computed on the replica and cached
    assert on_replica.captured_queries

    _pause_replay()
    _member(tree.other_chapter, "Lê Thị Hai")  # replaces the cached roll-up's tokens, naming its WAL position
    with replicas.reading_replica():
        assert Member.objects.count() == 1  # the replica is behind that write
    assert members_on_dashboard() == 2  # so the new figures are computed on the primary, not from the replica

    _resume_replay()
    assert members_on_dashboard() == 2


def test_the_api_reads_the_replica_and_a_token_sees_its_own_write_at_once(tree, secretary, officer):
    from django.test import Client

    from api.services import token_create

    _member(tree.chapter, "Nguyễn Thị Cũ")
    _pause_replay()
    # Tokens made while the replica is behind: authentication reads the primary, so they work at once.
    clients = {}
    for user in (secretary, officer):
        _token, secret = token_create(user=user, name="tích hợp")
        clients[user] = Client(headers={"Authorization": f"Bearer {secret}"})
    writer, reader = clients[secretary], clients[officer]

    def names(client):
        response = client.get("/api/v1/members/", {"unit": tree.chapter.pk})
        assert response.status_code == 200
        return {row["full_name"] for row in response.json()["results"]}

    with CaptureQueriesContext(connections[replicas.REPLICA]) as on_replica:
        assert names(reader) == {"Nguyễn Thị Cũ"}
    assert on_replica.captured_queries
    body = {"unit": tree.chapter.pk, "full_name": "Phạm Thị Vừa Đẩy", "joined_on": str(timezone.localdate())}
    assert (
        writer.post("/api/v1/members/", {**body, "gender": "F", "birth_year": 1962}, "application/json").status_code
        == 201
    )

    assert names(writer) == {"Nguyễn Thị Cũ", "Phạm Thị Vừa Đẩy"}  # the token that wrote reads the primary
    assert names(reader) == {"Nguyễn Thị Cũ"}  # another token reads the replica, still behind
    with override_settings(DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS=0):
        assert names(writer) == {"Nguyễn Thị Cũ"}  # after the window, the replica again

    _resume_replay()
    assert names(reader) == {"Nguyễn Thị Cũ", "Phạm Thị Vừa Đẩy"}
