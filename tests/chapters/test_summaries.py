"""The summary mechanism (design.md §3): incremental == rebuilt, readers never touch fact tables, roll-ups
over the tree of a chosen date. Runs on PostgreSQL and, in the test command, again on SQLite."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapters.models import BaselineFigure, Summary, Unit
from chapters.services import tree as tree_services
from chapters.services.records import record_save
from chapters.summaries import (
    PROVIDERS,
    rollup,
    rollup_children,
    summaries_rebuild,
    summaries_refresh,
)
from tests.factories import CommuneFactory, UnitFactory

D = datetime.date
READ_SIDE_TABLES = {
    "chapters_summary",
    "chapters_communetotal",  # communes' rolled-up totals, refreshed with the summaries
    "chapters_unit",
    "chapters_parentlink",
    "chapters_lineage",
    "chapters_unitname",
    "chapters_summarygeneration",  # the name of the cached roll-ups
    "chapters_treeversion",  # the name of the cached tree snapshots
    "core_dataversion",  # the units' version, read with the two above (chapters.summaries.listed_units)
    "sub",  # the recursive query's own name for the subtree (chapters.services.tree.subtree_parents_on)
    "unnest",  # the units of each branch, as two arrays (chapters.summaries._branch_totals_sql)
}


def snapshot():
    return sorted(Summary.objects.values_list("unit_id", "year", "period", "figure", "value"))


def save_baseline(unit, year, **values):
    figure = BaselineFigure.objects.filter(unit=unit, year=year).first() or BaselineFigure(unit=unit, year=year)
    for name, value in values.items():
        setattr(figure, name, value)
    record_save(figure)
    summaries_refresh(unit_ids=[unit.pk], years=[year], providers=["baseline"])
    return figure


@pytest.fixture
def figures(tree):
    save_baseline(tree.chapter, 2024, population=1200, households=300)
    save_baseline(tree.other_chapter, 2024, population=800, households=200)
    save_baseline(tree.outside_chapter, 2024, population=500, households=120)
    return tree


def test_incremental_equals_rebuilt(figures):
    tree = figures
    # More incremental changes: an edit, a new unit, a closed unit, a move.
    save_baseline(tree.chapter, 2024, population=1250)
    save_baseline(tree.commune, 2025, population=2600)
    tree_services.unit_create(
        kind=Unit.Kind.BOARD,
        level=Unit.Level.GRASSROOTS,
        host=Unit.Host.AGENCY,
        code="B-1",
        name="Ban khuyến học Công an phường",
        parent=tree.commune,
        active_from=D(2024, 3, 1),
    )
    tree_services.unit_close(tree.other_chapter, on=D(2025, 5, 31))
    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=D(2025, 1, 1))
    incremental = snapshot()
    assert incremental, "the fixture should have produced summaries"

    Summary.objects.all().delete()
    summaries_rebuild()
    assert snapshot() == incremental


def test_rebuild_of_one_unit_and_year_leaves_others(figures):
    tree = figures
    before = snapshot()
    Summary.objects.filter(unit=tree.chapter, year=2024).delete()
    summaries_rebuild(unit=tree.chapter, year=2024)
    assert snapshot() == before


def test_readers_never_touch_fact_tables(figures):
    tree = figures
    with CaptureQueriesContext(connection) as queries:
        rollup(tree.province, year=2024, figures=["baseline.population", "units.chapter"])
        rollup_children(tree.province, year=2024, figures=["baseline.population"])
        rollup(tree.province, year=2024, tree="today")
    tables = set()
    for query in queries.captured_queries:
        tables |= set(re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"], flags=re.IGNORECASE))
    assert tables, "the readers should have queried something"
    assert tables <= READ_SIDE_TABLES, tables - READ_SIDE_TABLES


def test_baseline_parent_falls_back_to_sum_of_children(figures):
    tree = figures
    totals = rollup(tree.commune, year=2024, figures=["baseline.population", "baseline.households"])
    assert totals == {"baseline.population": 2000, "baseline.households": 500}
    # The commune's own entry wins over its children's sum.
    save_baseline(tree.commune, 2024, population=2100)
    assert rollup(tree.commune, year=2024, figures=["baseline.population"]) == {"baseline.population": 2100}
    # The province has no entry: the sum of its communes (own entry 2100 + the other commune's children 500).
    assert rollup(tree.province, year=2024, figures=["baseline.population"]) == {"baseline.population": 2600}
    # households: the commune's own entry has none, so it still falls back to its children.
    assert rollup(tree.commune, year=2024, figures=["baseline.households"]) == {"baseline.households": 500}


def test_unit_counts_by_kind_and_host(tree):
    counts = rollup(
        tree.province,
        year=2025,
        figures=["units.association.commune", "units.chapter", "units.chapter.residential", "units.chapter.school"],
    )
    assert counts == {
        "units.association.commune": 2,
        "units.chapter": 3,
        "units.chapter.residential": 2,
        "units.chapter.school": 1,
    }


def test_rollup_uses_the_tree_of_the_period_end(tree):
    """A chapter that moved to another commune in 2025 counts under its old commune in 2024."""
    save_baseline(tree.outside_chapter, 2024, population=500)
    save_baseline(tree.outside_chapter, 2025, population=510)
    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=D(2025, 1, 1))
    assert rollup(tree.other_commune, year=2024, figures=["baseline.population"]) == {"baseline.population": 500}
    assert rollup(tree.commune, year=2025, figures=["baseline.population"]) == {"baseline.population": 510}
    # Regrouped under today's tree, 2024's figure follows the chapter to its new commune.
    assert rollup(tree.commune, year=2024, figures=["baseline.population"], tree="today") == {
        "baseline.population": 500
    }


def test_closed_unit_still_counts_for_flows_of_its_last_period(tree):
    """A chapter closed in May 2025 is still summed into its commune's 2025 figures (its facts happened)."""
    chapter = UnitFactory(parent=tree.commune, code="CLOSING", active_from=D(2010, 1, 1))
    save_baseline(chapter, 2025, population=300)
    tree_services.unit_close(chapter, on=D(2025, 5, 31))
    assert rollup(tree.commune, year=2025, figures=["baseline.population"]) == {"baseline.population": 300}
    # It is not counted as an open chapter at the year's end.
    assert rollup(tree.commune, year=2025, figures=["units.chapter"])["units.chapter"] == 2


