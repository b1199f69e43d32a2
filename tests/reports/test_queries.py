from chapters.models import BaselineFigure
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
