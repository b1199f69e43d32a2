"""API figures == dashboard figures == report figures, for the same unit, year and tree."""

import pytest

from chapters.models import BaselineFigure
from chapters.services.records import record_save
from chapters.summaries import summaries_refresh
from reports.dashboard import dashboard
from reports.documents import build_content
from reports.services import report_get_or_create, report_request_run

from .conftest import YEAR


@pytest.fixture
def baseline(tree, world):
    for unit, population in ((tree.chapter, 1200), (tree.other_chapter, 800)):
        record_save(BaselineFigure(unit=unit, year=YEAR, population=population, households=population // 4))
        summaries_refresh(unit_ids=[unit.pk], years=[YEAR], providers=["baseline"])
    return tree


@pytest.mark.parametrize("tree_kind", ["past", "today"])
def test_api_figures_equal_dashboard_and_report(api, baseline, officer, tree_kind, django_capture_on_commit_callbacks):
    commune = baseline.commune
    response = api(officer).get(f"/api/v1/units/{commune.pk}/figures/", {"year": YEAR, "tree": tree_kind})
    assert response.status_code == 200
    figures = response.json()
    board = dashboard(commune, YEAR, tree=tree_kind)["figures"]
    report = report_get_or_create(unit=commune, year=YEAR)
    content = build_content(report, tree=tree_kind)["figures"]
    assert figures["current"] == board.current == content.current
    assert figures["previous"] == board.previous == content.previous
    assert figures["own"] == board.own
    assert {row["unit"]: row["figures"] for row in figures["children"]} == {
        row["unit"].pk: row["figures"] for row in board.children
    }
    assert figures["current"]["members.end"] == 2 and figures["current"]["baseline.population"] == 2000
    with django_capture_on_commit_callbacks(execute=True):
        run = report_request_run(report=report, tree=tree_kind)
    run.refresh_from_db()
    assert run.figures["current"] == figures["current"]


def test_figures_need_a_year_and_a_known_period(api, baseline, officer):
    client = api(officer)
    url = f"/api/v1/units/{baseline.commune.pk}/figures/"
    assert client.get(url).json()["errors"]["year"]
    assert client.get(url, {"year": YEAR, "period": "quarter"}).status_code == 400
    assert client.get(url, {"year": YEAR, "period": "h1"}).status_code == 200
