"""Changing the tree through the screens: create, edit, close, merge, split; rights, bad input, stale edits."""

import datetime

import pytest
from django.urls import reverse

from chapters.models import Lineage, ParentLink, Role, Unit, UnitName
from chapters.services import tree as tree_services
from tests.factories import CommuneFactory, ProvinceFactory, RoleFactory, UnitFactory, UserFactory

D = datetime.date


def url(name, unit=None):
    return reverse(f"chapters:{name}", args=[unit.pk] if unit else [])


def chapter_data(under, **overrides):
    data = {
        "parent": under.pk,
        "kind": Unit.Kind.CHAPTER,
        "level": "",
        "host": Unit.Host.RESIDENTIAL,
        "code": "10001-09",
        "name": "Chi hội tổ dân phố số 9",
        "division_type": "",
        "address": "",
        "active_from": "01/03/2024",
        "notes": "",
    }
    data.update(overrides)
    return data


def edit_data(unit, **overrides):
    data = {
        "version": unit.version,
        "name": unit.name,
        "host": unit.host,
        "division_type": unit.division_type,
        "address": unit.address,
        "notes": unit.notes,
        "on": "",
    }
    data.update(overrides)
    return data


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


@pytest.fixture
def superuser(db):
    return UserFactory(username="sieuquantri", is_superuser=True, is_staff=True)


# Create ----------------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_on_every_change_screen(client, tree):
    for name in ("unit_update", "unit_close", "unit_merge", "unit_split"):
        response = client.get(url(name, tree.chapter))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(url("unit_create") + f"?parent={tree.commune.pk}", chapter_data(tree.commune))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Unit.objects.filter(code="10001-09").exists()


def test_officer_creates_a_chapter_under_her_commune(client_for, officer, tree):
    client = client_for(officer)
    form_page = client.get(url("unit_create") + f"?parent={tree.commune.pk}")
    assert form_page.status_code == 200
    assert form_page.context["form"]["parent"].initial == tree.commune.pk
    response = client.post(url("unit_create") + f"?parent={tree.commune.pk}", chapter_data(tree.commune))
    unit = Unit.objects.get(code="10001-09")
    assert response.status_code == 302 and response.url == url("unit_detail", unit)
    assert unit.parent == tree.commune and unit.level == Unit.Level.GRASSROOTS
    assert unit.path.startswith(tree.commune.path)
    assert ParentLink.objects.filter(unit=unit, parent=tree.commune, valid_from=D(2024, 3, 1)).exists()
    assert UnitName.objects.filter(unit=unit, name="Chi hội tổ dân phố số 9").exists()
    assert unit.history.get().history_user == officer


def test_secretary_and_viewer_may_not_create_units(client_for, secretary, viewer, tree):
    for user, parent in ((secretary, tree.chapter), (viewer, tree.commune)):
        client = client_for(user)
        assert client.get(url("unit_create") + f"?parent={parent.pk}").status_code == 403
        response = client.post(url("unit_create") + f"?parent={parent.pk}", chapter_data(parent))
        assert response.status_code == 403
    assert client.get(url("unit_create")).status_code == 403
    assert not Unit.objects.filter(code="10001-09").exists()


def test_outsider_gets_404_creating_under_our_commune(client_for, outsider, tree):
    client = client_for(outsider)
    assert client.get(url("unit_create") + f"?parent={tree.commune.pk}").status_code == 404


def test_unknown_parent_is_refused(client_for, officer, tree):
    client = client_for(officer)
    assert client.get(url("unit_create") + "?parent=999999").status_code == 404
    response = client.post(url("unit_create"), chapter_data(tree.commune, parent=999999))
    assert response.status_code == 200
    assert "Đơn vị không tồn tại hoặc nằm ngoài phạm vi của bạn" in form_errors(response)
    assert not Unit.objects.filter(code="10001-09").exists()


def test_parent_out_of_scope_is_refused_like_an_unknown_one(client_for, officer, tree):
    response = client_for(officer).post(url("unit_create"), chapter_data(tree.other_commune))
    assert "Đơn vị không tồn tại hoặc nằm ngoài phạm vi của bạn" in form_errors(response)
    assert not Unit.objects.filter(code="10001-09").exists()


