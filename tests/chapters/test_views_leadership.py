"""Terms and leadership: screens, history, and who signs on a date."""

import datetime

import pytest
from django.urls import reverse

from chapters.leadership import signatories, signatory
from chapters.models import LeadershipPosition, Term

D = datetime.date
Position = LeadershipPosition.Position


def url(name, *args):
    return reverse(f"chapters:{name}", args=[a.pk for a in args])


def leader_data(**overrides):
    data = {
        "full_name": "Trần  Văn Bình",
        "position": Position.CHAIR,
        "title": "Nhà giáo ưu tú",
        "term": "",
        "since": "15/05/2021",
        "until": "",
        "elected_by": "Đại hội lần thứ V",
    }
    data.update(overrides)
    return data


def form_errors(response) -> str:
    return " ".join(str(m) for messages in response.context["form"].errors.values() for m in messages)


@pytest.fixture
def term(tree):
    return Term.objects.create(unit=tree.commune, start_year=2021, end_year=2026, congress="Đại hội lần thứ V")


@pytest.fixture
def chair(tree, term):
    return LeadershipPosition.objects.create(
        unit=tree.commune, term=term, full_name="Trần Văn Bình", position=Position.CHAIR, since=D(2021, 5, 15)
    )


def test_anonymous_is_sent_to_login(client, tree, chair):
    for address in (url("leader_list", tree.commune), url("leader_update", chair), url("leader_create", tree.commune)):
        response = client.get(address)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outsider_gets_404(client_for, outsider, tree, chair, term):
    client = client_for(outsider)
    assert client.get(url("leader_list", tree.commune)).status_code == 404
    assert client.get(url("leader_update", chair)).status_code == 404
    assert client.post(url("leader_delete", chair)).status_code == 404
    assert client.post(url("term_delete", term)).status_code == 404
    assert LeadershipPosition.objects.filter(pk=chair.pk).exists()


def test_viewer_reads_but_gets_403_on_writes(client_for, viewer, tree, chair, term):
    client = client_for(viewer)
    page = client.get(url("leader_list", tree.commune))
    assert page.status_code == 200 and "Trần Văn Bình" in page.content.decode()
    assert url("leader_create", tree.commune) not in page.content.decode()
    assert client.post(url("leader_create", tree.commune), leader_data()).status_code == 403
    assert client.post(url("leader_update", chair), leader_data(full_name="X", version=1)).status_code == 403
    assert client.post(url("leader_delete", chair)).status_code == 403
    assert client.post(url("term_create", tree.commune), {"start_year": 2026, "end_year": 2031}).status_code == 403
    assert LeadershipPosition.objects.get().full_name == "Trần Văn Bình"
    assert Term.objects.count() == 1


def test_commune_secretary_records_a_term_and_its_chair(client_for, commune_secretary, tree):
    client = client_for(commune_secretary)
    data = {"start_year": 2021, "end_year": 2026, "congress": "Đại hội lần thứ V", "congress_on": "20/05/2021"}
    assert client.post(url("term_create", tree.commune), data).status_code == 302
    term = Term.objects.get(unit=tree.commune)
    assert term.congress_on == D(2021, 5, 20)
    response = client.post(url("leader_create", tree.commune), leader_data(term=term.pk))
    assert response.status_code == 302 and response.url == url("leader_list", tree.commune)
    leader = LeadershipPosition.objects.get(unit=tree.commune)
    assert leader.full_name == "Trần Văn Bình" and leader.term == term and leader.version == 1
    assert leader.history.get().history_user == commune_secretary
    page = client.get(url("unit_detail", tree.commune)).content.decode()
    assert "Nhiệm kỳ 2021–2026" in page and "Trần Văn Bình" in page


def test_term_years_in_the_wrong_order_are_refused(client_for, commune_secretary, tree, term):
    client = client_for(commune_secretary)
    response = client.post(url("term_create", tree.commune), {"start_year": 2031, "end_year": 2026})
    assert "Năm kết thúc nhiệm kỳ không được trước năm bắt đầu" in form_errors(response)
    response = client.post(url("term_create", tree.commune), {"start_year": 2021, "end_year": 2026})
    assert "Đơn vị đã có nhiệm kỳ bắt đầu năm 2021" in form_errors(response)
    assert Term.objects.count() == 1


def test_leader_dates_in_the_wrong_order_are_refused(client_for, commune_secretary, tree):
    response = client_for(commune_secretary).post(
        url("leader_create", tree.commune), leader_data(since="01/06/2024", until="01/01/2024")
    )
    assert response.status_code == 200
    assert "Ngày thôi giữ chức vụ không được trước ngày bắt đầu" in form_errors(response)
    assert not LeadershipPosition.objects.exists()


