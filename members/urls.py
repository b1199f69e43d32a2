from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="member_list"),
    path("them/", views.MemberCreateView.as_view(), name="member_create"),
    path("them-nhanh/", views.member_quick_add, name="member_quick_add"),
    path("tim/", views.member_search, name="member_search"),
    path("thao-tac/", views.member_bulk, name="member_bulk"),
    path("the-hoi-vien/", views.member_cards, name="member_cards"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("<int:pk>/sua/", views.MemberUpdateView.as_view(), name="member_update"),
    path("<int:pk>/ra-hoi/", views.member_leave, name="member_leave"),
    path("<int:pk>/chuyen/", views.member_move, name="member_move"),
    path("<int:pk>/hoi-phi/", views.member_dues, name="member_dues"),
    path("<int:pk>/xoa-du-lieu-ca-nhan/", views.member_erase, name="member_erase"),
    path("hoi-phi/<int:pk>/huy/", views.due_delete, name="due_delete"),
    path("chuyen-sinh-hoat/", views.moverequest_list, name="moverequest_list"),
    path("chuyen-sinh-hoat/<int:pk>/nhan/", views.moverequest_accept, name="moverequest_accept"),
    path("chuyen-sinh-hoat/<int:pk>/tu-choi/", views.moverequest_decline, name="moverequest_decline"),
    path("chuyen-sinh-hoat/<int:pk>/huy/", views.moverequest_cancel, name="moverequest_cancel"),
    path("nhat-ky-truy-cap/", views.AccessLogView.as_view(), name="access_log"),
    path("ho-gia-dinh/", views.HouseholdListView.as_view(), name="household_list"),
    path("ho-gia-dinh/them/", views.HouseholdCreateView.as_view(), name="household_create"),
    path("ho-gia-dinh/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("ho-gia-dinh/<int:pk>/sua/", views.HouseholdUpdateView.as_view(), name="household_update"),
    path("dong-ho/", views.ClanListView.as_view(), name="clan_list"),
    path("dong-ho/them/", views.ClanCreateView.as_view(), name="clan_create"),
    path("dong-ho/<int:pk>/", views.ClanDetailView.as_view(), name="clan_detail"),
    path("dong-ho/<int:pk>/sua/", views.ClanUpdateView.as_view(), name="clan_update"),
]
