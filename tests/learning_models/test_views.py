"""Screens of the titles with every persona: the secretary enters scores, only an officer of the commune proposes
and recognises, viewers read, outsiders see nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from learning_models.models import CriteriaSet, LearningClass, TitleRecord
from learning_models.services.records import (
    record_review,
    record_score,
    records_propose,
    registration_bulk_create,
    registration_create,
)

from .conftest import DECISION, FULL, YEAR

S = TitleRecord.Status


@pytest.fixture
def registered(families, gdht, tree):
    registration_bulk_create(title_type=gdht, year=YEAR, unit=tree.chapter)
    return {r.household_id: r for r in TitleRecord.objects.all()}


@pytest.fixture
def proposed(registered, families, officer):
    record = registered[families.an.pk]
    record_score(record, scores=FULL)
    record_review(record, review_date=datetime.date(YEAR, 12, 5))
    records_propose([TitleRecord.objects.select_related("unit").get(pk=record.pk)], actor=officer)
    return TitleRecord.objects.get(pk=record.pk)


def table_url(tree, **params):
    url = reverse("learning_models:record_table", args=[tree.chapter.pk, YEAR])
    return url + "?title=gdht" + "".join(f"&{k}={v}" for k, v in params.items())


def score_post(records, values: dict, **extra):
    """The table's POST: every row of the page with its version, scores from `values` {record: {code: text}}."""
    data = {"action": "save", **extra}
    for record in records:
        data[f"v-{record.pk}"] = record.version
        data[f"e-{record.pk}"] = record.evidence
        for code in FULL:
            data[f"s-{record.pk}-{code}"] = values.get(record, {}).get(code, "")
    return data


# The list --------------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("learning_models:registration_list"))
    assert response.status_code == 302 and "dang-nhap" in response.url


def test_outsider_gets_404_on_our_commune_and_chapter(client_for, outsider, tree, registered):
    client = client_for(outsider)
    assert client.get(reverse("learning_models:registration_list") + f"?unit={tree.commune.pk}").status_code == 404
    assert client.get(table_url(tree)).status_code == 404
    record = next(iter(registered.values()))
    assert client.get(reverse("learning_models:record_detail", args=[record.pk])).status_code == 404


def test_viewer_reads_the_list_with_few_queries(client_for, viewer, tree, registered, django_assert_max_num_queries):
    client = client_for(viewer)
    url = reverse("learning_models:registration_list") + f"?unit={tree.commune.pk}&year={YEAR}"
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in response.content.decode()


def test_list_search_finds_names_typed_without_accents(client_for, secretary, tree, registered):
    response = client_for(secretary).get(
        reverse("learning_models:registration_list") + f"?unit={tree.chapter.pk}&year={YEAR}&q=tran thi binh"
    )
    page = response.content.decode()
    assert "Trần Thị Bình" in page and "Nguyễn Văn An" not in page


# The chapter's score table -------------------------------------------------------------------------------------


def test_table_shows_one_input_per_criterion_with_few_queries(
    client_for, secretary, tree, registered, django_assert_max_num_queries
):
    client = client_for(secretary)
    with django_assert_max_num_queries(16):
        response = client.get(table_url(tree))
    page = response.content.decode()
    assert response.status_code == 200
    record = next(iter(registered.values()))
    for code in FULL:
        assert f'name="s-{record.pk}-{code}"' in page


def test_secretary_saves_scores_for_the_whole_page(client_for, secretary, tree, registered, families):
    records = list(TitleRecord.objects.all())
    an = registered[families.an.pk]
    response = client_for(secretary).post(table_url(tree), score_post(records, {an: {**FULL, "1.1": "9,5"}}))
    assert response.status_code == 302
    an.refresh_from_db()
    assert an.total == Decimal("86.5") and an.status == S.SELF_ASSESSED
    assert an.history.first().history_user == secretary
    others = TitleRecord.objects.exclude(pk=an.pk)
    assert all(r.version == 1 and r.scores == {} for r in others)


