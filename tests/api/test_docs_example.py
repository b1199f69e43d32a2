"""The Python examples of docs/api.md, run as written against a live server: a commune secretary's token pushes
the commune's title records and reads back its figures; with another commune it gets 404s and nothing changes."""

import re
from pathlib import Path

import pytest
import requests

from api.services import token_create
from learning_models.models import TitleRecord
from members.models import Household

from .conftest import YEAR

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def example_functions() -> dict:
    code = "\n".join(re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S))
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the documentation's own example
    return namespace


@pytest.mark.slow
def test_the_documented_flow_works_and_stays_in_scope(live_server, shipped_catalogue, tree, commune_secretary):
    for code in ("H01", "H02"):
        Household.objects.create(unit=tree.chapter, head_name=f"Chủ hộ {code}", code=code)
    Household.objects.create(unit=tree.outside_chapter, head_name="Chủ hộ ngoài", code="H01")
    _token, secret = token_create(user=commune_secretary, name="tích hợp")
    ex = example_functions()
    s = ex["session"](live_server.url, secret)
    scores = {"1.1": 10, "1.2": 9, "1.3": 8, "2": 25, "3": 18, "4": 17}
    rows = [
        {
            "unit_code": tree.chapter.code,
            "title": "gdht",
            "year": YEAR,
            "household_code": code,
            "registered_on": f"{YEAR}-01-15",
            "scores": scores,
        }
        for code in ("H01", "H02")
    ]
    job = ex["push_title_records"](s, tree.commune.pk, rows)
    assert job["status"] == "done", job
    assert job["counts"]["new"] == 2
    assert TitleRecord.objects.filter(unit=tree.chapter, year=YEAR, total=87).count() == 2
    figures = ex["province_figures"](s, tree.commune.pk, YEAR)
    assert figures["current"]["titles.gdht.registered"] == 2
    assert {c["unit"] for c in figures["children"]} >= {tree.chapter.pk}

    # The same script with a commune outside the token's scope: 404s, and nothing changes.
    before = TitleRecord.objects.count()
    outside = [{**row, "unit_code": tree.outside_chapter.code, "household_code": "H01"} for row in rows[:1]]
    with pytest.raises(requests.HTTPError) as refused:
        ex["push_title_records"](s, tree.other_commune.pk, outside)
    assert refused.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as hidden:
        ex["province_figures"](s, tree.other_commune.pk, YEAR)
    assert hidden.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as mirror:
        ex["mirror_members"](s, f"{YEAR}-01-01", tree.other_commune.pk)
    assert mirror.value.response.status_code == 404
    assert TitleRecord.objects.count() == before
    # Rows of another commune sent under this commune's unit are row errors: nothing saved either.
    result = ex["push_title_records"](s, tree.commune.pk, outside)
    assert result["status"] == "invalid" and result["rows"][0]["index"] == 0
    assert TitleRecord.objects.count() == before