def test_code_used_by_a_unit_open_on_the_same_day_is_refused(client_for, officer, tree):
    response = client_for(officer).post(url("unit_create"), chapter_data(tree.commune, code="10001-02"))
    assert response.status_code == 200
    assert "Mã 10001-02 đang được dùng cho Chi hội Trường Tiểu học Bạch Đằng" in form_errors(response)
    assert Unit.objects.filter(code="10001-02").count() == 1


def test_code_of_a_closed_unit_can_be_used_again_after_it_closed(client_for, officer, tree):
    tree_services.unit_close(tree.other_chapter, on=D(2023, 12, 31))
    response = client_for(officer).post(url("unit_create"), chapter_data(tree.commune, code="10001-02"))
    assert response.status_code == 302
    assert Unit.objects.filter(code="10001-02").count() == 2


def test_commune_under_a_chapter_is_refused(client_for, administrator, tree):
    data = chapter_data(tree.chapter, kind=Unit.Kind.ASSOCIATION, level=Unit.Level.COMMUNE, host="", code="X1")
    response = client_for(administrator).post(url("unit_create") + f"?parent={tree.chapter.pk}", data)
    assert response.status_code == 200
    assert "không thể đặt dưới Chi hội tổ dân phố số 1" in form_errors(response)
    assert not Unit.objects.filter(code="X1").exists()


def test_association_without_a_level_asks_for_one(client_for, administrator, tree):
    data = chapter_data(tree.province, kind=Unit.Kind.ASSOCIATION, level="", host="", code="X2")
    response = client_for(administrator).post(url("unit_create"), data)
    assert "Hãy chọn cấp của Hội Khuyến học" in form_errors(response)
    assert not Unit.objects.filter(code="X2").exists()


def test_only_a_superuser_may_add_a_province_at_the_top(client_for, administrator, superuser, tree):
    data = chapter_data(tree.province, parent="", kind=Unit.Kind.ASSOCIATION, level=Unit.Level.PROVINCE, host="")
    data.update(code="P99", name="Tỉnh Mới", division_type="tỉnh")
    response = client_for(administrator).post(url("unit_create"), data)
    assert "Hãy chọn đơn vị cấp trên" in form_errors(response)
    assert not Unit.objects.filter(code="P99").exists()
    response = client_for(superuser).post(url("unit_create"), data)
    assert response.status_code == 302
    assert Unit.objects.get(code="P99").parent is None


def test_chapter_needs_a_host(client_for, officer, tree):
    response = client_for(officer).post(url("unit_create"), chapter_data(tree.commune, host=""))
    assert "Hãy chọn nơi tổ chức" in form_errors(response)
    assert not Unit.objects.filter(code="10001-09").exists()


def test_bad_opening_date_says_how_to_type_it(client_for, officer, tree):
    response = client_for(officer).post(url("unit_create"), chapter_data(tree.commune, active_from="31/02/2024"))
    assert "Ngày không hợp lệ" in form_errors(response)
    assert not Unit.objects.filter(code="10001-09").exists()


# Edit ------------------------------------------------------------------------------------------------------------


def test_secretary_renames_her_chapter_from_a_date(client_for, secretary, tree):
    client = client_for(secretary)
    page = client.get(url("unit_update", tree.chapter))
    assert page.status_code == 200
    assert "parent" not in page.context["form"].fields  # moving is for officers and administrators
    response = client.post(
        url("unit_update", tree.chapter), edit_data(tree.chapter, name="Chi hội khu phố 1", on="01/01/2025")
    )
    assert response.status_code == 302
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội khu phố 1" and tree.chapter.version == 2
    names = list(UnitName.objects.filter(unit=tree.chapter).order_by("valid_from").values_list("name", "valid_until"))
    assert names == [("Chi hội tổ dân phố số 1", D(2024, 12, 31)), ("Chi hội khu phố 1", None)]


def test_secretary_cannot_move_her_chapter_by_posting_a_parent(client_for, secretary, tree):
    data = edit_data(tree.chapter, parent=tree.other_commune.pk, address="Số 5 phố Huế")
    assert client_for(secretary).post(url("unit_update", tree.chapter), data).status_code == 302
    tree.chapter.refresh_from_db()
    assert tree.chapter.parent == tree.commune and tree.chapter.address == "Số 5 phố Huế"


