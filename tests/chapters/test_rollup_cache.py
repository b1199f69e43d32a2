"""Cached roll-ups (chapters.summaries.rollup_levels): a page above reads its children's totals from the cache, and
every write, move, merge or rebuild beneath shows at the next read. Runs on PostgreSQL and again on SQLite."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chapters import summaries
from chapters.models import Lineage, ParentLink, Summary, SummaryGeneration, TreeVersion, Unit
from chapters.services import tree as tree_services
from chapters.summaries import rollup, rollup_children, rollup_levels, summaries_rebuild, tree_snapshot
from core.cache import KeptEntries
from tests.chapters.test_summaries import save_baseline
from tests.factories import CommuneFactory, UnitFactory

D = datetime.date
POPULATION = ["baseline.population"]


def summary_reads(queries) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if "chapters_summary" in q["sql"] and "generation" not in q["sql"]
    ]


@pytest.fixture
def figures(tree):
    save_baseline(tree.chapter, 2024, population=1200)
    save_baseline(tree.other_chapter, 2024, population=800)
    save_baseline(tree.outside_chapter, 2024, population=500)
    return tree


def test_second_read_comes_from_the_cache(figures):
    tree = figures
    first = rollup_levels(tree.province, years=[2024])[2024]
    assert first.total["baseline.population"] == 2500
    assert {child: (f["baseline.population"], f["units.chapter"]) for child, f in first.children.items()} == {
        tree.commune.pk: (2000, 2),
        tree.other_commune.pk: (500, 1),
    }
    assert first.as_of is not None

    with CaptureQueriesContext(connection) as queries:
        second = rollup_levels(tree.province, years=[2024])[2024]
    assert second == first
    assert summary_reads(queries) == []  # the whole answer came from the cache

    # A row removed behind the mechanism's back is not seen: the other commune's total is cached...
    Summary.objects.filter(unit=tree.outside_chapter, year=2024, figure="baseline.population").delete()
    # ...and a write in the first commune recomputes that commune's branch only.
    save_baseline(tree.chapter, 2024, population=1300)
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2100 + 500}

    # A new generation (what a full rebuild names) forgets every cached total...
    before = SummaryGeneration.objects.get().token
    summaries.summaries_changed(None)
    assert SummaryGeneration.objects.get().token != before
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2100}
    # ...and the rebuild itself puts the removed row back from the facts.
    summaries_rebuild()
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}


def test_a_write_below_shows_above_at_once(figures):
    tree = figures
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2500}
    assert rollup_children(tree.commune, year=2024, figures=POPULATION)[tree.chapter.pk] == {
        "baseline.population": 1200
    }

    save_baseline(tree.chapter, 2024, population=1300)

    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}
    assert rollup_children(tree.province, year=2024, figures=POPULATION)[tree.commune.pk] == {
        "baseline.population": 2100
    }
    assert rollup_children(tree.commune, year=2024, figures=POPULATION)[tree.chapter.pk] == {
        "baseline.population": 1300
    }
    # The other commune's cached total was not touched, and is still right.
    assert rollup_children(tree.province, year=2024, figures=POPULATION)[tree.other_commune.pk] == {
        "baseline.population": 500
    }


def test_tokens_are_replaced_again_after_the_commit(figures, django_capture_on_commit_callbacks):
    """A reader between the write and its commit may cache the old figures under the new tokens: the tokens
    replaced after the commit make that entry unreachable."""
    tree = figures
    rollup(tree.province, year=2024)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save_baseline(tree.chapter, 2024, population=1300)
    assert callbacks, "the write should replace the tokens again once committed"
    # What such a reader leaves behind: the commune's old total under the commune's current token.
    prefix = summaries._generation()
    token = cache.get(f"{prefix}:t:{tree.commune.pk}")
    fingerprint = tree_snapshot(tree.province, year=2024).fingerprints()[tree.commune.pk]
    stale = {"f": {"baseline.population": 2000}, "at": None}
    cache.set(f"{prefix}:r:{tree.commune.pk}:{token}:{fingerprint}:2024:Y", stale)
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2500}

    for callback in callbacks:  # the commit
        callback()
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}


def test_a_move_today_changes_the_cached_totals(tree):
    year = timezone.localdate().year
    save_baseline(tree.chapter, year, population=1200)
    save_baseline(tree.outside_chapter, year, population=500)
    assert rollup_children(tree.province, year=year, figures=POPULATION) == {
        tree.commune.pk: {"baseline.population": 1200},
        tree.other_commune.pk: {"baseline.population": 500},
    }

    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=timezone.localdate())

    assert rollup_children(tree.province, year=year, figures=POPULATION) == {
        tree.commune.pk: {"baseline.population": 1700},
        tree.other_commune.pk: {},
    }
    assert rollup(tree.province, year=year, figures=POPULATION) == {"baseline.population": 1700}


def test_a_past_parent_sees_a_late_entry_for_its_year(tree):
    """The chapter left the other commune in 2025; its 2024 figures entered later still count under the other
    commune on 2024's tree, and the cached totals of that commune notice."""
    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=D(2025, 1, 1))
    assert rollup(tree.other_commune, year=2024, figures=POPULATION) == {"baseline.population": 0}
    assert rollup_children(tree.province, year=2024, figures=POPULATION)[tree.other_commune.pk] == {}

    save_baseline(tree.outside_chapter, 2024, population=500)

    assert rollup(tree.other_commune, year=2024, figures=POPULATION) == {"baseline.population": 500}
    assert rollup_children(tree.province, year=2024, figures=POPULATION)[tree.other_commune.pk] == {
        "baseline.population": 500
    }