def test_term_of_another_unit_cannot_be_attached(client_for, commune_secretary, tree):
    foreign = Term.objects.create(unit=tree.other_commune, start_year=2021, end_year=2026)
    response = client_for(commune_secretary).post(url("leader_create", tree.commune), leader_data(term=foreign.pk))
    assert response.status_code == 200 and "term" in response.context["form"].errors
    assert not LeadershipPosition.objects.exists()


def test_editing_a_leader_keeps_the_history_and_refuses_a_stale_form(
    client_for, commune_secretary, officer, tree, chair
):
    client = client_for(commune_secretary)
    opened = leader_data(version=1)
    assert client.post(url("leader_update", chair), {**opened, "until": "30/06/2025"}).status_code == 302
    stale = client.post(url("leader_update", chair), {**opened, "title": "Cựu chiến binh"})
    assert stale.status_code == 200
    assert "vừa được" in form_errors(stale) and "đến ngày" in form_errors(stale)
    chair.refresh_from_db()
    assert chair.until == D(2025, 6, 30) and chair.title == "Nhà giáo ưu tú" and chair.version == 2
    page = client.get(url("leader_update", chair)).content.decode()
    assert "Lịch sử thay đổi" in page and "30/06/2025" in page


def test_deleting_a_leader_goes_through_history(client_for, commune_secretary, tree, chair):
    response = client_for(commune_secretary).post(url("leader_delete", chair))
    assert response.status_code == 302
    assert not LeadershipPosition.objects.exists()
    assert LeadershipPosition.history.filter(id=chair.pk, history_type="-").get().history_user == commune_secretary


def test_a_term_with_leaders_is_not_deleted(client_for, commune_secretary, tree, term, chair):
    client = client_for(commune_secretary)
    response = client.post(url("term_delete", term), follow=True)
    assert "còn 1 người lãnh đạo" in response.content.decode()
    assert Term.objects.filter(pk=term.pk).exists()
    chair.delete()
    client.post(url("term_delete", term))
    assert not Term.objects.exists()


def test_leader_list_shows_current_former_and_terms(client_for, officer, tree, term, chair):
    LeadershipPosition.objects.create(
        unit=tree.commune,
        full_name="Lê Thị Hoa",
        position=Position.VICE_CHAIR,
        since=D(2016, 1, 1),
        until=D(2020, 12, 31),
    )
    response = client_for(officer).get(url("leader_list", tree.commune))
    assert [p.full_name for p in response.context["current"]] == ["Trần Văn Bình"]
    assert [p.full_name for p in response.context["former"]] == ["Lê Thị Hoa"]
    assert "Đại hội lần thứ V" in response.content.decode()


# Who signs ---------------------------------------------------------------------------------------------------------


def test_the_chair_signs(tree, chair):
    found = signatory(tree.commune, D(2024, 12, 31))
    assert found.full_name == "Trần Văn Bình" and found.lines == ("CHỦ TỊCH",) and not found.on_behalf


def test_without_a_chair_a_vice_chair_signs_on_behalf(tree, chair):
    chair.until = D(2024, 6, 30)
    chair.save()
    LeadershipPosition.objects.create(
        unit=tree.commune, full_name="Lê Thị Hoa", position=Position.VICE_CHAIR, since=D(2021, 5, 15)
    )
    found = signatories(tree.commune, D(2024, 12, 31))
    assert [(s.full_name, s.lines) for s in found] == [("Lê Thị Hoa", ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"))]
    assert found[0].on_behalf
    assert signatory(tree.commune, D(2024, 6, 30)).full_name == "Trần Văn Bình"


def test_nobody_signs_before_anyone_was_recorded(tree, chair):
    assert signatories(tree.commune, D(2020, 1, 1)) == []
    assert signatory(tree.commune, D(2020, 1, 1)) is None


def test_a_chapter_head_signs_as_chi_hoi_truong(tree):
    LeadershipPosition.objects.create(
        unit=tree.chapter, full_name="Phạm Văn Hùng", position=Position.HEAD, since=D(2020, 1, 1)
    )
    assert signatory(tree.chapter, D(2024, 12, 31)).lines == ("CHI HỘI TRƯỞNG",)


def test_leader_list_query_count(client_for, officer, tree, term, django_assert_max_num_queries):
    for number in range(12):
        LeadershipPosition.objects.create(
            unit=tree.commune, term=term, full_name=f"Ủy viên {number}", position=Position.STANDING, since=D(2021, 5, 1)
        )
    client = client_for(officer)
    with django_assert_max_num_queries(11):  # +1: the bell's unread count (issue 16)
        response = client.get(url("leader_list", tree.commune))
    assert len(response.context["current"]) == 12