def test_a_score_above_the_maximum_shows_the_row_and_saves_nothing(client_for, secretary, tree, registered, families):
    records = list(TitleRecord.objects.all())
    an, binh = registered[families.an.pk], registered[families.binh.pk]
    data = score_post(records, {an: FULL, binh: {**FULL, "2": "31"}})
    response = client_for(secretary).post(table_url(tree), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "31 điểm vượt quá mức tối đa 30 điểm" in page
    assert 'value="31"' in page  # what was typed stays on the page
    assert set(TitleRecord.objects.values_list("version", flat=True)) == {1}


def test_review_button_records_the_meeting_for_ticked_rows(client_for, secretary, tree, registered, families):
    records = list(TitleRecord.objects.all())
    an = registered[families.an.pk]
    data = score_post(records, {an: FULL}, action="review", review_date="05/12/2025", note="Biên bản 2", chon=[an.pk])
    response = client_for(secretary).post(table_url(tree), data)
    assert response.status_code == 302
    an.refresh_from_db()
    assert (an.status, an.review_date, an.review_note) == (S.REVIEWED, datetime.date(2025, 12, 5), "Biên bản 2")


def test_review_of_an_unscored_row_is_refused(client_for, secretary, tree, registered, families):
    records = list(TitleRecord.objects.all())
    binh = registered[families.binh.pk]
    data = score_post(records, {}, action="review", review_date="05/12/2025", chon=[binh.pk])
    response = client_for(secretary).post(table_url(tree), data)
    assert response.status_code == 400
    assert "chưa chấm điểm tiêu chí" in response.content.decode()
    assert TitleRecord.objects.filter(status=S.REVIEWED).count() == 0


def test_viewer_cannot_save_scores(client_for, viewer, tree, registered):
    records = list(TitleRecord.objects.all())
    response = client_for(viewer).post(table_url(tree), score_post(records, {records[0]: FULL}))
    assert response.status_code == 403
    assert set(TitleRecord.objects.values_list("version", flat=True)) == {1}


def test_bulk_registration_button(client_for, secretary, viewer, tree, families, gdht):
    url = reverse("learning_models:registration_bulk_create", args=[tree.chapter.pk, YEAR])
    assert client_for(viewer).post(url, {"title": "gdht"}).status_code == 403
    assert TitleRecord.objects.count() == 0
    response = client_for(secretary).post(url, {"title": "gdht"})
    assert response.status_code == 302
    assert TitleRecord.objects.filter(unit=tree.chapter, title_type=gdht).count() == 3


def test_registering_twice_through_the_form_shows_the_message(client_for, secretary, tree, families, registered):
    url = reverse("learning_models:registration_create") + f"?unit={tree.chapter.pk}&year={YEAR}&title=gdht"
    client = client_for(secretary)
    # Already registered households are not offered; posting one anyway is refused.
    response = client.post(url, {"subject": families.an.pk, "year": YEAR})
    assert response.status_code == 400
    assert TitleRecord.objects.count() == 3
    response = client.post(url, {"subject": families.an.pk, "year": YEAR - 1})
    assert response.status_code == 302
    assert TitleRecord.objects.filter(year=YEAR - 1).count() == 1


def test_person_registration_by_name(client_for, secretary, tree):
    url = reverse("learning_models:registration_create") + f"?unit={tree.chapter.pk}&year={YEAR}&title=cdanht"
    response = client_for(secretary).post(
        url, {"person_name": "  Phạm  Thị Hoa ", "unit": tree.chapter.pk, "year": YEAR}
    )
    assert response.status_code == 302
    record = TitleRecord.objects.get()
    assert (record.subject_name, record.unit) == ("Phạm Thị Hoa", tree.chapter)


# The commune's steps -----------------------------------------------------------------------------------------


def proposal_url(tree, step="de-nghi"):
    return reverse("learning_models:proposal_list", args=[tree.commune.pk, YEAR]) + f"?step={step}"


def test_only_an_officer_of_the_commune_proposes(
    client_for, secretary, commune_secretary, officer, tree, registered, families
):
    record = registered[families.an.pk]
    record_score(record, scores=FULL)
    record_review(record, review_date=datetime.date(YEAR, 12, 5))
    for user in (secretary, commune_secretary):
        response = client_for(user).post(proposal_url(tree), {"action": "propose", "chon": [record.pk]})
        assert response.status_code in (403, 404)
    assert TitleRecord.objects.get(pk=record.pk).status == S.REVIEWED
    response = client_for(officer).post(proposal_url(tree), {"action": "propose", "chon": [record.pk]})
    assert response.status_code == 302
    assert TitleRecord.objects.get(pk=record.pk).status == S.PROPOSED


def test_officer_recognises_by_decision(client_for, officer, tree, proposed):
    data = {
        "action": "recognise",
        "chon": [proposed.pk],
        "decision_number": "125/QĐ-UBND",
        "decision_date": "20/12/2025",
        "decision_issuer": "UBND phường Bạch Đằng",
    }
    response = client_for(officer).post(proposal_url(tree, "cong-nhan"), data)
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decision_number, proposed.locked) == (S.RECOGNISED, "125/QĐ-UBND", True)