def test_a_merge_moves_cached_totals_in_todays_tree(tree):
    old = CommuneFactory(parent=tree.province, code="OLD", active_from=D(2000, 1, 1))
    save_baseline(old, 2024, population=4000)
    assert rollup_children(tree.province, year=2024, figures=POPULATION, tree="today")[old.pk] == {
        "baseline.population": 4000
    }
    tree_services.unit_merge(predecessors=[old], successor=tree.commune, on=D(2025, 7, 1))
    children = rollup_children(tree.province, year=2024, figures=POPULATION, tree="today")
    assert old.pk not in children
    assert children[tree.commune.pk] == {"baseline.population": 4000}

    # A late correction of the closed commune's own figure follows it to its successor.
    save_baseline(old, 2024, population=4100)
    children = rollup_children(tree.province, year=2024, figures=POPULATION, tree="today")
    assert children[tree.commune.pk] == {"baseline.population": 4100}


def test_the_database_names_a_new_tree_version_on_every_tree_change(tree):
    """The snapshots are cached under a token the database's triggers replace, whatever path changed the tree."""

    def version():
        return TreeVersion.objects.get().token

    before = version()
    Unit.objects.filter(pk=tree.chapter.pk).update(name="Chi hội tổ dân phố số 1 (đổi tên)")
    assert version() == before  # a name is not the tree
    ParentLink.objects.filter(unit=tree.outside_chapter).update(parent=tree.commune)  # behind every service
    assert version() != before
    before = version()
    Unit.objects.filter(pk=tree.outside_chapter.pk).update(parent=tree.commune)
    assert version() != before
    before = version()
    Lineage.objects.create(predecessor=tree.other_commune, successor=tree.commune, kind="merge", on=D(2025, 7, 1))
    assert version() != before


def test_a_cached_snapshot_is_not_read_after_a_change_behind_the_services(tree):
    year = timezone.localdate().year
    save_baseline(tree.outside_chapter, year, population=500)
    assert rollup(tree.commune, year=year, figures=POPULATION) == {"baseline.population": 0}
    ParentLink.objects.filter(unit=tree.outside_chapter).update(parent=tree.commune)
    assert rollup(tree.commune, year=year, figures=POPULATION) == {"baseline.population": 500}


def test_the_units_a_change_reaches_are_every_parent_it_ever_had_and_the_successors_it_follows(tree):
    """`_containers`: one recursive query on PostgreSQL, a walk a level at a time elsewhere; both give the same
    units on a tree with a move and a merge behind it, and the query does not loop on a cycle of lineages."""
    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=D(2025, 1, 1))
    old = CommuneFactory(parent=tree.province, code="OLD", active_from=D(2000, 1, 1))
    old_chapter = UnitFactory(parent=old, code="OLD-01")
    tree_services.unit_merge(predecessors=[old], successor=tree.other_commune, on=D(2025, 7, 1))
    Lineage.objects.create(predecessor=tree.other_commune, successor=old, kind="merge", on=D(2026, 1, 1))

    # The chapter was under the commune that the closed one was merged into and that names it as successor.
    moved = {tree.outside_chapter.pk, tree.other_commune.pk, tree.commune.pk, tree.province.pk, old.pk}
    merged = {old_chapter.pk, old.pk, tree.other_commune.pk, tree.province.pk}
    assert summaries._containers_walk([tree.outside_chapter.pk]) == moved
    assert summaries._containers_walk([old_chapter.pk]) == merged
    assert summaries._containers([tree.outside_chapter.pk]) == moved
    assert summaries._containers([old_chapter.pk]) == merged
    assert summaries._containers([]) == set()
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as queries:
            summaries._containers([tree.outside_chapter.pk, old_chapter.pk])
        assert len(queries.captured_queries) == 1


