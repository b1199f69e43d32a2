"""Browsing the tree: the list with accent-free search, a unit's page, the tree on a date."""

import datetime

import pytest
from django.urls import reverse

from chapters.models import ClosedPeriod, Term, Unit
from chapters.services import tree as tree_services
from tests.factories import BaselineFigureFactory, UnitFactory

D = datetime.date


def unit_list():
    return reverse("chapters:unit_list")


def detail(unit):
    return reverse("chapters:unit_detail", args=[unit.pk])


def tree_url(unit):
    return reverse("chapters:unit_tree", args=[unit.pk])


@pytest.fixture
def reform(tree):
    """A district closed on 30/06/2025 whose two communes merged into a new commune from 01/07/2025."""
    district = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.DISTRICT,
        division_type="quận",
        code="D001",
        name="Quận Hai Bà Trưng",
        parent=tree.province,
        active_from=D(2000, 1, 1),
    )
    old = [
        tree_services.unit_create(
            kind=Unit.Kind.ASSOCIATION,
            level=Unit.Level.COMMUNE,
            division_type="phường",
            code=f"OLD{i}",
            name=f"Phường Cũ {name}",
            parent=district,
            active_from=D(2000, 1, 1),
        )
        for i, name in ((1, "Một"), (2, "Hai"))
    ]
    chapter = tree_services.unit_create(
        kind=Unit.Kind.CHAPTER,
        level=Unit.Level.GRASSROOTS,
        host=Unit.Host.RESIDENTIAL,
        code="OLD1-01",
        name="Chi hội tổ 1",
        parent=old[0],
        active_from=D(2010, 1, 1),
    )
    new = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.COMMUNE,
        division_type="phường",
        code="NEW1",
        name="Phường Mới",
        parent=tree.province,
        active_from=D(2025, 7, 1),
    )
    tree_services.unit_merge(predecessors=old, successor=new, on=D(2025, 7, 1))
    tree_services.unit_close(district, on=D(2025, 6, 30))
    return district, old, chapter, new