def test_recognition_without_decision_number_is_refused_on_screen(client_for, officer, tree, proposed):
    data = {"action": "recognise", "chon": [proposed.pk], "decision_date": "20/12/2025", "decision_issuer": "UBND"}
    response = client_for(officer).post(proposal_url(tree, "cong-nhan"), data)
    assert response.status_code == 400
    assert "Hãy nhập số quyết định công nhận" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == S.PROPOSED and proposed.decision_number == ""


def test_select_all_recognises_every_listed_record(client_for, officer, tree, proposed):
    data = {"action": "recognise", "all": "1", **{k: v for k, v in DECISION.items() if k != "decision_date"}}
    data["decision_date"] = "20/12/2025"
    assert client_for(officer).post(proposal_url(tree, "cong-nhan"), data).status_code == 302
    assert TitleRecord.objects.filter(status=S.RECOGNISED).count() == 1


def test_viewer_sees_the_proposal_list_but_cannot_act(client_for, viewer, tree, proposed):
    client = client_for(viewer)
    response = client.get(proposal_url(tree, "cong-nhan"))
    assert response.status_code == 200 and proposed.subject_name in response.content.decode()
    assert client.post(proposal_url(tree, "cong-nhan"), {"action": "recognise", "all": "1"}).status_code == 403


def test_officer_refuses_with_a_reason(client_for, officer, tree, proposed):
    url = reverse("learning_models:record_refuse", args=[proposed.pk])
    client = client_for(officer)
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Con bỏ học"}).status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.refusal_reason) == (S.REFUSED, "Con bỏ học")


def test_unlock_needs_an_officer_and_a_reason(client_for, officer, secretary, tree, proposed):
    client_for(officer).post(
        proposal_url(tree, "cong-nhan"),
        {
            "action": "recognise",
            "all": "1",
            "decision_number": "1/QĐ",
            "decision_date": "20/12/2025",
            "decision_issuer": "UBND phường",
        },
    )
    url = reverse("learning_models:record_unlock", args=[proposed.pk])
    assert client_for(secretary).post(url, {"reason": "sửa"}).status_code == 403
    client_for(officer).post(url, {"reason": ""})
    assert TitleRecord.objects.get(pk=proposed.pk).locked
    client_for(officer).post(url, {"reason": "Sai điểm"})
    assert not TitleRecord.objects.get(pk=proposed.pk).locked


