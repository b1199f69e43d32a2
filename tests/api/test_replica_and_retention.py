"""Where the API reads (a replica when one is configured, the primary for a caller that just wrote), how long
the replies kept for Idempotency-Key live, and the access log of households and clans."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from api.models import IdempotentReply
from core import replicas
from members.models import Clan, PersonalDataAccess

from .conftest import YEAR


@pytest.fixture
def replica(settings, monkeypatch):
    """A `replica` alias that is the test database itself (so it sees the test's rows), and a record of the
    alias each model read was routed to. The test's own transaction is not counted as a write: only a
    transaction opened inside the test keeps reads on the primary."""
    settings.DATABASE_REPLICA = True
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 15
    connections[replicas.REPLICA] = connections[replicas.PRIMARY]
    reads = []
    original = replicas.ReplicaRouter.db_for_read

    def db_for_read(self, model, **hints):
        alias = original(self, model, **hints)
        reads.append((model._meta.label, alias))
        return alias

    monkeypatch.setattr(replicas.ReplicaRouter, "db_for_read", db_for_read)
    primary = connections[replicas.PRIMARY]
    depth, reading_replica_now = len(primary.atomic_blocks), replicas.reading_replica_now

    def outside_the_test_transaction():
        if len(primary.atomic_blocks) > depth:
            return False
        primary.in_atomic_block = False
        try:
            return reading_replica_now()
        finally:
            primary.in_atomic_block = True

    monkeypatch.setattr(replicas, "reading_replica_now", outside_the_test_transaction)
    yield reads
    del connections[replicas.REPLICA]


def _aliases(reads, label):
    return {alias for seen, alias in reads if seen == label}


def test_api_reads_go_to_the_replica(api, world, secretary, replica):
    client = api(secretary)
    response = client.get("/api/v1/members/", {"unit": world.member.unit_id})
    assert response.status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.REPLICA}
    replica.clear()
    assert client.get(f"/api/v1/members/{world.member.pk}/").status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.REPLICA}
    # The token that authenticates is read on the primary: a token made a moment ago works at once.
    assert _aliases(replica, "api.ApiToken") <= {replicas.PRIMARY}


def test_a_token_that_just_wrote_reads_the_primary(api, tree, world, secretary, officer, replica):
    writer, other = api(secretary), api(officer)
    body = {"unit": tree.chapter.pk, "full_name": "Lê Thị Hoa", "joined_on": f"{YEAR}-05-01", "gender": "F"}
    assert writer.post("/api/v1/members/", {**body, "birth_year": 1970}).status_code == 201
    replica.clear()
    assert writer.get("/api/v1/members/", {"unit": tree.chapter.pk}).status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.PRIMARY}
    replica.clear()
    assert other.get("/api/v1/members/", {"unit": tree.chapter.pk}).status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.REPLICA}  # another token is not held back
    # A token write leaves no session behind (nothing to carry the cookie of a script).
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()


def test_a_token_write_long_ago_reads_the_replica_again(api, tree, world, secretary, replica, settings):
    writer = api(secretary)
    body = {"unit": tree.chapter.pk, "full_name": "Lê Thị Hoa", "joined_on": f"{YEAR}-05-01", "gender": "F"}
    assert writer.post("/api/v1/members/", {**body, "birth_year": 1970}).status_code == 201
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 0
    replica.clear()
    assert writer.get("/api/v1/members/", {"unit": tree.chapter.pk}).status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.REPLICA}


def test_reads_inside_an_api_write_stay_on_the_primary(api, tree, world, secretary, replica):
    client = api(secretary)
    url = f"/api/v1/members/{world.member.pk}/"
    etag = client.get(url)["ETag"]
    replica.clear()
    assert client.patch(url, {"phone": "0911111111"}, **{"If-Match": etag}).status_code == 200
    assert _aliases(replica, "members.Member") == {replicas.PRIMARY}


# --- Idempotency-Key replies are kept for API_IDEMPOTENCY_RETENTION_HOURS ---------------------------------------


def test_old_idempotency_replies_are_swept_and_fresh_ones_kept(secretary, settings):
    from api.tasks import sweep_idempotency_keys

    settings.API_IDEMPOTENCY_RETENTION_HOURS = 24
    old = IdempotentReply.objects.create(user=secretary, key="cu", fingerprint="x", status=201)
    fresh = IdempotentReply.objects.create(user=secretary, key="moi", fingerprint="x", status=201)
    IdempotentReply.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    IdempotentReply.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - datetime.timedelta(hours=23))
    assert sweep_idempotency_keys() == 1
    assert list(IdempotentReply.objects.values_list("key", flat=True)) == ["moi"]


def test_the_idempotency_sweep_is_in_the_beat_schedule():
    assert django_settings.API_IDEMPOTENCY_RETENTION_HOURS == 24
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "api.tasks.sweep_idempotency_keys" in tasks


# --- Households and clans are personal data: their reads are in the access log -----------------------------------


def test_household_and_clan_lists_are_logged(api, tree, world, officer):
    clan = Clan.objects.create(unit=tree.chapter, name="Dòng họ Nguyễn Đình", representative="Nguyễn Đình Lâm")
    client = api(officer)
    assert client.get("/api/v1/households/", {"unit": tree.chapter.pk}).status_code == 200
    assert client.get("/api/v1/clans/").status_code == 200
    log = PersonalDataAccess.objects.filter(user=officer, action=PersonalDataAccess.Action.EXPORT)
    assert log.filter(household=world.household).count() == 1
    assert log.filter(household__isnull=False).count() == 3  # the three households of the page
    assert log.filter(clan=clan, unit=tree.chapter).count() == 1


def test_household_and_clan_pages_are_logged(client_for, tree, world, officer, administrator):
    clan = Clan.objects.create(unit=tree.chapter, name="Dòng họ Nguyễn Đình", representative="Nguyễn Đình Lâm")
    client = client_for(officer)
    assert client.get(f"/hoi-vien/ho-gia-dinh/{world.household.pk}/").status_code == 200
    assert client.get(f"/hoi-vien/dong-ho/{clan.pk}/").status_code == 200
    log = PersonalDataAccess.objects.filter(user=officer, action=PersonalDataAccess.Action.VIEW)
    assert log.filter(household=world.household).count() == 1
    assert log.filter(clan=clan).count() == 1
    # The administrator reads these lines on the access-log screen.
    page = client_for(administrator).get("/hoi-vien/nhat-ky-truy-cap/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nguyễn Văn An" in text and "Dòng họ Nguyễn Đình" in text