def test_viewer_and_officer_without_change_right_get_403_on_edit(client_for, viewer, officer, tree):
    for user in (viewer, officer):
        client = client_for(user)
        assert client.get(url("unit_update", tree.chapter)).status_code == 403
        assert client.post(url("unit_update", tree.chapter), edit_data(tree.chapter, name="X")).status_code == 403
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội tổ dân phố số 1"


def test_outsider_gets_404_on_edit(client_for, outsider, tree):
    client = client_for(outsider)
    assert client.get(url("unit_update", tree.chapter)).status_code == 404
    assert client.post(url("unit_update", tree.chapter), edit_data(tree.chapter, name="X")).status_code == 404
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội tổ dân phố số 1"


def test_second_of_two_open_forms_is_refused_naming_what_changed(client_for, secretary, commune_secretary, tree):
    first, second = client_for(secretary), None
    opened = edit_data(tree.chapter)  # both forms opened at version 1
    assert first.post(url("unit_update", tree.chapter), {**opened, "name": "Chi hội khu phố Một"}).status_code == 302
    second = client_for(commune_secretary)
    response = second.post(url("unit_update", tree.chapter), {**opened, "address": "Số 9 Bạch Đằng"})
    assert response.status_code == 200
    message = form_errors(response)
    assert "vừa được" in message and "tên" in message and "Chi hội khu phố Một" in message
    assert response.context["form"]["version"].value() == 2
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội khu phố Một" and tree.chapter.address == "" and tree.chapter.version == 2


def test_administrator_moves_a_chapter_to_another_commune(client_for, administrator, tree):
    data = edit_data(tree.chapter, parent=tree.other_commune.pk, code=tree.chapter.code, active_from="01/01/2015")
    data["on"] = "01/07/2025"
    response = client_for(administrator).post(url("unit_update", tree.chapter), data)
    assert response.status_code == 302
    tree.chapter.refresh_from_db()
    assert tree.chapter.parent == tree.other_commune
    assert tree.chapter.path.startswith(tree.other_commune.path)
    links = list(
        ParentLink.objects.filter(unit=tree.chapter).order_by("valid_from").values_list("parent", "valid_until")
    )
    assert links == [(tree.commune.pk, D(2025, 6, 30)), (tree.other_commune.pk, None)]


def test_move_to_a_parent_in_another_province_is_refused(client_for, superuser, tree):
    other_province = ProvinceFactory(name="Tỉnh Khác", code="T02")
    far_commune = CommuneFactory(parent=other_province, name="Xã Xa", code="20001")
    data = edit_data(tree.chapter, parent=far_commune.pk, code=tree.chapter.code, active_from="01/01/2015")
    response = client_for(superuser).post(url("unit_update", tree.chapter), data)
    assert response.status_code == 200
    assert "không thể chuyển đơn vị sang tỉnh khác" in form_errors(response)
    tree.chapter.refresh_from_db()
    assert tree.chapter.parent == tree.commune


def test_a_cycle_in_the_tree_is_refused(client_for, administrator, tree):
    district = tree_services.unit_create(
        kind=Unit.Kind.ASSOCIATION,
        level=Unit.Level.DISTRICT,
        division_type="huyện",
        code="D9",
        name="Huyện Thử",
        parent=tree.province,
        active_from=D(2000, 1, 1),
    )
    tree_services.unit_move(tree.commune, new_parent=district, on=D(2020, 1, 1))
    district.refresh_from_db()
    data = {
        "version": district.version,
        "name": district.name,
        "host": "",
        "division_type": "huyện",
        "address": "",
        "notes": "",
        "on": "",
        "parent": tree.commune.pk,  # below itself
        "code": "D9",
        "active_from": "01/01/2000",
    }
    response = client_for(administrator).post(url("unit_update", district), data)
    assert response.status_code == 200
    assert "Không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị trực thuộc của nó" in form_errors(response)
    district.refresh_from_db()
    assert district.parent == tree.province
    tree.commune.refresh_from_db()
    assert tree.commune.parent == district


