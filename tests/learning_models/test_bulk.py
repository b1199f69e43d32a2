"""Recognition at scale (issue #13, item 9): review, propose and recognise a whole filtered selection in one action,
after the screen said how many records it will touch; history and summaries follow."""

import pytest
from django.urls import reverse

from chapters.models import Summary
from learning_models.models import TitleRecord
from learning_models.services.records import (
    ScoreEntry,
    records_score,
    registration_bulk_create,
)
from members.models import Household

from .conftest import FULL, LOW, YEAR

S = TitleRecord.Status
URL = reverse("learning_models:records_bulk")


@pytest.fixture
def many(tree, families, gdht):
    """Seven households of the chapter and two of the other chapter, all registered and scored: the chapter's
    five first at 87 points, the rest at 65 (below the set's 80-point threshold)."""
    for number in range(4, 8):
        Household.objects.create(unit=tree.chapter, head_name=f"Hộ số {number}", code=f"H0{number}")
    for number in range(1, 3):
        Household.objects.create(unit=tree.other_chapter, head_name=f"Hộ trường {number}", code=f"T0{number}")
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.commune)
    records = list(TitleRecord.objects.order_by("unit_id", "pk"))
    chapter = [r for r in records if r.unit_id == tree.chapter.pk]
    entries = [ScoreEntry(r, FULL if r in chapter[:5] else LOW) for r in records]
    records_score(entries)
    return records


def query(unit, action, **extra):
    return {"unit": unit.pk, "year": YEAR, "action": action, "title": "gdht", **extra}


def with_query(params):
    from urllib.parse import urlencode

    return f"{URL}?{urlencode(params)}"


def test_the_screen_shows_how_many_records_the_action_will_touch(client_for, commune_secretary, tree, many):
    client = client_for(commune_secretary)
    response = client.get(URL, query(tree.commune, "review"))
    assert response.status_code == 200
    assert response.context["count"] == 9
    assert "Thao tác sẽ áp dụng cho 9 hồ sơ" in response.content.decode()
    narrowed = client.get(URL, query(tree.commune, "review", within=tree.chapter.pk, min_total="80"))
    assert narrowed.context["count"] == 5
    threshold = client.get(URL, query(tree.commune, "review", meets_threshold="on"))
    assert threshold.context["count"] == 5


def test_a_whole_selection_is_reviewed_proposed_and_recognised_in_three_actions(
    client_for, commune_secretary, officer, tree, many
):
    secretary = client_for(commune_secretary)
    params = query(tree.commune, "review", meets_threshold="on")
    post = {"expected": "5", "review_date": f"05/12/{YEAR}", "note": "Biên bản 3", "confirm": "on"}
    response = secretary.post(with_query(params), post)
    assert response.status_code == 302, response.context["errors"] or response.context["action_form"].errors
    assert TitleRecord.objects.filter(status=S.REVIEWED).count() == 5
    assert TitleRecord.objects.filter(status=S.SELF_ASSESSED).count() == 4

    approver = client_for(officer)
    response = approver.post(with_query(query(tree.commune, "propose")), {"expected": "5", "confirm": "on"})
    assert response.status_code == 302
    assert TitleRecord.objects.filter(status=S.PROPOSED).count() == 5

    decision = {"decision_number": "125/QĐ-UBND", "decision_date": f"20/12/{YEAR}"}
    decision["decision_issuer"] = "UBND phường Bạch Đằng"
    response = approver.post(
        with_query(query(tree.commune, "recognise")), {"expected": "5", "confirm": "on", **decision}
    )
    assert response.status_code == 302
    recognised = TitleRecord.objects.filter(status=S.RECOGNISED)
    assert recognised.count() == 5 and all(r.locked and r.decision_number == "125/QĐ-UBND" for r in recognised)
    # History: one row per record and step, with who did it; the summaries follow.
    record = recognised.first()
    steps = list(record.history.order_by("history_date").values_list("history_change_reason", "history_user"))
    assert steps[-3:] == [
        ("Họp bình xét", commune_secretary.pk),
        ("Đề nghị công nhận", officer.pk),
        ("Công nhận theo QĐ 125/QĐ-UBND", officer.pk),
    ]
    assert record.version == record.history.first().version
    holding = Summary.objects.get(unit=tree.chapter, year=YEAR, period="Y", figure="titles.gdht.recognised")
    assert holding.value == 5


def test_nothing_is_written_without_confirmation_or_when_the_selection_changed(
    client_for, commune_secretary, tree, many
):
    client = client_for(commune_secretary)
    params = query(tree.commune, "review", meets_threshold="on")
    unconfirmed = client.post(with_query(params), {"expected": "5", "review_date": f"05/12/{YEAR}"})
    assert unconfirmed.status_code == 400
    assert "Hãy đánh dấu xác nhận" in " ".join(unconfirmed.context["action_form"].errors["confirm"])
    stale = client.post(with_query(params), {"expected": "4", "review_date": f"05/12/{YEAR}", "confirm": "on"})
    assert stale.status_code == 400
    assert "Số hồ sơ được chọn đã thay đổi từ khi bạn xem (4 → 5 hồ sơ)" in " ".join(stale.context["errors"])
    assert not TitleRecord.objects.filter(status=S.REVIEWED).exists()


def test_one_bad_record_stops_the_whole_action(client_for, commune_secretary, tree, many):
    params = query(tree.commune, "review")  # the whole commune: four records are below... but fully scored
    record = TitleRecord.objects.filter(unit=tree.chapter).first()
    records_score([ScoreEntry(record, {**FULL, "4": ""})])  # one criterion left unscored
    response = client_for(commune_secretary).post(
        with_query(params), {"expected": "9", "review_date": f"05/12/{YEAR}", "confirm": "on"}
    )
    assert response.status_code == 400
    assert "chưa chấm điểm tiêu chí 4" in " ".join(response.context["errors"])
    assert not TitleRecord.objects.filter(status=S.REVIEWED).exists()


def test_rights_anonymous_outsider_viewer_and_secretary(client, client_for, outsider, viewer, secretary, tree, many):
    params = query(tree.commune, "propose")
    assert client.get(URL, params).status_code == 302
    assert client_for(outsider).get(URL, params).status_code == 404
    # A viewer sees the count but is offered nothing, and a post is refused.
    seen = client_for(viewer).get(URL, query(tree.commune, "review"))
    assert seen.status_code == 200 and seen.context["allowed"] is False
    assert client_for(viewer).post(with_query(query(tree.commune, "review")), {"expected": "0"}).status_code == 403
    # A chapter secretary cannot propose (officers do), even for her own chapter.
    refused = client_for(secretary).post(with_query(query(tree.chapter, "propose")), {"expected": "0", "confirm": "on"})
    assert refused.status_code == 403
    assert not TitleRecord.objects.filter(status=S.PROPOSED).exists()
