"""Baseline figures: own entry or the sum of the units below, the form, summaries, closed years."""

import pytest
from django.urls import reverse

from chapters.models import BaselineFigure, ClosedPeriod, Summary
from chapters.summaries import rollup
from tests.factories import BaselineFigureFactory, UnitFactory


def url(name, obj):
    return reverse(f"chapters:{name}", args=[obj.pk])


def figures(**values):
    data = {name: "" for name in BaselineFigure.FIELDS}
    data.update({"year": 2024, "notes": ""})
    data.update(values)
    return data


def form_errors(response) -> str:
    return " ".join(str(m) for messages in response.context["form"].errors.values() for m in messages)


def summary(unit, figure="baseline.population", year=2024):
    row = Summary.objects.filter(unit=unit, year=year, period="Y", figure=figure).first()
    return row.value if row else None


def test_anonymous_is_sent_to_login(client, tree):
    figure = BaselineFigureFactory(unit=tree.chapter)
    for address in (
        url("baseline_list", tree.chapter),
        url("baseline_create", tree.chapter),
        url("baseline_update", figure),
    ):
        response = client.get(address)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outsider_gets_404(client_for, outsider, tree):
    figure = BaselineFigureFactory(unit=tree.chapter)
    client = client_for(outsider)
    assert client.get(url("baseline_list", tree.chapter)).status_code == 404
    assert client.post(url("baseline_create", tree.chapter), figures(population=5)).status_code == 404
    assert client.post(url("baseline_update", figure), figures(population=5, version=1)).status_code == 404
    assert client.post(url("baseline_delete", figure)).status_code == 404
    figure.refresh_from_db()
    assert figure.population == 10000


def test_viewer_and_officer_read_but_get_403_on_writes(client_for, viewer, officer, tree):
    figure = BaselineFigureFactory(unit=tree.chapter)
    for user in (viewer, officer):
        client = client_for(user)
        assert client.get(url("baseline_list", tree.chapter)).status_code == 200
        assert client.post(url("baseline_create", tree.chapter), figures(year=2025, population=5)).status_code == 403
        assert client.post(url("baseline_update", figure), figures(population=5, version=1)).status_code == 403
        assert client.post(url("baseline_delete", figure)).status_code == 403
    assert list(BaselineFigure.objects.values_list("year", "population")) == [(2024, 10000)]


def test_secretary_enters_figures_and_the_summary_follows(client_for, secretary, tree):
    client = client_for(secretary)
    assert summary(tree.chapter) is None
    response = client.post(url("baseline_create", tree.chapter), figures(population=1200, households=300, clans=0))
    assert response.status_code == 302 and response.url == url("baseline_list", tree.chapter)
    figure = BaselineFigure.objects.get(unit=tree.chapter, year=2024)
    assert (figure.population, figure.households, figure.clans, figure.adults) == (1200, 300, 0, None)
    assert figure.history.get().history_user == secretary
    assert summary(tree.chapter) == 1200
    assert summary(tree.chapter, "baseline.clans") == 0  # "no clans here" is a fact


def test_parent_without_own_entry_shows_the_sum_of_its_children(client_for, secretary, commune_secretary, tree):
    client_for(secretary).post(url("baseline_create", tree.chapter), figures(population=1200, households=300))
    client = client_for(commune_secretary)
    client.post(url("baseline_create", tree.other_chapter), figures(population=800, households=200))
    row = client.get(url("baseline_list", tree.commune)).context["rows"][0]
    cells = row["by_name"]
    assert row["year"] == 2024 and row["entry"] is None
    assert (cells["population"]["value"], cells["population"]["source"]) == (2000, "children")
    assert rollup(tree.commune, year=2024, figures=["baseline.population"]) == {"baseline.population": 2000}
    # The commune's own entry wins over the sum, figure by figure.
    client.post(url("baseline_create", tree.commune), figures(population=2500))
    cells = client.get(url("baseline_list", tree.commune)).context["rows"][0]["by_name"]
    assert (cells["population"]["value"], cells["population"]["source"]) == (2500, "own")
    assert (cells["households"]["value"], cells["households"]["source"]) == (500, "children")
    page = client.get(url("baseline_list", tree.commune)).content.decode()
    assert "2.500" in page and "Tổng các đơn vị trực thuộc" in page


