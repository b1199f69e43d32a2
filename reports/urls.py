from django.urls import path

from reports import views, views_approval, views_dashboard, views_notifications

app_name = "reports"

urlpatterns = [
    path("tong-hop/", views_dashboard.dashboard_home, name="dashboard"),
    path("tong-hop/<int:unit_pk>/", views_dashboard.unit_dashboard, name="unit_dashboard"),
    path("tong-hop/<int:unit_pk>/excel/", views_dashboard.unit_dashboard_xlsx, name="unit_dashboard_xlsx"),
    path("tong-hop/<int:unit_pk>/tien-do/", views_dashboard.unit_completeness, name="unit_completeness"),
    path("don-vi/<int:unit_pk>/", views.report_list, name="report_list"),
    path("don-vi/<int:unit_pk>/lap/", views.report_create, name="report_create"),
    path("don-vi/<int:unit_pk>/cap-duoi/", views_approval.children_page, name="children"),
    path("don-vi/<int:unit_pk>/mien/", views_approval.report_waive, name="report_waive"),
    path("han-gui/", views_approval.deadline_list, name="deadline_list"),
    path("thong-bao/", views_notifications.notification_list, name="notification_list"),
    path("thong-bao/<int:pk>/", views_notifications.notification_open, name="notification_open"),
    path("thong-bao/da-doc/", views_notifications.notification_read_all, name="notification_read_all"),
    path("thong-bao/e-mail/", views_notifications.notification_email, name="notification_email"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("<int:pk>/noi-dung/", views.report_text, name="report_text"),
    path("<int:pk>/tao-ban-in/", views.report_run_create, name="report_run_create"),
    path("<int:pk>/chot/", views.report_finalise, name="report_finalise"),
    path("<int:pk>/gui/", views.report_submit, name="report_submit"),
    path("<int:pk>/duyet/", views_approval.report_decide, name="report_decide"),
    path("<int:pk>/ban-chup/", views.report_scan, name="report_scan"),
    path("buoc/<int:pk>/ban-chup/", views.report_event_scan, name="report_event_scan"),
    path("lan-tao/<int:pk>/tien-do/", views.run_progress, name="run_progress"),
    path("lan-tao/<int:pk>/<str:kind>/", views.run_file, name="run_file"),
]