def test_a_page_reads_the_tree_and_the_answer_it_read_before_from_the_process_without_the_cache(figures, monkeypatch):
    """What a process read is kept beside the shared cache (issue 19: unpickling a province's tree and answer was
    ~2.3 ms of each dashboard), named by the same tokens: a write beneath is seen at once, and what is kept cannot
    be changed by the page that reads it."""
    tree = figures
    first = rollup_levels(tree.province, years=[2024])[2024]
    calls = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: calls.append(args[0]) or real_get(*args, **kwargs))
    again = rollup_levels(tree.province, years=[2024])
    assert again[2024].total["baseline.population"] == 2500
    assert again[2024] is first  # the very object kept by the first read
    assert calls == []  # neither the tree nor the answer was read from the shared cache
    with pytest.raises(TypeError):
        again[2024].total["baseline.population"] = 0
    with pytest.raises(TypeError):
        again[2024].children[tree.commune.pk]["baseline.population"] = 0
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2500}

    save_baseline(tree.chapter, 2024, population=1300)
    asked = []
    real_get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, *a, **k: asked.extend(keys) or real_get_many(keys, *a, **k))
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}
    # The other commune's branch, which the save did not reach, is still the process's: only the tokens and the
    # changed branch are asked of the shared cache.
    branches = [key for key in asked if ":r:" in key]
    assert branches and all(f":r:{tree.commune.pk}:" in key for key in branches)
    # Another process (the cache emptied of the process's entries) reads the same figures from the shared cache.
    summaries._kept.clear()
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}
    assert any(":l:" in key for key in calls) and any("snapshot" in key for key in calls)


def test_the_process_keeps_entries_up_to_its_budget_dropping_the_least_recently_used():
    kept = KeptEntries(budget=10)
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # now the most recently used
    kept.put("c", "C", 4)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    kept.put("huge", "H", 11)  # heavier than the whole budget: not kept, nothing dropped for it
    assert kept.get("huge") is None and kept.weight == 8


def _generation_reads(queries) -> int:
    return sum('FROM "chapters_summarygeneration"' in query["sql"] for query in queries.captured_queries)


def test_a_request_that_only_reads_asks_for_the_generation_once_and_one_that_writes_each_time(figures):
    """The generation and the tree's version are read once per GET (a commune's dashboard asked four times); a
    POST reads them every time (its own writes may replace them), and so does code outside any request."""
    tree = figures
    try:
        summaries._request_began(None, environ={"REQUEST_METHOD": "GET"})
        with CaptureQueriesContext(connection) as queries:
            first = rollup(tree.province, year=2024, figures=POPULATION)
            assert rollup(tree.commune, year=2024, figures=POPULATION) == {"baseline.population": 2000}
        assert first == {"baseline.population": 2500}
        assert _generation_reads(queries) == 1
        # A new generation made within the request (a rebuild) is read again, not the one kept.
        summaries.summaries_changed(None)
        generation = SummaryGeneration.objects.get().token.hex
        assert summaries._generation().endswith(generation)

        summaries._request_began(None, environ={"REQUEST_METHOD": "POST"})
        with CaptureQueriesContext(connection) as queries:
            rollup(tree.province, year=2024, figures=POPULATION)
            rollup(tree.commune, year=2024, figures=POPULATION)
        assert _generation_reads(queries) == 4  # the tree and the figures of each, read afresh
    finally:
        summaries._request_ended(None)
    with CaptureQueriesContext(connection) as queries:
        rollup(tree.province, year=2024, figures=POPULATION)
    assert _generation_reads(queries) == 2


def test_after_a_save_beneath_the_whole_answer_is_added_up_in_each_process_not_shared(figures, monkeypatch):
    """A cold answer (most branches summed from the table) goes to the shared cache for the other processes; after
    a save beneath, one branch is new and the others are kept, so each process adds them up rather than one
    pickling the whole answer for the rest (issue 19's mixed load: ~3 ms of each province page after a save)."""
    tree = figures
    for number in range(3):  # five communes: a save in one is a fifth of the province's branches
        CommuneFactory(parent=tree.province, code=f"1009{number}")
    written = []
    real_set = cache.set
    monkeypatch.setattr(cache, "set", lambda key, *a, **k: written.append(key) or real_set(key, *a, **k))
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2500}
    assert [key for key in written if ":l:" in key]  # cold: shared

    written.clear()
    save_baseline(tree.chapter, 2024, population=1300)
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}
    assert not [key for key in written if ":l:" in key]
    # Another process adds up the same figures from the branches in the shared cache.
    summaries._kept.clear()
    assert rollup(tree.province, year=2024, figures=POPULATION) == {"baseline.population": 2600}
    assert rollup_children(tree.province, year=2024, figures=POPULATION)[tree.commune.pk] == {
        "baseline.population": 2100
    }
    # A chapter has no branches to add up: its answer, read from the table, is shared as before.
    written.clear()
    assert rollup(tree.chapter, year=2024, figures=POPULATION) == {"baseline.population": 1300}
    assert [key for key in written if f":l:{tree.chapter.pk}:" in key]
