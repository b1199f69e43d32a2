from django.urls import path

from chapters.views import baseline, leadership, periods, pickers, units, users

app_name = "chapters"

urlpatterns = [
    # The organisation tree
    path("don-vi/", units.UnitListView.as_view(), name="unit_list"),
    path("don-vi/tim/", pickers.unit_search, name="unit_search"),
    path("don-vi/them/", units.UnitCreateView.as_view(), name="unit_create"),
    path("don-vi/<int:pk>/", units.UnitDetailView.as_view(), name="unit_detail"),
    path("don-vi/<int:pk>/cay/", units.UnitTreeView.as_view(), name="unit_tree"),
    path("don-vi/<int:pk>/sua/", units.UnitUpdateView.as_view(), name="unit_update"),
    path("don-vi/<int:pk>/ngung-hoat-dong/", units.UnitCloseView.as_view(), name="unit_close"),
    path("don-vi/<int:pk>/sap-nhap/", units.UnitMergeView.as_view(), name="unit_merge"),
    path("don-vi/<int:pk>/chia-tach/", units.UnitSplitView.as_view(), name="unit_split"),
    # Leadership and terms
    path("don-vi/<int:pk>/lanh-dao/", leadership.leader_list, name="leader_list"),
    path("don-vi/<int:unit_pk>/lanh-dao/them/", leadership.LeaderCreateView.as_view(), name="leader_create"),
    path("lanh-dao/<int:pk>/sua/", leadership.LeaderUpdateView.as_view(), name="leader_update"),
    path("lanh-dao/<int:pk>/xoa/", leadership.leader_delete, name="leader_delete"),
    path("don-vi/<int:unit_pk>/nhiem-ky/them/", leadership.TermCreateView.as_view(), name="term_create"),
    path("nhiem-ky/<int:pk>/sua/", leadership.TermUpdateView.as_view(), name="term_update"),
    path("nhiem-ky/<int:pk>/xoa/", leadership.term_delete, name="term_delete"),
    # Baseline figures
    path("don-vi/<int:pk>/so-lieu-nen/", baseline.baseline_list, name="baseline_list"),
    path("don-vi/<int:unit_pk>/so-lieu-nen/them/", baseline.BaselineCreateView.as_view(), name="baseline_create"),
    path("so-lieu-nen/<int:pk>/sua/", baseline.BaselineUpdateView.as_view(), name="baseline_update"),
    path("so-lieu-nen/<int:pk>/xoa/", baseline.baseline_delete, name="baseline_delete"),
    # Closed periods
    path("don-vi/<int:pk>/khoa-so/", periods.period_list, name="period_list"),
    path("don-vi/<int:pk>/khoa-so/dong/", periods.period_close, name="period_close"),
    path("don-vi/<int:pk>/khoa-so/mo-lai/", periods.period_reopen, name="period_reopen"),
    # Users and roles
    path("nguoi-dung/", users.UserListView.as_view(), name="user_list"),
    path("nguoi-dung/them/", users.UserCreateView.as_view(), name="user_create"),
    path("nguoi-dung/<int:pk>/", users.user_detail, name="user_detail"),
    path("nguoi-dung/<int:pk>/vai-tro/", users.role_grant, name="role_grant"),
    path("vai-tro/<int:pk>/thu-hoi/", users.role_revoke, name="role_revoke"),
    path("nguoi-dung/<int:pk>/khoa/", users.user_deactivate, name="user_deactivate"),
    path("nguoi-dung/<int:pk>/mo-lai/", users.user_activate, name="user_activate"),
    path("nguoi-dung/<int:pk>/dat-lai-mat-khau/", users.user_password_reset, name="user_password_reset"),
    path("nguoi-dung/<int:pk>/mo-khoa-dang-nhap/", users.user_unlock, name="user_unlock"),
]
