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


@pytest.mark.django_db
def test_country_scale_small_builds_the_national_tree_and_the_dashboards_read_it(client):
    """Issue 19: `--scale country`, made small (two provinces, three chapters a commune): the national
    association over the provinces, every commune with its chapters, marked; baseline figures and unit counts
    for five years; the communes' rolled-up totals stored; the national and a province dashboard read them."""
    from django.urls import reverse

    from chapters.models import CommuneTotal, Role
    from chapters.summaries import rollup_tree, stored_trees
    from tests.factories import RoleFactory, UserFactory

    out = io.StringIO()
    call_command(
        "generate_dataset", "--scale", "country", "--provinces", "01,38", "--chapters-per-commune", "3", stdout=out
    )
    central = Unit.objects.get(level=Unit.Level.CENTRAL)
    provinces = list(Unit.objects.filter(parent=central).order_by("code"))
    assert [p.code for p in provinces] == ["01", "38"]
    communes = Unit.objects.filter(parent__in=provinces, level=Unit.Level.COMMUNE)
    chapters = Unit.objects.filter(notes=MARKER)
    assert communes.count() > 250  # Hà Nội 126, Thanh Hóa 166
    # Uneven communes: ~3 each on average (0.6–1.4 times, at least 3), every commune has some.
    assert 3 * communes.count() <= chapters.count() <= 4.2 * communes.count()
    assert set(chapters.values_list("parent", flat=True)) == set(communes.values_list("pk", flat=True))
    assert set(chapters.values_list("parent__level", flat=True)) == {Unit.Level.COMMUNE}
    year = timezone.localdate().year
    assert set(BaselineFigure.objects.filter(unit__in=communes).values_list("year", flat=True)) == set(
        range(year - 4, year + 1)
    )
    # Stored totals of every commune on every kept tree, equal to the sums of the units' rows.
    for tree, as_of in stored_trees():
        assert CommuneTotal.objects.filter(tree=tree, as_of=f"{as_of}:Y", figure="").count() == communes.count()
    commune = communes.order_by("code").first()
    stored = dict(
        CommuneTotal.objects.filter(unit=commune, tree="past", as_of=f"{year}:Y", year=year)
        .exclude(figure="")
        .values_list("figure", "value")
    )
    assert stored == rollup_tree(commune, year=year)[commune.pk]
    assert stored["units.chapter"] + stored.get("units.board", 0) == chapters.filter(parent=commune).count()
    # The national total is the sum of the provinces' and equals the baseline figures entered.
    national = rollup(central, year=year, figures=["baseline.population", "units.association.commune"])
    entered = sum(BaselineFigure.objects.filter(unit__in=communes, year=year).values_list("population", flat=True))
    assert national["baseline.population"] == entered
    assert national["units.association.commune"] == communes.count()

    officer = UserFactory(username="tw_officer")
    RoleFactory(user=officer, unit=central, kind=Role.Kind.OFFICER)
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    for unit in (central, provinces[1]):
        response = client.get(reverse("reports:unit_dashboard", args=[unit.pk]), {"year": year})
        assert response.status_code == 200
        assert provinces[1].display_name in response.content.decode() or unit == provinces[1]