def test_merged_commune_facts_follow_primary_successor_in_todays_tree(tree):
    old = CommuneFactory(parent=tree.province, code="OLD", active_from=D(2000, 1, 1))
    save_baseline(old, 2024, population=4000)
    new = CommuneFactory(parent=tree.province, code="NEW", active_from=D(2025, 7, 1))
    tree_services.unit_merge(predecessors=[old], successor=new, on=D(2025, 7, 1))
    assert rollup(new, year=2024, figures=["baseline.population"], tree="today") == {"baseline.population": 4000}
    assert rollup(new, year=2024, figures=["baseline.population"]) == {"baseline.population": 0}


def test_providers_are_registered():
    assert {"units", "baseline"} <= set(PROVIDERS)


def test_summary_rows_written_in_bulk_read_back_exactly(tree):
    """COPY's text format on PostgreSQL (escapes through psycopg), one executemany elsewhere."""
    from django.utils import timezone

    from chapters.summaries import _summaries_insert

    now = timezone.now()
    rows = [
        (tree.chapter.pk, 2024, "Y", "baseline.population", 1_234_567_890_123, now),
        (tree.chapter.pk, 2024, "H1", "members.end", 0, None),
        (tree.chapter.pk, 2024, "Y", "odd\tkey\\with escapes", -5, now),  # through psycopg's own escaping
    ]
    _summaries_insert(rows)
    stored = set(
        Summary.objects.filter(unit=tree.chapter, year=2024).values_list(
            "unit_id", "year", "period", "figure", "value", "computed_at"
        )
    )
    assert set(rows) <= stored


ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's writer")


@pytest.mark.parametrize(
    "writer",
    [pytest.param("postgresql", marks=ON_POSTGRESQL), pytest.param("postgresql-copy", marks=ON_POSTGRESQL), "orm"],
)
def test_summaries_add_adds_replaces_and_drops_what_comes_to_zero(figures, writer, monkeypatch):
    """What a provider says new facts change is added to the stored rows (or replaces them, for its figures that
    are not sums); a summed row that comes to zero goes, an own entry of a fallback figure stays; the roll-ups
    above show it at once. On PostgreSQL a few rows travel as arrays, many through COPY into a temporary table."""
    from chapters import summaries
    from chapters.summaries import SummaryProvider, summaries_add

    tree = figures
    if writer == "orm":  # the embedded SQLite's path, on this database
        monkeypatch.setattr(summaries, "_summaries_upsert", summaries._summaries_upsert_orm)
    if writer == "postgresql-copy":
        monkeypatch.setattr(summaries, "UPSERT_ARRAYS_MAX", 0)
    monkeypatch.setitem(
        PROVIDERS,
        "probe",
        SummaryProvider(
            name="probe",
            figures={"funds.raised": "", "baseline.households": ""},
            compute=lambda unit_ids, years: [],
            added=lambda facts, years: facts,
            replaced=frozenset({"baseline.households"}),
        ),
    )
    chapter, other = tree.chapter.pk, tree.other_chapter.pk
    raised = ["funds.raised"]
    assert rollup(tree.commune, year=2024, figures=raised) == {"funds.raised": 0}
    summaries_add("probe", [(chapter, 2024, "Y", "funds.raised", 1200), (other, 2024, "Y", "funds.raised", 800)])
    assert rollup(tree.commune, year=2024, figures=raised) == {"funds.raised": 2000}
    written = summaries_add(
        "probe",
        [
            (chapter, 2024, "Y", "funds.raised", -1200),  # comes to zero: the row goes
            (chapter, 2024, "Y", "baseline.households", 0),  # replaced by an own "none": kept (own-or-children)
            (other, 2024, "Y", "funds.raised", 50),
            (other, 2024, "Y", "funds.raised", 25),
            (other, 2025, "Y", "funds.raised", 7),  # no row yet
            (other, 2024, "Y", "baseline.households", 210),
        ],
    )
    assert written == 5
    stored = {(u, y, f): v for u, y, _p, f, v in snapshot() if u in (chapter, other)}
    assert (chapter, 2024, "funds.raised") not in stored
    assert stored[(chapter, 2024, "baseline.households")] == 0
    assert stored[(other, 2024, "funds.raised")] == 875
    assert stored[(other, 2025, "funds.raised")] == 7
    assert stored[(other, 2024, "baseline.households")] == 210
    assert rollup(tree.commune, year=2024, figures=raised) == {"funds.raised": 875}


def test_summaries_add_refuses_a_provider_that_cannot_say_what_new_facts_add(figures):
    from chapters.summaries import summaries_add

    with pytest.raises(ValueError, match="baseline"):
        summaries_add("baseline", [])
