import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from chapters.management.commands.generate_dataset import MARKER
from chapters.models import BaselineFigure, ParentLink, Summary, Unit, UnitName
from chapters.summaries import rollup


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_dataset", "--scale", "ward", *args, stdout=out)
    return out.getvalue()


def summaries() -> set[tuple]:
    return set(Summary.objects.values_list("unit_id", "year", "period", "figure", "value"))


@pytest.mark.django_db
def test_ward_scale_builds_a_commune_with_its_chapters_and_figures():
    output = generate("--tree-only")
    chapters = list(Unit.objects.filter(notes=MARKER).select_related("parent"))
    assert len(chapters) == 30
    commune = chapters[0].parent
    assert {c.parent_id for c in chapters} == {commune.pk} and commune.level == Unit.Level.COMMUNE
    assert "30" in output
    # Derived columns as Unit.save computes them, and the history rows unit_create writes.
    for chapter in chapters:
        assert chapter.path == f"{commune.path}{chapter.pk}/" and chapter.depth == commune.depth + 1
        assert chapter.search_key and chapter.sort_key and chapter.level_rank == 4
    ids = [c.pk for c in chapters]
    assert ParentLink.objects.filter(unit_id__in=ids, parent=commune).count() == 30
    assert UnitName.objects.filter(unit_id__in=ids).count() == 30
    assert Unit.history.filter(id__in=ids).count() == 30
    assert Unit.objects.subtree(commune).count() == 31
    year = timezone.localdate().year
    assert BaselineFigure.objects.filter(unit=commune, year=year).exists()
    assert BaselineFigure.history.filter(unit=commune).count() == 2
    totals = rollup(commune, year=year, figures=["units.chapter", "units.board", "baseline.population"])
    assert totals["units.chapter"] + totals["units.board"] == 30
    assert totals["baseline.population"] == BaselineFigure.objects.get(unit=commune, year=year).population


@pytest.mark.django_db
def test_with_every_apps_facts_summaries_written_in_bulk_equal_a_rebuild():
    generate()
    assert Unit.objects.filter(notes=MARKER).count() == 30
    incremental = summaries()
    call_command("rebuild_summaries", stdout=io.StringIO())
    assert summaries() == incremental


@pytest.mark.django_db
def test_second_run_refuses_and_reset_generates_again():
    generate("--tree-only")
    units, figures = Unit.objects.count(), BaselineFigure.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        generate("--tree-only")
    assert (Unit.objects.count(), BaselineFigure.objects.count()) == (units, figures)
    generate("--tree-only", "--reset")
    assert (Unit.objects.count(), BaselineFigure.objects.count()) == (units, figures)
    assert Unit.history.filter(notes=MARKER).count() == 30