def test_second_entry_for_the_same_year_is_refused(client_for, secretary, tree):
    BaselineFigureFactory(unit=tree.chapter, year=2024)
    response = client_for(secretary).post(url("baseline_create", tree.chapter), figures(population=1))
    assert response.status_code == 200
    assert "Đã có số liệu nền năm 2024 của đơn vị này" in form_errors(response)
    assert BaselineFigure.objects.get().population == 10000


def test_negative_and_non_numeric_figures_are_refused(client_for, secretary, tree):
    response = client_for(secretary).post(
        url("baseline_create", tree.chapter), figures(population=-5, households="nhiều")
    )
    errors = response.context["form"].errors
    assert "population" in errors and "households" in errors
    assert not BaselineFigure.objects.exists()


def test_a_closed_year_refuses_new_figures_and_says_who_closed_it(client_for, secretary, tree):
    ClosedPeriod.objects.create(unit=tree.commune, year=2024, closed_by_name="Lê Văn Minh")
    response = client_for(secretary).post(url("baseline_create", tree.chapter), figures(population=1200))
    assert response.status_code == 200
    message = form_errors(response)
    assert "Năm 2024" in message and "đã khóa sổ" in message and "Lê Văn Minh" in message
    assert not BaselineFigure.objects.exists()
    assert summary(tree.chapter) is None


def test_a_closed_year_refuses_edits_and_deletion(client_for, secretary, tree):
    figure = BaselineFigureFactory(unit=tree.chapter)
    ClosedPeriod.objects.create(unit=tree.chapter, year=2024, closed_by_name="Lê Văn Minh")
    client = client_for(secretary)
    response = client.post(url("baseline_update", figure), figures(population=1, version=1))
    assert "đã khóa sổ" in form_errors(response)
    response = client.post(url("baseline_delete", figure), follow=True)
    assert "đã khóa sổ" in response.content.decode()
    figure.refresh_from_db()
    assert figure.population == 10000


def test_second_of_two_open_forms_is_refused(client_for, secretary, commune_secretary, tree):
    figure = BaselineFigureFactory(unit=tree.chapter, population=1000)
    opened = figures(population=1000, households=2500, version=1)
    assert client_for(secretary).post(url("baseline_update", figure), {**opened, "population": 1100}).status_code == 302
    response = client_for(commune_secretary).post(url("baseline_update", figure), {**opened, "households": 2600})
    assert response.status_code == 200
    assert "dân số" in form_errors(response) and "1100" in form_errors(response)
    figure.refresh_from_db()
    assert (figure.population, figure.households, figure.version) == (1100, 2500, 2)
    assert summary(tree.chapter) == 1100


def test_deleting_figures_updates_the_summary(client_for, secretary, tree):
    client = client_for(secretary)
    client.post(url("baseline_create", tree.chapter), figures(population=1200))
    figure = BaselineFigure.objects.get()
    assert client.post(url("baseline_delete", figure)).status_code == 302
    assert not BaselineFigure.objects.exists()
    assert summary(tree.chapter) is None


@pytest.mark.parametrize("years", [3, 8])
def test_list_query_count(client_for, officer, tree, years, django_assert_max_num_queries):
    for year in range(2024 - years, 2024):
        for unit in (tree.chapter, tree.other_chapter, UnitFactory(parent=tree.commune)):
            BaselineFigureFactory(unit=unit, year=year)
    from chapters.summaries import summaries_refresh

    summaries_refresh(unit_ids=None, years=list(range(2010, 2025)), providers=["baseline"])
    client = client_for(officer)
    with django_assert_max_num_queries(8 + 6 * years):  # a roll-up per year reads the tree of that year
        response = client.get(url("baseline_list", tree.commune))
    assert len(response.context["rows"]) == years
    assert response.context["rows"][0]["by_name"]["population"]["value"] == 30000