def test_unit_cannot_be_placed_under_itself(client_for, administrator, tree):
    data = edit_data(tree.commune, parent=tree.commune.pk, code=tree.commune.code, active_from="01/01/2015")
    response = client_for(administrator).post(url("unit_update", tree.commune), data)
    assert response.status_code == 200
    assert "Không thể đặt đơn vị dưới chính nó" in form_errors(response)
    tree.commune.refresh_from_db()
    assert tree.commune.parent == tree.province and tree.commune.version == 1


# Close -----------------------------------------------------------------------------------------------------------


def test_officer_closes_a_chapter(client_for, officer, tree):
    response = client_for(officer).post(url("unit_close", tree.other_chapter), {"on": "31/12/2025", "reason": ""})
    assert response.status_code == 302
    tree.other_chapter.refresh_from_db()
    assert tree.other_chapter.active_until == D(2025, 12, 31)
    assert ParentLink.objects.get(unit=tree.other_chapter).valid_until == D(2025, 12, 31)


def test_closing_before_opening_is_refused(client_for, officer, tree):
    response = client_for(officer).post(url("unit_close", tree.other_chapter), {"on": "31/12/2010"})
    assert response.status_code == 200
    assert "không được trước ngày bắt đầu hoạt động (01/01/2015)" in form_errors(response)
    tree.other_chapter.refresh_from_db()
    assert tree.other_chapter.active_until is None


def test_closing_a_commune_with_open_chapters_is_refused(client_for, administrator, tree):
    response = client_for(administrator).post(url("unit_close", tree.commune), {"on": "31/12/2025"})
    assert "còn 2 đơn vị trực thuộc đang hoạt động" in form_errors(response)
    tree.commune.refresh_from_db()
    assert tree.commune.active_until is None


def test_secretary_viewer_get_403_and_outsider_404_on_close(client_for, secretary, viewer, outsider, tree):
    for user, status in ((secretary, 403), (viewer, 403), (outsider, 404)):
        client = client_for(user)
        assert client.get(url("unit_close", tree.chapter)).status_code == status
        assert client.post(url("unit_close", tree.chapter), {"on": "31/12/2025"}).status_code == status
    tree.chapter.refresh_from_db()
    assert tree.chapter.active_until is None


# Merge -----------------------------------------------------------------------------------------------------------


def test_officer_merges_a_chapter_into_another(client_for, officer, tree):
    cell = UnitFactory(parent=tree.other_chapter, kind=Unit.Kind.CELL, host="", name="Tổ hội trường")
    client = client_for(officer)
    page = client.get(url("unit_merge", tree.chapter))
    assert list(page.context["form"].fields["predecessors"].queryset) == [tree.other_chapter]
    data = {"predecessors": [tree.other_chapter.pk], "on": "01/01/2026", "decision": "Quyết định số 5/QĐ-HKH"}
    response = client.post(url("unit_merge", tree.chapter), data)
    assert response.status_code == 302
    tree.other_chapter.refresh_from_db()
    cell.refresh_from_db()
    assert tree.other_chapter.active_until == D(2025, 12, 31)
    assert cell.parent == tree.chapter
    lineage = Lineage.objects.get(predecessor=tree.other_chapter)
    assert lineage.successor == tree.chapter and lineage.primary and lineage.decision == "Quyết định số 5/QĐ-HKH"


def test_merge_into_a_closed_unit_is_refused(client_for, officer, tree):
    tree_services.unit_close(tree.chapter, on=D(2024, 12, 31))
    data = {"predecessors": [tree.other_chapter.pk], "on": "01/01/2026"}
    response = client_for(officer).post(url("unit_merge", tree.chapter), data)
    assert response.status_code == 200
    assert "không hoạt động vào ngày 01/01/2026" in form_errors(response)
    tree.other_chapter.refresh_from_db()
    assert tree.other_chapter.active_until is None
    assert not Lineage.objects.exists()


def test_merge_cannot_take_a_unit_out_of_scope(client_for, officer, tree):
    data = {"predecessors": [tree.outside_chapter.pk], "on": "01/01/2026"}
    response = client_for(officer).post(url("unit_merge", tree.chapter), data)
    assert response.status_code == 200
    assert "không tồn tại hoặc không thể chọn" in form_errors(response)
    tree.outside_chapter.refresh_from_db()
    assert tree.outside_chapter.active_until is None


