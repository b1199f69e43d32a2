"""Closing and reopening a year from a unit's page."""

from django.urls import reverse
from django.utils import timezone

from chapters.models import ClosedPeriod, Role
from tests.factories import RoleFactory, UserFactory


def url(name, unit):
    return reverse(f"chapters:{name}", args=[unit.pk])


def in_force(unit, year=2024):
    return ClosedPeriod.objects.in_force().filter(unit=unit, year=year).exists()


def test_anonymous_is_sent_to_login(client, tree):
    for response in (
        client.get(url("period_list", tree.chapter)),
        client.post(url("period_close", tree.chapter), {"year": 2024}),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not ClosedPeriod.objects.exists()


def test_outsider_gets_404(client_for, outsider, tree):
    client = client_for(outsider)
    assert client.get(url("period_list", tree.chapter)).status_code == 404
    assert client.post(url("period_close", tree.chapter), {"year": 2024}).status_code == 404
    assert not ClosedPeriod.objects.exists()


def test_viewer_and_secretary_see_closures_but_get_403_closing(client_for, viewer, secretary, tree):
    ClosedPeriod.objects.create(unit=tree.chapter, year=2023, closed_by_name="Lê Văn Minh")
    for user in (viewer, secretary):
        client = client_for(user)
        page = client.get(url("period_list", tree.chapter))
        assert page.status_code == 200 and "Lê Văn Minh" in page.content.decode()
        assert url("period_close", tree.chapter) not in page.content.decode()
        assert client.post(url("period_close", tree.chapter), {"year": 2024}).status_code == 403
        assert client.post(url("period_reopen", tree.chapter), {"year": 2023, "reason": "Sai"}).status_code == 403
    assert not in_force(tree.chapter) and in_force(tree.chapter, 2023)


def test_officer_of_the_commune_closes_a_year_of_a_chapter(client_for, officer, tree):
    response = client_for(officer).post(url("period_close", tree.chapter), {"year": 2024, "reason": "Tổng kết năm"})
    assert response.status_code == 302
    closure = ClosedPeriod.objects.get(unit=tree.chapter, year=2024)
    assert closure.closed_by == officer and closure.closed_by_name == "Lê Văn Minh"
    assert closure.reason == "Tổng kết năm"
    page = client_for(officer).get(url("unit_detail", tree.chapter)).content.decode()
    assert "Năm 2024 đã khóa sổ bởi" in page


def test_officer_may_not_close_her_own_commune(client_for, officer, tree):
    assert client_for(officer).post(url("period_close", tree.commune), {"year": 2024}).status_code == 403
    assert not in_force(tree.commune)


def test_administrator_of_the_unit_itself_closes_and_reopens(client_for, tree):
    admin = UserFactory(username="qt_phuong")
    RoleFactory(user=admin, unit=tree.commune, kind=Role.Kind.ADMINISTRATOR)
    client = client_for(admin)
    assert client.post(url("period_close", tree.commune), {"year": 2024}).status_code == 302
    assert in_force(tree.commune)
    assert (
        client.post(url("period_reopen", tree.commune), {"year": 2024, "reason": "Bổ sung số liệu"}).status_code == 302
    )
    closure = ClosedPeriod.objects.get(unit=tree.commune, year=2024)
    assert closure.reopened_by == admin and closure.reopen_reason == "Bổ sung số liệu"
    assert not in_force(tree.commune)
    page = client.get(url("period_list", tree.commune)).content.decode()
    assert "Bổ sung số liệu" in page


def test_reopening_needs_a_reason(client_for, officer, tree):
    ClosedPeriod.objects.create(unit=tree.chapter, year=2024, closed_by_name="Lê Văn Minh")
    response = client_for(officer).post(url("period_reopen", tree.chapter), {"year": 2024, "reason": "  "})
    assert response.status_code == 400
    assert "Lý do mở lại sổ" in response.content.decode()
    assert in_force(tree.chapter)


def test_closing_a_year_twice_or_in_the_future_is_refused(client_for, officer, tree):
    client = client_for(officer)
    client.post(url("period_close", tree.chapter), {"year": 2024})
    again = client.post(url("period_close", tree.chapter), {"year": 2024})
    assert again.status_code == 400 and "đã được khóa sổ bởi" in again.content.decode()
    future = timezone.localdate().year + 1
    response = client.post(url("period_close", tree.chapter), {"year": future})
    assert response.status_code == 400 and "năm này chưa tới" in response.content.decode()
    assert ClosedPeriod.objects.count() == 1


def test_a_closure_above_shows_on_the_chapter_page(client_for, secretary, tree):
    ClosedPeriod.objects.create(unit=tree.commune, year=2023, closed_by_name="Lê Văn Minh")
    response = client_for(secretary).get(url("period_list", tree.chapter))
    assert [c.year for c in response.context["inherited"]] == [2023]
    assert "Khóa sổ từ hội cấp trên" in response.content.decode()
