"""The home page, login, logout and password change in Vietnamese, and the admin for superusers."""

from django.urls import reverse

from chapters.models import Unit
from tests.factories import UserFactory


def test_anonymous_home_goes_to_the_vietnamese_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    page = client.get(response.url).content.decode()
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page


def test_wrong_password_is_explained_in_vietnamese(client, tree, secretary):
    response = client.post(reverse("login"), {"username": "thuky", "password": "sai"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, tree, secretary):
    response = client.post(reverse("login"), {"username": "thuky", "password": "mat-khau-1"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(secretary.pk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_secretary_home_lists_her_chapter_and_what_she_can_do(client_for, secretary, tree):
    response = client_for(secretary).get(reverse("home"))
    page = response.content.decode()
    assert [u.pk for u in response.context["units"]] == [tree.chapter.pk]
    assert "Xin chào, Nguyễn Thị Lan" in page
    assert reverse("chapters:unit_update", args=[tree.chapter.pk]) in page
    assert reverse("chapters:baseline_list", args=[tree.chapter.pk]) in page
    assert reverse("chapters:leader_list", args=[tree.chapter.pk]) in page
    assert reverse("chapters:user_list") not in page


def test_administrator_home_offers_user_management(client_for, administrator, tree):
    page = client_for(administrator).get(reverse("home")).content.decode()
    assert reverse("chapters:user_list") in page


def test_user_without_roles_is_told_to_ask_for_one(client_for, db):
    page = client_for(UserFactory(username="moi")).get(reverse("home")).content.decode()
    assert "chưa được giao vai trò" in page


def test_password_change_in_vietnamese(client_for, secretary, tree):
    client = client_for(secretary)
    page = client.get(reverse("password_change")).content.decode()
    assert "Mật khẩu cũ" in page and "Mật khẩu mới" in page
    bad = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": "hoc-tap-suot-doi", "new_password2": "hoc-tap-suot-doi"},
    )
    assert "Mật khẩu cũ không chính xác" in bad.content.decode()
    secretary.refresh_from_db()
    assert secretary.check_password("mat-khau-1")
    good = client.post(
        reverse("password_change"),
        {"old_password": "mat-khau-1", "new_password1": "hoc-tap-suot-doi", "new_password2": "hoc-tap-suot-doi"},
    )
    assert good.status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password("hoc-tap-suot-doi")


def test_password_form_explains_the_rules_in_vietnamese(secretary):
    from chapters.forms import PasswordChangeForm

    data = {"old_password": "mat-khau-1", "new_password1": "1234", "new_password2": "1234"}
    form = PasswordChangeForm(secretary, data=data)
    assert not form.is_valid()
    messages = " ".join(form.errors["new_password2"])
    assert "Mật khẩu quá ngắn" in messages and "chỉ gồm chữ số" in messages and "This password" not in messages


def test_admin_site_is_for_superusers_only(client_for, administrator, tree):
    superuser = UserFactory(username="goc", is_superuser=True, is_staff=True)
    changelist = reverse("admin:chapters_unit_changelist")
    response = client_for(superuser).get(changelist)
    assert response.status_code == 200 and "Phường Bạch Đằng" in response.content.decode()
    history = client_for(superuser).get(reverse("admin:chapters_unit_history", args=[tree.chapter.pk]))
    assert history.status_code == 200
    administrator.is_staff = True
    administrator.save()
    assert client_for(administrator).get(changelist).status_code == 403
    assert Unit.objects.count() == 6