def test_secretary_gets_403_and_outsider_404_on_merge(client_for, secretary, outsider, tree):
    data = {"predecessors": [tree.other_chapter.pk], "on": "01/01/2026"}
    assert client_for(secretary).post(url("unit_merge", tree.chapter), data).status_code == 403
    assert client_for(outsider).post(url("unit_merge", tree.chapter), data).status_code == 404
    assert not Lineage.objects.exists()


# Split -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def new_communes(tree):
    return [
        tree_services.unit_create(
            kind=Unit.Kind.ASSOCIATION,
            level=Unit.Level.COMMUNE,
            division_type="phường",
            code=code,
            name=name,
            parent=tree.province,
            active_from=D(2026, 1, 1),
        )
        for code, name in (("N1", "Phường Bạch Đằng Mới"), ("N2", "Phường Hồng Hà"))
    ]


def test_administrator_splits_a_commune_and_sends_each_chapter_where_chosen(
    client_for, administrator, tree, new_communes
):
    first, second = new_communes
    client = client_for(administrator)
    page = client.get(url("unit_split", tree.commune))
    assert {f"child_{tree.chapter.pk}", f"child_{tree.other_chapter.pk}"} <= set(page.context["form"].fields)
    data = {
        "successors": [first.pk, second.pk],
        "primary": first.pk,
        "on": "01/01/2026",
        "decision": "Nghị quyết 1",
        f"child_{tree.other_chapter.pk}": second.pk,
    }
    response = client.post(url("unit_split", tree.commune), data)
    assert response.status_code == 302
    tree.chapter.refresh_from_db()
    tree.other_chapter.refresh_from_db()
    tree.commune.refresh_from_db()
    assert tree.chapter.parent == first and tree.other_chapter.parent == second
    assert tree.commune.active_until == D(2025, 12, 31)
    primary = dict(Lineage.objects.filter(predecessor=tree.commune).values_list("successor", "primary"))
    assert primary == {first.pk: True, second.pk: False}


def test_split_needs_two_successors_and_a_primary_among_them(client_for, administrator, tree, new_communes):
    first, second = new_communes
    client = client_for(administrator)
    response = client.post(
        url("unit_split", tree.commune), {"successors": [first.pk], "primary": second.pk, "on": "01/01/2026"}
    )
    errors = form_errors(response)
    assert "ít nhất hai đơn vị kế thừa" in errors and "phải là một trong các đơn vị kế thừa" in errors
    data = {
        "successors": [first.pk, second.pk],
        "primary": first.pk,
        "on": "01/01/2026",
        f"child_{tree.chapter.pk}": tree.other_commune.pk,  # not one of the chosen successors
    }
    response = client.post(url("unit_split", tree.commune), data)
    assert response.status_code == 200
    assert "Hãy chọn một trong các đơn vị kế thừa" in form_errors(response)
    tree.commune.refresh_from_db()
    assert tree.commune.active_until is None and not Lineage.objects.exists()


def test_officer_of_the_commune_cannot_split_it_into_communes_outside_her_scope(
    client_for, officer, tree, new_communes
):
    first, second = new_communes
    data = {"successors": [first.pk, second.pk], "primary": first.pk, "on": "01/01/2026"}
    response = client_for(officer).post(url("unit_split", tree.commune), data)
    assert response.status_code == 200
    assert "không tồn tại hoặc không thể chọn" in form_errors(response)
    tree.commune.refresh_from_db()
    assert tree.commune.active_until is None


def test_a_role_on_a_closed_commune_still_opens_its_page(client_for, tree):
    user = UserFactory(username="cu")
    RoleFactory(user=user, unit=tree.other_chapter, kind=Role.Kind.ADMINISTRATOR)
    tree_services.unit_close(tree.other_chapter, on=D(2024, 12, 31))
    response = client_for(user).get(url("unit_detail", tree.other_chapter))
    assert response.status_code == 200
    assert url("unit_merge", tree.other_chapter) not in response.content.decode()
