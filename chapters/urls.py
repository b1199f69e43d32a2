from django.urls import path

from chapters import views, views_baseline, views_leadership, views_periods, views_users

app_name = "chapters"

urlpatterns = [
    # The organisation tree
    path("don-vi/", views.UnitListView.as_view(), name="unit_list"),
    path("don-vi/them/", views.UnitCreateView.as_view(), name="unit_create"),
    path("don-vi/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("don-vi/<int:pk>/cay/", views.UnitTreeView.as_view(), name="unit_tree"),
    path("don-vi/<int:pk>/sua/", views.UnitUpdateView.as_view(), name="unit_update"),
    path("don-vi/<int:pk>/ngung-hoat-dong/", views.UnitCloseView.as_view(), name="unit_close"),
    path("don-vi/<int:pk>/sap-nhap/", views.UnitMergeView.as_view(), name="unit_merge"),
    path("don-vi/<int:pk>/chia-tach/", views.UnitSplitView.as_view(), name="unit_split"),
    # Leadership and terms
    path("don-vi/<int:pk>/lanh-dao/", views_leadership.leader_list, name="leader_list"),
    path("don-vi/<int:unit_pk>/lanh-dao/them/", views_leadership.LeaderCreateView.as_view(), name="leader_create"),
    path("lanh-dao/<int:pk>/sua/", views_leadership.LeaderUpdateView.as_view(), name="leader_update"),
    path("lanh-dao/<int:pk>/xoa/", views_leadership.leader_delete, name="leader_delete"),
    path("don-vi/<int:unit_pk>/nhiem-ky/them/", views_leadership.TermCreateView.as_view(), name="term_create"),
    path("nhiem-ky/<int:pk>/sua/", views_leadership.TermUpdateView.as_view(), name="term_update"),
    path("nhiem-ky/<int:pk>/xoa/", views_leadership.term_delete, name="term_delete"),
    # Baseline figures
    path("don-vi/<int:pk>/so-lieu-nen/", views_baseline.baseline_list, name="baseline_list"),
    path("don-vi/<int:unit_pk>/so-lieu-nen/them/", views_baseline.BaselineCreateView.as_view(), name="baseline_create"),
    path("so-lieu-nen/<int:pk>/sua/", views_baseline.BaselineUpdateView.as_view(), name="baseline_update"),
    path("so-lieu-nen/<int:pk>/xoa/", views_baseline.baseline_delete, name="baseline_delete"),
    # Closed periods
    path("don-vi/<int:pk>/khoa-so/", views_periods.period_list, name="period_list"),
    path("don-vi/<int:pk>/khoa-so/dong/", views_periods.period_close, name="period_close"),
    path("don-vi/<int:pk>/khoa-so/mo-lai/", views_periods.period_reopen, name="period_reopen"),
    # Users and roles
    path("nguoi-dung/", views_users.UserListView.as_view(), name="user_list"),
    path("nguoi-dung/them/", views_users.UserCreateView.as_view(), name="user_create"),
    path("nguoi-dung/<int:pk>/", views_users.user_detail, name="user_detail"),
    path("nguoi-dung/<int:pk>/vai-tro/", views_users.role_grant, name="role_grant"),
    path("vai-tro/<int:pk>/thu-hoi/", views_users.role_revoke, name="role_revoke"),
    path("nguoi-dung/<int:pk>/khoa/", views_users.user_deactivate, name="user_deactivate"),
    path("nguoi-dung/<int:pk>/mo-lai/", views_users.user_activate, name="user_activate"),
    path("nguoi-dung/<int:pk>/dat-lai-mat-khau/", views_users.user_password_reset, name="user_password_reset"),
    path("nguoi-dung/<int:pk>/mo-khoa-dang-nhap/", views_users.user_unlock, name="user_unlock"),
]
