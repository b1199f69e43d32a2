"""Issue 19: the communes' stored rolled-up totals (chapters.summaries.commune_totals_refresh) equal the totals
summed from the units' own rows, on both trees, after incremental changes (drained as the background task does
after the commit), merges and splits, and after a rebuild (incremental == rebuilt); the roll-ups that read them
give the figures of the roll-ups that do not.

Random trees and facts come from the reconciliation property (tests/reports/test_reconciliation.py). The kept
trees are widened to every year of those facts, so every roll-up of the examples reads stored totals."""

import datetime
import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chapters import summaries
from chapters.models import CommuneTotal, Summary, Unit
from chapters.summaries import (
    commune_totals_drain,
    commune_totals_refresh,
    rollup_levels,
    rollup_tree,
    stored_years,
    summaries_changed,
    summaries_rebuild,
    tree_snapshot,
)
from tests.factories import CommuneFactory, ProvinceFactory, UnitFactory
from tests.reports import facts
from tests.reports.test_reconciliation import YEARS, Rollback, build

KEPT = [(tree, year) for tree in ("past", "today") for year in YEARS]


@pytest.fixture
def kept_trees(monkeypatch):
    monkeypatch.setattr(summaries, "stored_trees", lambda: KEPT)


def stored_rows():
    return sorted(
        CommuneTotal.objects.values_list("unit_id", "tree", "as_of", "year", "period", "figure", "value", "digest")
    )


def assert_stored_equal_unit_rows(province):
    """Every open commune of the province is stored on every kept tree, and its stored totals are the totals the
    unit rows give on that tree."""
    checked = 0
    for tree, as_of_year in KEPT:
        snapshot = tree_snapshot(province, year=as_of_year, tree=tree, cached=False)
        communes = set(
            Unit.objects.filter(pk__in=snapshot.ids, level=Unit.Level.COMMUNE).values_list("pk", flat=True)
        ) - set(snapshot.closed)
        as_of = f"{as_of_year}:Y"
        markers = dict(CommuneTotal.objects.filter(tree=tree, as_of=as_of, figure="").values_list("unit_id", "digest"))
        assert communes <= set(markers), (tree, as_of_year, communes - set(markers))
        for year in stored_years(as_of_year):
            expected = rollup_tree(province, year=year, tree=tree, snapshot=snapshot)
            for commune in communes:
                stored = dict(
                    CommuneTotal.objects.filter(unit_id=commune, tree=tree, as_of=as_of, year=year)
                    .exclude(figure="")
                    .values_list("figure", "value")
                )
                assert stored == expected.get(commune, {}), (tree, as_of_year, year, commune)
                checked += 1
    return checked


def levels_of(province):
    """Every kept tree's levels of the province, summed from scratch (no cached roll-up)."""
    summaries_changed(None)
    result = {}
    for tree, as_of_year in KEPT:
        snapshot = tree_snapshot(province, year=as_of_year, tree=tree, cached=False)
        for year, level in rollup_levels(province, years=list(YEARS), tree=tree, snapshot=snapshot).items():
            result[(tree, as_of_year, year)] = (level.total, level.own, level.children)
    return result


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("KH_RECONCILE_EXAMPLES", "4")),
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_commune_totals_equal_unit_rows_incremental_and_rebuilt(data, kept_trees):
    try:
        with transaction.atomic():
            province = build(data.draw)  # every fact written through the services (communes marked pending)
            commune_totals_drain()  # what the task queued after the commit does
            assert assert_stored_equal_unit_rows(province)
            incremental = stored_rows()
            with_stored = levels_of(province)

            # The roll-ups that read stored totals == those that sum every unit's rows.
            CommuneTotal.objects.all().delete()
            assert levels_of(province) == with_stored

            # A full rebuild stores the same rows as the incremental refreshes did.
            Summary.objects.all().delete()
            summaries_rebuild()
            assert stored_rows() == incremental
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def small_tree(db, kept_trees):
    province = ProvinceFactory(name="Tỉnh Cộng Dồn", code="CD0")
    communes = [CommuneFactory(parent=province, name=f"Xã {n}", code=f"CD-{n}") for n in range(2)]
    chapters = [UnitFactory(parent=c, name=f"Chi hội {c.code}", code=f"{c.code}-1") for c in communes]
    return province, communes, chapters


def test_a_write_refreshes_only_its_commune(small_tree):
    province, communes, chapters = small_tree
    facts.baseline(chapters[0], 2025, population=1_000)
    facts.baseline(chapters[1], 2025, population=2_000)
    commune_totals_drain()
    other = CommuneTotal.objects.filter(unit=communes[1], figure="baseline.population")
    before = list(other.values_list("pk", flat=True))
    assert before

    facts.member(chapters[0], datetime.date(2025, 3, 1))
    commune_totals_drain()

    mine = CommuneTotal.objects.filter(unit=communes[0], tree="past", as_of="2025:Y", year=2025)
    assert dict(mine.values_list("figure", "value"))["members.end"] == 1
    # The other commune's rows were not rewritten.
    assert list(other.values_list("pk", flat=True)) == before
    assert assert_stored_equal_unit_rows(province)


@pytest.mark.parametrize("refreshed", [True, False])
def test_a_moved_chapter_is_not_read_from_stale_totals(small_tree, monkeypatch, refreshed):
    """A move marks both communes pending; the drain sums them again. Were they not marked, their totals would no
    longer match the communes' part of the tree (digest), and the roll-up would sum their units' rows instead."""
    from chapters.services import tree as tree_services

    province, communes, chapters = small_tree
    facts.baseline(chapters[0], 2025, population=1_000)
    facts.member(chapters[0], datetime.date(2025, 3, 1))
    if not refreshed:
        monkeypatch.setattr(summaries, "summaries_tree_changed", lambda unit_ids: None)
    commune_totals_drain()
    tree_services.unit_move(chapters[0], new_parent=communes[1], on=datetime.date(2025, 5, 1))
    if refreshed:
        commune_totals_drain()
        assert assert_stored_equal_unit_rows(province)

    summaries_changed(None)
    children = rollup_levels(province, years=[2025], tree="past")[2025].children
    assert children[communes[0].pk].get("members.end", 0) == 0
    assert children[communes[1].pk]["members.end"] == 1
    assert children[communes[1].pk]["baseline.population"] == 1_000


def test_refresh_of_everything_drops_trees_no_longer_kept(small_tree, monkeypatch):
    province, communes, chapters = small_tree
    facts.baseline(chapters[0], 2024, population=500)
    commune_totals_drain()
    assert CommuneTotal.objects.filter(as_of="2023:Y").exists()
    monkeypatch.setattr(summaries, "stored_trees", lambda: [("past", 2025), ("today", 2025)])
    commune_totals_refresh(None)
    assert set(CommuneTotal.objects.values_list("as_of", flat=True)) == {"2025:Y"}


def test_rebuild_communes_only_restores_the_stored_totals(small_tree):
    import io

    from django.core.management import call_command

    province, communes, chapters = small_tree
    facts.baseline(chapters[0], 2025, population=800)
    facts.member(chapters[1], datetime.date(2024, 2, 1))
    commune_totals_drain()
    before = stored_rows()
    summaries_before = sorted(Summary.objects.values_list("unit_id", "year", "figure", "value", "computed_at"))
    CommuneTotal.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_summaries", "--communes-only", stdout=out)
    assert stored_rows() == before
    assert "cộng dồn" in out.getvalue()
    # The summaries themselves were not touched.
    assert sorted(Summary.objects.values_list("unit_id", "year", "figure", "value", "computed_at")) == summaries_before
