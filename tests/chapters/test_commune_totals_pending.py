"""Issue 19: a write marks its communes' stored totals pending in its own transaction and one background drain
sums them again after the commit (chapters.summaries.commune_totals_mark / commune_totals_drain); readers never
use a pending commune's stored rows, and two refreshes of one commune never store its totals twice."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from kombu.exceptions import OperationalError

from chapters import summaries
from chapters.models import CommuneTotal, CommuneTotalPending
from chapters.summaries import DRAIN_SCHEDULED, commune_totals_drain, commune_totals_refresh, rollup_levels
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory
from tests.reports import facts

KEPT = [("past", 2025), ("today", 2025)]


@pytest.fixture
def kept_trees(monkeypatch):
    monkeypatch.setattr(summaries, "stored_trees", lambda: KEPT)


def make_tree():
    province = ProvinceFactory(name="Tỉnh Chờ Cộng", code="CC0")
    communes = [CommuneFactory(parent=province, name=f"Xã Chờ {n}", code=f"CC-{n}") for n in range(2)]
    chapters = [UnitFactory(parent=c, name=f"Chi hội {c.code}", code=f"{c.code}-1") for c in communes]
    return province, communes, chapters


def members_end(commune):
    return dict(
        CommuneTotal.objects.filter(unit=commune, tree="past", as_of="2025:Y", year=2025).values_list("figure", "value")
    ).get("members.end", 0)


@pytest.mark.django_db
def test_a_write_marks_its_commune_and_readers_sum_its_units_until_the_drain(kept_trees):
    province, communes, chapters = make_tree()
    commune_totals_refresh(None)
    assert not CommuneTotalPending.objects.exists()

    facts.member(chapters[0], datetime.date(2025, 3, 1))  # the test's transaction never commits: no drain runs

    assert set(CommuneTotalPending.objects.values_list("unit_id", flat=True)) == {communes[0].pk}
    assert members_end(communes[0]) == 0  # stored totals still the old ones ...
    summaries.summaries_changed(None)
    level = rollup_levels(province, years=[2025], tree="past")[2025]
    assert level.children[communes[0].pk]["members.end"] == 1  # ... but not read: the units' rows are summed
    assert level.total["members.end"] == 1

    other_rows = list(CommuneTotal.objects.filter(unit=communes[1]).values_list("pk", flat=True))
    assert commune_totals_drain() > 0
    assert not CommuneTotalPending.objects.exists()
    assert members_end(communes[0]) == 1
    # Only the pending commune was summed again.
    assert list(CommuneTotal.objects.filter(unit=communes[1]).values_list("pk", flat=True)) == other_rows
    assert commune_totals_drain() == 0


@pytest.mark.django_db(transaction=True)
def test_the_drain_runs_once_after_the_commit(kept_trees, monkeypatch):
    from django.core.cache import cache

    from chapters import tasks

    cache.delete(DRAIN_SCHEDULED)  # no drain queued by an earlier test
    province, communes, chapters = make_tree()
    commune_totals_refresh(None)
    runs = []
    real = tasks.drain_commune_totals.run
    monkeypatch.setattr(tasks.drain_commune_totals, "run", lambda: runs.append(1) or real())
    with transaction.atomic():
        facts.member(chapters[0], datetime.date(2025, 3, 1))
        facts.member(chapters[1], datetime.date(2025, 4, 1))
        assert members_end(communes[0]) == 0
    # Run eagerly here (CELERY_TASK_ALWAYS_EAGER); one drain for the whole transaction's writes.
    assert runs == [1]
    assert not CommuneTotalPending.objects.exists()
    assert members_end(communes[0]) == 1 and members_end(communes[1]) == 1
    assert cache.get(DRAIN_SCHEDULED) is None  # the drain cleared it: the next write queues another


@pytest.mark.django_db(transaction=True)
def test_with_the_queue_down_the_write_drains_at_once(kept_trees, monkeypatch):
    from django.core.cache import cache

    from chapters import tasks

    province, communes, chapters = make_tree()
    commune_totals_refresh(None)

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(tasks.drain_commune_totals, "apply_async", refuse)
    cache.delete(DRAIN_SCHEDULED)
    facts.member(chapters[0], datetime.date(2025, 3, 1))  # autocommit: the callback runs at once
    assert not CommuneTotalPending.objects.exists()
    assert members_end(communes[0]) == 1


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_commune_at_once_store_its_totals_once(kept_trees):
    """The second refresh waits for the first to commit, then replaces its rows (it used to wait on the rows the
    first deleted, skip them, and insert its own beside the first's: every total counted twice)."""
    province, communes, chapters = make_tree()
    facts.baseline(chapters[0], 2025, population=1_000)
    commune_totals_refresh(None)
    first_done, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                commune_totals_refresh([communes[0].pk])
                first_done.set()
                release.wait(20)
        except Exception as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)
        finally:
            connections.close_all()

    def second():
        try:
            commune_totals_refresh([communes[0].pk])
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert first_done.wait(20)
    b = threading.Thread(target=second)
    b.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # until the second refresh waits for a lock the first holds
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    release.set()
    a.join(30)
    b.join(30)
    assert not errors
    markers = CommuneTotal.objects.filter(unit=communes[0], figure="")
    assert sorted(markers.values_list("tree", flat=True)) == ["past", "today"]
    stored = CommuneTotal.objects.filter(unit=communes[0], tree="past", year=2025, figure="baseline.population")
    assert list(stored.values_list("value", flat=True)) == [1_000]


@pytest.mark.django_db
def test_a_deferred_load_sums_the_communes_at_the_end_and_nothing_when_it_touched_none(kept_trees):
    """load_divisions (unless_untouched): a second load that changes nothing sums no commune again (it summed every
    commune of the country, 7.6 s); after a load that did touch one they are summed at the end, none pending."""
    from chapters.summaries import commune_totals_deferred

    province, communes, chapters = make_tree()
    commune_totals_refresh(None)
    rows = {c.pk: list(CommuneTotal.objects.filter(unit=c).values_list("pk", flat=True)) for c in communes}
    with commune_totals_deferred(unless_untouched=True):
        pass
    assert {c.pk: list(CommuneTotal.objects.filter(unit=c).values_list("pk", flat=True)) for c in communes} == rows

    with commune_totals_deferred(unless_untouched=True):
        facts.member(chapters[0], datetime.date(2025, 3, 1))
        assert members_end(communes[0]) == 0  # not yet
    assert members_end(communes[0]) == 1
    assert not CommuneTotalPending.objects.exists()
