from chapters.models import BaselineFigure, Unit
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports.queries import period_figures


def _baseline(unit, year, population):
    record_save(BaselineFigure(unit=unit, year=year, population=population))
    summaries_refresh(unit_ids=[unit.pk], years=[year], providers=["baseline"])


def test_missing_baseline_year_falls_back_to_the_latest_earlier_one(tree):
    _baseline(tree.chapter, 2024, 1000)
    _baseline(tree.other_chapter, 2025, 600)
    figures = period_figures(tree.commune, year=2026)
    # The commune has no 2026 entries: its 2025 sum stands in, and says so.
    assert figures.get("baseline.population") == 600
    assert figures.current["baseline.year"] == 2025
    children = {row["unit"].pk: row["figures"] for row in figures.children}
    assert children[tree.other_chapter.pk]["baseline.population"] == 600
    assert children[tree.chapter.pk]["baseline.population"] == 1000


def test_previous_period_is_summed_over_the_current_tree(tree):
    from chapters.services import tree as tree_services

    _baseline(tree.outside_chapter, 2024, 500)
    _baseline(tree.outside_chapter, 2025, 520)
    import datetime

    tree_services.unit_move(tree.outside_chapter, new_parent=tree.commune, on=datetime.date(2025, 1, 1))
    figures = period_figures(tree.commune, year=2025)
    assert (figures.get("baseline.population"), figures.prev("baseline.population")) == (520, 500)


def test_the_childrens_figures_are_worked_out_once_per_roll_up_and_again_after_a_write_beneath(tree, monkeypatch):
    """Issue 19's mixed load: a province dashboard worked out each of its 166 communes' figures over the period
    (with the baseline fallback) on every request. They are kept with the roll-up a process shares between its
    requests, until a write beneath the unit replaces it: the next request shows the write. A caller changing its
    rows changes nobody else's."""
    from reports import queries

    _baseline(tree.chapter, 2024, 1000)
    _baseline(tree.other_chapter, 2025, 600)
    worked_out = []
    real = queries._over_years
    monkeypatch.setattr(queries, "_over_years", lambda levels, years: worked_out.append(levels) or real(levels, years))

    def children():
        return {row["unit"].pk: row["figures"] for row in period_figures(tree.commune, year=2025).children}

    first = children()
    assert (first[tree.chapter.pk]["baseline.population"], first[tree.other_chapter.pk]["baseline.population"]) == (
        1000,
        600,
    )
    assert len(worked_out) == 3 + 2  # the total, the previous year, the own figures; each child
    first[tree.chapter.pk]["baseline.population"] = 1  # the caller's own copy
    worked_out.clear()
    again = children()
    assert len(worked_out) == 3  # the children's figures were kept
    assert again[tree.chapter.pk]["baseline.population"] == 1000

    entered = BaselineFigure.objects.get(unit=tree.other_chapter, year=2025)
    entered.population = 650
    record_save(entered)
    summaries_refresh(unit_ids=[tree.other_chapter.pk], years=[2025], providers=["baseline"])
    worked_out.clear()
    after = children()
    assert after[tree.other_chapter.pk]["baseline.population"] == 650
    assert len(worked_out) == 3 + 2


def test_the_units_listed_below_are_read_once_per_version_of_the_units_and_each_call_gets_its_own(tree):
    """Issue 19's mixed load: every dashboard read and built its children's units from the database (a province's
    166 communes). They are kept under the units' version: not read again until a unit changes, in any column (a
    renamed chapter shows its new name at once), and each call gets instances of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chapters.services import tree as tree_services

    def listed():
        with CaptureQueriesContext(connection) as queries:
            rows = period_figures(tree.commune, year=2025).children
        unit_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "chapters_unit"."id"')]
        return {row["unit"].pk: row["unit"] for row in rows}, unit_reads

    first, reads = listed()
    assert tree.chapter.pk in first and len(reads) == 1
    first[tree.chapter.pk].name = "Đổi trong trang của người khác"
    again, reads = listed()
    assert reads == []  # kept
    assert again[tree.chapter.pk] is not first[tree.chapter.pk]
    assert again[tree.chapter.pk].name == tree.chapter.name

    tree_services.unit_update(Unit.objects.get(pk=tree.chapter.pk), name="Chi hội Đổi Tên", reason="Đổi tên")
    after, reads = listed()
    assert len(reads) == 1
    assert after[tree.chapter.pk].name == "Chi hội Đổi Tên"
