"""Users and roles: administrators manage the users of their subtree, never above it; login throttling."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.urls import reverse

from chapters.models import Role
from tests.factories import ProvinceFactory, RoleFactory, UserFactory

User = get_user_model()


def url(name, obj=None):
    return reverse(f"chapters:{name}", args=[obj.pk] if obj is not None else [])


@pytest.fixture
def commune_admin(tree):
    """Administrator of the commune: manages the chapter's users, not the province's."""
    user = UserFactory(username="qt_phuong", first_name="Thảo", last_name="Đỗ Thị")
    RoleFactory(user=user, unit=tree.commune, kind=Role.Kind.ADMINISTRATOR)
    return user


@pytest.fixture
def outside_admin(db):
    """Administrator of another province."""
    user = UserFactory(username="qt_tinh_khac", first_name="Nam", last_name="Hoàng Văn")
    RoleFactory(user=user, unit=ProvinceFactory(name="Tỉnh Khác", code="T02"), kind=Role.Kind.ADMINISTRATOR)
    return user


def new_user_data(unit, **overrides):
    data = {
        "username": "thuky_moi",
        "full_name": "  Nguyễn   Thị Mai ",
        "email": "",
        "password": "hoc-tap-suot-doi",
        "unit": unit.pk,
        "kind": Role.Kind.SECRETARY,
    }
    data.update(overrides)
    return data


def form_errors(response, form="form") -> str:
    return " ".join(str(m) for messages in response.context[form].errors.values() for m in messages)


# Who sees which users -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, tree, secretary):
    for address in (url("user_list"), url("user_create"), url("user_detail", secretary)):
        response = client.get(address)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(url("user_password_reset", secretary))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_users_without_an_administrator_role_get_403(client_for, secretary, officer, viewer, tree):
    for user in (secretary, officer, viewer):
        client = client_for(user)
        assert client.get(url("user_list")).status_code == 403
        assert client.get(url("user_create")).status_code == 403
        assert client.get(url("user_detail", secretary)).status_code == 403
        assert client.post(url("user_create"), new_user_data(tree.chapter)).status_code == 403
        assert client.post(url("user_deactivate", secretary)).status_code == 403
    assert not User.objects.filter(username="thuky_moi").exists()
    secretary.refresh_from_db()
    assert secretary.is_active


def test_administrator_of_another_subtree_gets_404(client_for, outside_admin, secretary, tree):
    client = client_for(outside_admin)
    assert client.get(url("user_detail", secretary)).status_code == 404
    assert client.post(url("user_deactivate", secretary)).status_code == 404
    assert client.post(url("user_password_reset", secretary)).status_code == 404
    role = secretary.unit_roles.get()
    assert client.post(url("role_revoke", role)).status_code == 404
    assert client.get(url("user_create") + f"?unit={tree.chapter.pk}").status_code == 404
    assert [u.username for u in client.get(url("user_list")).context["object_list"]] == ["qt_tinh_khac"]
    secretary.refresh_from_db()
    assert secretary.is_active and secretary.unit_roles.exists()


def test_commune_administrator_lists_the_users_of_her_commune_only(
    client_for, commune_admin, secretary, officer, administrator, outsider, tree, django_assert_max_num_queries
):
    for number in range(15):
        RoleFactory(user=UserFactory(username=f"thuky{number}"), unit=tree.other_chapter)
    client = client_for(commune_admin)
    with django_assert_max_num_queries(8):
        response = client.get(url("user_list"))
    usernames = {u.username for u in response.context["object_list"]}
    assert {"thuky", "canbo", "qt_phuong", "thuky0"} <= usernames
    assert "quantri" not in usernames and "nguoingoai" not in usernames
    assert len(usernames) == 18
    assert "Nguyễn Thị Lan" in response.content.decode()  # family name first


def test_user_list_filters_by_unit_and_name(client_for, administrator, secretary, officer, tree):
    client = client_for(administrator)
    by_unit = client.get(url("user_list"), {"unit": tree.chapter.pk})
    assert [u.username for u in by_unit.context["object_list"]] == ["thuky"]
    by_name = client.get(url("user_list"), {"q": "Minh"})
    assert [u.username for u in by_name.context["object_list"]] == ["canbo"]


# Creating users and roles -------------------------------------------------------------------------------------


def test_administrator_creates_a_user_who_can_log_in(client_for, commune_admin, tree, client):
    response = client_for(commune_admin).post(url("user_create"), new_user_data(tree.commune))
    user = User.objects.get(username="thuky_moi")
    assert response.status_code == 302 and response.url == url("user_detail", user)
    assert (user.last_name, user.first_name) == ("Nguyễn Thị", "Mai")
    role = user.unit_roles.get()
    assert (role.unit, role.kind, role.granted_by) == (tree.commune, Role.Kind.SECRETARY, commune_admin)
    client.logout()
    response = client.post(reverse("login"), {"username": "thuky_moi", "password": "hoc-tap-suot-doi"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_without_a_password_one_is_generated_and_shown_once(client_for, commune_admin, tree):
    client = client_for(commune_admin)
    response = client.post(url("user_create") + f"?unit={tree.chapter.pk}", new_user_data(tree.chapter, password=""))
    assert response.status_code == 200
    password = response.context["password"]
    assert len(password) == 14 and password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get(username="thuky_moi")
    assert user.check_password(password)
    assert password not in client.get(url("user_detail", user)).content.decode()


def test_bad_new_user_input_is_refused_in_vietnamese(client_for, commune_admin, secretary, tree):
    client = client_for(commune_admin)
    taken = client.post(url("user_create"), new_user_data(tree.chapter, username="THUKY"))
    assert "Tên đăng nhập «thuky» đã có người dùng" in form_errors(taken)
    weak = client.post(url("user_create"), new_user_data(tree.chapter, password="1234"))
    assert "Mật khẩu quá ngắn" in form_errors(weak) and "chỉ gồm chữ số" in form_errors(weak)
    accents = client.post(url("user_create"), new_user_data(tree.chapter, username="thư ký"))
    assert "chỉ gồm chữ không dấu" in form_errors(accents)
    assert User.objects.filter(username__startswith="thu").count() == 1


def test_a_role_above_the_administrators_subtree_cannot_be_given(client_for, commune_admin, secretary, tree):
    client = client_for(commune_admin)
    response = client.post(url("user_create"), new_user_data(tree.province))
    assert "nằm ngoài phạm vi" in form_errors(response)
    response = client.post(url("role_grant", secretary), {"unit": tree.province.pk, "kind": Role.Kind.OFFICER})
    assert response.status_code == 400
    assert "nằm ngoài phạm vi" in form_errors(response, "grant_form")
    assert not User.objects.filter(username="thuky_moi").exists()
    assert list(secretary.unit_roles.values_list("kind", flat=True)) == [Role.Kind.SECRETARY]


def test_administrator_grants_and_revokes_a_role(client_for, commune_admin, secretary, tree):
    client = client_for(commune_admin)
    page = client.get(url("user_detail", secretary) + f"?unit={tree.other_chapter.pk}")
    choices = [value for value, _label in page.context["grant_form"].fields["unit"].choices]
    assert tree.commune.pk in choices and tree.other_chapter.pk in choices
    response = client.post(url("role_grant", secretary), {"unit": tree.other_chapter.pk, "kind": Role.Kind.VIEWER})
    assert response.status_code == 302
    role = secretary.unit_roles.get(unit=tree.other_chapter)
    assert role.kind == Role.Kind.VIEWER and role.granted_by == commune_admin
    again = client.post(url("role_grant", secretary), {"unit": tree.other_chapter.pk, "kind": Role.Kind.VIEWER})
    assert "đã có vai trò" in form_errors(again, "grant_form")
    assert client.post(url("role_revoke", role)).status_code == 302
    assert list(secretary.unit_roles.values_list("unit", flat=True)) == [tree.chapter.pk]


def test_the_last_role_of_an_active_account_is_kept(client_for, commune_admin, secretary, tree):
    role = secretary.unit_roles.get()
    response = client_for(commune_admin).post(url("role_revoke", role), follow=True)
    assert "vai trò cuối cùng" in response.content.decode()
    assert secretary.unit_roles.exists()


# Deactivating, resetting passwords -----------------------------------------------------------------------------


def test_administrator_deactivates_and_reactivates_a_user(client_for, commune_admin, secretary, tree, client):
    admin_client = client_for(commune_admin)
    assert admin_client.post(url("user_deactivate", secretary)).status_code == 302
    secretary.refresh_from_db()
    assert not secretary.is_active
    assert admin_client.post(url("user_activate", secretary)).status_code == 302
    secretary.refresh_from_db()
    assert secretary.is_active


def test_a_deactivated_user_cannot_log_in(client, tree, secretary):
    secretary.is_active = False
    secretary.save()
    response = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_password_reset_shows_the_new_password_once(client_for, commune_admin, secretary, tree):
    response = client_for(commune_admin).post(url("user_password_reset", secretary))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    secretary.refresh_from_db()
    assert secretary.check_password(password) and not secretary.check_password("mat-khau-1")
    assert "chỉ hiện <strong>một lần</strong>" in response.content.decode()


def test_user_with_a_role_above_cannot_be_reset_by_a_lower_administrator(client_for, commune_admin, tree):
    both = UserFactory(username="hai_cap")
    RoleFactory(user=both, unit=tree.chapter, kind=Role.Kind.SECRETARY)
    RoleFactory(user=both, unit=tree.province, kind=Role.Kind.OFFICER)
    client = client_for(commune_admin)
    page = client.get(url("user_detail", both))
    assert page.status_code == 200 and page.context["hidden_roles"] == 1
    assert url("user_password_reset", both) not in page.content.decode()
    assert client.post(url("user_password_reset", both)).status_code == 403
    assert client.post(url("user_deactivate", both)).status_code == 403
    both.refresh_from_db()
    assert both.is_active and both.check_password("mat-khau-1")


def test_administrator_cannot_lock_herself_out(client_for, commune_admin):
    assert client_for(commune_admin).post(url("user_deactivate", commune_admin)).status_code == 403
    commune_admin.refresh_from_db()
    assert commune_admin.is_active


# Login throttling -----------------------------------------------------------------------------------------------


def fail_login(client, username, times):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "sai-mat-khau"}, REMOTE_ADDR="10.0.0.7")


def test_five_failures_lock_that_user_from_that_address_only(client, tree, secretary, officer):
    fail_login(client, "thuky", 5)
    locked = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"}, REMOTE_ADDR="10.0.0.7")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Tạm khóa đăng nhập" in page and "nhập sai mật khẩu quá nhiều lần" in page
    assert "_auth_user_id" not in client.session
    # Another user at the same office address is not locked out.
    other = client.post(reverse("login"), {"username": "canbo", "password": "mat-khau-1"}, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 302 and client.session["_auth_user_id"] == str(officer.pk)
    client.logout()
    # The same user from another address is not locked out either.
    elsewhere = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"}, REMOTE_ADDR="10.0.0.8")
    assert elsewhere.status_code == 302


def test_four_failures_do_not_lock(client, tree, secretary):
    fail_login(client, "thuky", 4)
    response = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302


def test_administrator_unlocks_a_locked_user(client, client_for, tree, secretary, commune_admin):
    fail_login(client, "thuky", 5)
    assert AccessAttempt.objects.filter(username="thuky").exists()
    admin_client = client_for(commune_admin)
    page = admin_client.get(url("user_detail", secretary))
    assert url("user_unlock", secretary) in page.content.decode()
    assert admin_client.post(url("user_unlock", secretary)).status_code == 302
    assert not AccessAttempt.objects.filter(username="thuky").exists()
    admin_client.logout()
    response = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302


def test_outsider_administrator_cannot_unlock(client, client_for, tree, secretary, outside_admin):
    fail_login(client, "thuky", 5)
    assert client_for(outside_admin).post(url("user_unlock", secretary)).status_code == 404
    assert AccessAttempt.objects.filter(username="thuky").exists()


def _login(client, username, password):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert "_auth_user_id" in client.session, response.content.decode()[:500]


def test_after_a_reset_the_user_must_choose_a_password_before_anything_else(
    client, client_for, commune_admin, secretary, tree
):
    from chapters.models import TemporaryPassword

    password = client_for(commune_admin).post(url("user_password_reset", secretary)).context["password"]
    assert TemporaryPassword.objects.get(user=secretary).set_by == commune_admin

    client.logout()
    _login(client, "thuky", password)
    response = client.get(reverse("members:member_list"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert "Mật khẩu của bạn do quản trị đặt" in page.content.decode()
    # Saving anything is refused too, and nothing is written.
    refused = client.post(url("unit_update", tree.chapter), {"name": "Đổi tên"})
    assert refused.status_code == 302 and refused["Location"] == reverse("password_change")
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội tổ dân phố số 1"

    same = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert same.status_code == 200
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in same.content.decode()

    mine = "hoc-nua-hoc-mai"
    done = client.post(
        reverse("password_change"), {"old_password": password, "new_password1": mine, "new_password2": mine}
    )
    assert done.status_code == 302
    assert not TemporaryPassword.objects.filter(user=secretary).exists()
    assert client.get(reverse("members:member_list")).status_code == 200
    # And at the next login too.
    client.logout()
    _login(client, "thuky", mine)
    assert client.get(reverse("members:member_list")).status_code == 200


def test_a_new_account_starts_with_a_temporary_password(client, client_for, commune_admin, tree):
    response = client_for(commune_admin).post(url("user_create"), new_user_data(tree.chapter))
    assert response.status_code == 302
    client.logout()
    _login(client, "thuky_moi", "hoc-tap-suot-doi")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    assert client.post(reverse("logout")).status_code == 302  # logging out stays open


def test_users_who_chose_their_password_are_never_stopped(client, secretary):
    _login(client, "thuky", "mat-khau-1")
    assert client.get(reverse("home")).status_code == 200