# Anonymous, outsider ------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, tree):
    for url in (unit_list(), detail(tree.chapter), tree_url(tree.commune)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_outsider_gets_404_on_unit_page_and_tree(client_for, outsider, tree):
    client = client_for(outsider)
    assert client.get(detail(tree.chapter)).status_code == 404
    assert client.get(tree_url(tree.commune)).status_code == 404
    assert client.get(detail(tree.outside_chapter)).status_code == 200


# The list -------------------------------------------------------------------------------------------------------


def test_search_without_accents_finds_units_in_scope(client_for, administrator, tree):
    response = client_for(administrator).get(unit_list(), {"q": "bach dang"})
    names = {unit.name for unit in response.context["units"]}
    assert names == {"Phường Bạch Đằng", "Chi hội Trường Tiểu học Bạch Đằng"}


def test_search_never_leaves_the_users_scope(client_for, viewer, tree):
    client = client_for(viewer)
    assert [u.name for u in client.get(unit_list(), {"q": "hoa binh"}).context["units"]] == []
    assert [u.name for u in client.get(unit_list(), {"q": "tieu hoc"}).context["units"]] == [
        "Chi hội Trường Tiểu học Bạch Đằng"
    ]


def test_list_without_search_shows_the_users_own_units(client_for, officer, tree):
    response = client_for(officer).get(unit_list())
    assert [u.pk for u in response.context["units"]] == [tree.commune.pk]
    assert response.context["units"][0].child_count == 2


def test_closed_units_are_hidden_unless_asked_for(client_for, officer, tree):
    tree_services.unit_close(tree.other_chapter, on=D(2020, 12, 31))
    client = client_for(officer)
    assert [u.name for u in client.get(unit_list(), {"q": "tieu hoc"}).context["units"]] == []
    shown = client.get(unit_list(), {"q": "tieu hoc", "closed": "1"})
    assert [u.name for u in shown.context["units"]] == ["Chi hội Trường Tiểu học Bạch Đằng"]
    assert "ngừng hoạt động" in shown.content.decode()


def test_results_show_where_each_unit_stands(client_for, administrator, tree):
    response = client_for(administrator).get(unit_list(), {"q": "tieu hoc"})
    unit = response.context["units"][0]
    assert unit.trail == ["Hội Khuyến học tỉnh Thử Nghiệm", "Hội Khuyến học phường Bạch Đằng"]
    assert "Hội Khuyến học tỉnh Thử Nghiệm › Hội Khuyến học phường Bạch Đằng" in response.content.decode()


def test_list_is_paginated_and_keeps_the_search(client_for, administrator, tree):
    for number in range(55):
        UnitFactory(parent=tree.commune, name=f"Chi hội khu phố {number}")
    client = client_for(administrator)
    first = client.get(unit_list(), {"q": "khu pho"})
    assert first.context["page_obj"].paginator.count == 55
    assert len(first.context["units"]) == 50
    assert "?q=khu+pho&amp;page=2" in first.content.decode()
    second = client.get(unit_list(), {"q": "khu pho", "page": 2})
    assert len(second.context["units"]) == 5


def test_list_query_count_does_not_grow_with_rows(client_for, administrator, tree, django_assert_max_num_queries):
    for number in range(40):
        UnitFactory(parent=tree.commune, name=f"Chi hội khu phố {number}")
    client = client_for(administrator)
    with django_assert_max_num_queries(8):  # +1 on every page: the bell's unread count (issue 16)
        response = client.get(unit_list(), {"q": "khu pho"})
    assert len(response.context["units"]) == 40


# A unit's page --------------------------------------------------------------------------------------------------


def test_unit_page_shows_lineage_names_and_parent_history(client_for, administrator, reform):
    district, old, chapter, new = reform
    client = client_for(administrator)
    page = client.get(detail(new)).content.decode()
    assert "phường Cũ Một" in page and "phường Cũ Hai" in page
    assert reverse("chapters:unit_detail", args=[old[0].pk]) in page
    old_page = client.get(detail(old[0])).content.decode()
    assert "Sáp nhập vào" in old_page and "Hội Khuyến học phường Mới" in old_page
    assert "ngừng hoạt động" in old_page
    chapter_page = client.get(detail(chapter)).content.decode()
    # Parent history: the old commune until 30/06/2025, the new one from 01/07/2025.
    assert "đến 30/06/2025" in chapter_page and "từ 01/07/2025" in chapter_page


def test_unit_page_shows_leadership_baseline_and_closed_years(client_for, officer, administrator, tree):
    term = Term.objects.create(unit=tree.commune, start_year=2021, end_year=2026, congress="Đại hội lần thứ V")
    tree.commune.leaders.create(full_name="Trần Văn Bình", position="chair", since=D(2021, 5, 1), term=term)
    BaselineFigureFactory(unit=tree.commune, year=2024, population=12486, households=3100)
    from chapters.summaries import summaries_refresh

    summaries_refresh(unit_ids=[tree.commune.pk], years=[2024], providers=["baseline"])
    ClosedPeriod.objects.create(unit=tree.province, year=2023, closed_by_name="Nguyễn Văn Đức")
    page = client_for(officer).get(detail(tree.commune)).content.decode()
    assert "Nhiệm kỳ 2021–2026" in page and "Trần Văn Bình" in page
    assert "12.486" in page and "2024" in page
    assert "Năm 2023 đã khóa sổ bởi Nguyễn Văn Đức" in page


def test_unit_page_offers_only_the_actions_the_user_may_take(client_for, secretary, officer, viewer, tree):
    edit = reverse("chapters:unit_update", args=[tree.chapter.pk])
    close = reverse("chapters:unit_close", args=[tree.chapter.pk])
    secretary_page = client_for(secretary).get(detail(tree.chapter)).content.decode()
    assert edit in secretary_page and close not in secretary_page
    officer_page = client_for(officer).get(detail(tree.chapter)).content.decode()
    assert edit not in officer_page and close in officer_page
    viewer_page = client_for(viewer).get(detail(tree.chapter)).content.decode()
    assert edit not in viewer_page and close not in viewer_page


def test_unit_page_hides_ancestors_above_the_users_scope(client_for, secretary, tree):
    response = client_for(secretary).get(detail(tree.chapter))
    assert response.context["ancestors"] == []
    assert detail(tree.commune) not in response.content.decode()


def test_unit_page_query_count(client_for, administrator, tree, django_assert_max_num_queries):
    for number in range(20):
        UnitFactory(parent=tree.commune, name=f"Chi hội khu phố {number}")
    client = client_for(administrator)
    with django_assert_max_num_queries(20):  # +1: the bell
        response = client.get(detail(tree.commune))
    assert len(response.context["children"]) == 22


# The tree on a date ---------------------------------------------------------------------------------------------


def test_tree_on_a_past_date_shows_the_district_and_old_communes(client_for, administrator, reform, tree):
    response = client_for(administrator).get(tree_url(tree.province), {"ngay": "31/12/2024"})
    names = [row["unit"].name for row in response.context["rows"]]
    assert {"Quận Hai Bà Trưng", "Phường Cũ Một", "Phường Cũ Hai", "Chi hội tổ 1"} <= set(names)
    assert "Phường Mới" not in names
    depth = {row["unit"].name: row["depth"] for row in response.context["rows"]}
    assert depth["Chi hội tổ 1"] == 3


def test_tree_today_shows_the_new_commune_holding_the_chapters(client_for, administrator, reform, tree):
    response = client_for(administrator).get(tree_url(tree.province))
    rows = {row["unit"].name: row["depth"] for row in response.context["rows"]}
    assert "Quận Hai Bà Trưng" not in rows
    assert rows["Phường Mới"] == 1 and rows["Chi hội tổ 1"] == 2


def test_tree_on_a_date_uses_the_names_of_that_date(client_for, administrator, tree):
    tree_services.unit_update(tree.chapter, name="Chi hội khu phố Mới", on=D(2024, 1, 1))
    client = client_for(administrator)
    before = client.get(tree_url(tree.commune), {"ngay": "31/12/2023"})
    after = client.get(tree_url(tree.commune), {"ngay": "01/01/2024"})
    assert "Chi hội tổ dân phố số 1" in [row["unit"].name for row in before.context["rows"]]
    assert "Chi hội khu phố Mới" in [row["unit"].name for row in after.context["rows"]]


def test_tree_links_only_units_in_scope(client_for, officer, tree):
    rows = client_for(officer).get(tree_url(tree.commune)).context["rows"]
    assert all(row["link"] for row in rows)
    assert len(rows) == 3


def test_tree_with_an_impossible_date_says_how_to_type_it(client_for, officer, tree):
    response = client_for(officer).get(tree_url(tree.commune), {"ngay": "31/02/2024"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Ngày không hợp lệ" in response.content.decode()


def test_tree_before_the_unit_opened_says_so(client_for, officer, tree):
    response = client_for(officer).get(tree_url(tree.commune), {"ngay": "01/01/2010"})
    assert response.context["rows"] == []
    assert "không hoạt động vào ngày 01/01/2010" in response.content.decode()