def test_record_detail_for_secretary_and_officer(client_for, secretary, officer, proposed):
    url = reverse("learning_models:record_detail", args=[proposed.pk])
    page = client_for(secretary).get(url).content.decode()
    assert "Nguyễn Văn An" in page and "Lịch sử thay đổi" in page and "Không công nhận" not in page
    assert "Không công nhận" in client_for(officer).get(url).content.decode()


def test_single_score_page_refuses_scores_above_maximum(client_for, secretary, registered, families):
    record = registered[families.an.pk]
    url = reverse("learning_models:record_score", args=[record.pk])
    data = {f"s-{code}": value for code, value in FULL.items()} | {"s-1.1": "11", "version": 1}
    response = client_for(secretary).post(url, data)
    assert response.status_code == 400 and "vượt quá mức tối đa 10 điểm" in response.content.decode()
    data["s-1.1"] = "10"
    assert client_for(secretary).post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.total == 87


# Figures, catalogue, classes -----------------------------------------------------------------------------------


def test_summary_page_states_registered_and_recognised(client_for, viewer, tree, registered):
    response = client_for(viewer).get(reverse("learning_models:title_summary") + f"?unit={tree.commune.pk}&year={YEAR}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gia đình học tập" in page and "Chi hội tổ dân phố số 1" in page


def test_administrator_copies_and_adapts_a_set(client_for, administrator, secretary, tree, gdht):
    national = CriteriaSet.objects.get(title_type=gdht, issuer=None, recognition_only=False)
    url = reverse("learning_models:criteriaset_copy", args=[national.pk])
    assert client_for(secretary).post(url, {"issuer": tree.province.pk, "year_from": YEAR}).status_code == 403
    response = client_for(administrator).post(
        url, {"issuer": tree.province.pk, "year_from": YEAR, "name": "Bộ của tỉnh"}
    )
    assert response.status_code == 302
    own = CriteriaSet.objects.get(issuer=tree.province)
    assert own.criteria.count() == 7
    # The national set stays with the system administrators.
    assert (
        client_for(administrator).get(reverse("learning_models:criteriaset_update", args=[national.pk])).status_code
        == 403
    )
    assert (
        client_for(administrator).get(reverse("learning_models:criteriaset_update", args=[own.pk])).status_code == 200
    )


def test_classes_screens(client_for, commune_secretary, viewer, tree):
    url = reverse("learning_models:class_create") + f"?unit={tree.commune.pk}"
    data = {
        "unit": tree.commune.pk,
        "topic": "Tin học cho người cao tuổi",
        "starts_on": "02/03/2025",
        "sessions": 4,
        "attendances": 0,
        "participant_names": "Nguyễn Văn An\nTrần Thị Bình\n",
    }
    assert client_for(viewer).post(url, data).status_code == 403
    response = client_for(commune_secretary).post(url, data)
    assert response.status_code == 302
    lesson = LearningClass.objects.get()
    assert lesson.attendances == 2 and lesson.participants.count() == 2
    listing = client_for(viewer).get(reverse("learning_models:class_list") + f"?unit={tree.commune.pk}&year=2025")
    assert "Tin học cho người cao tuổi" in listing.content.decode()


def test_table_of_a_title_without_points_saves_notes_and_reviews(client_for, secretary, tree, families):
    from learning_models.models import TitleType

    local = TitleType.objects.get(code="gd-hieu-hoc")
    record = registration_create(title_type=local, year=YEAR, household=families.an)
    url = reverse("learning_models:record_table", args=[tree.chapter.pk, YEAR]) + "?title=gd-hieu-hoc"
    data = {
        "action": "review",
        f"v-{record.pk}": 1,
        f"e-{record.pk}": "Ba con đỗ đại học",
        "review_date": "05/12/2025",
        "chon": [record.pk],
    }
    assert client_for(secretary).post(url, data).status_code == 302
    record.refresh_from_db()
    assert (record.evidence, record.status) == ("Ba con đỗ đại học", S.REVIEWED)
