from django.urls import path

from reports.views import approval, dashboard, notifications, reports

app_name = "reports"

urlpatterns = [
    path("tong-hop/", dashboard.dashboard_home, name="dashboard"),
    path("tong-hop/<int:unit_pk>/", dashboard.unit_dashboard, name="unit_dashboard"),
    path("tong-hop/<int:unit_pk>/excel/", dashboard.unit_dashboard_xlsx, name="unit_dashboard_xlsx"),
    path("tong-hop/<int:unit_pk>/tien-do/", dashboard.unit_completeness, name="unit_completeness"),
    path("don-vi/<int:unit_pk>/", reports.report_list, name="report_list"),
    path("don-vi/<int:unit_pk>/lap/", reports.report_create, name="report_create"),
    path("don-vi/<int:unit_pk>/cap-duoi/", approval.children_page, name="children"),
    path("don-vi/<int:unit_pk>/mien/", approval.report_waive, name="report_waive"),
    path("han-gui/", approval.deadline_list, name="deadline_list"),
    path("thong-bao/", notifications.notification_list, name="notification_list"),
    path("thong-bao/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("thong-bao/da-doc/", notifications.notification_read_all, name="notification_read_all"),
    path("thong-bao/e-mail/", notifications.notification_email, name="notification_email"),
    path("<int:pk>/", reports.ReportDetailView.as_view(), name="report_detail"),
    path("<int:pk>/noi-dung/", reports.report_text, name="report_text"),
    path("<int:pk>/tao-ban-in/", reports.report_run_create, name="report_run_create"),
    path("<int:pk>/chot/", reports.report_finalise, name="report_finalise"),
    path("<int:pk>/gui/", reports.report_submit, name="report_submit"),
    path("<int:pk>/duyet/", approval.report_decide, name="report_decide"),
    path("<int:pk>/ban-chup/", reports.report_scan, name="report_scan"),
    path("buoc/<int:pk>/ban-chup/", reports.report_event_scan, name="report_event_scan"),
    path("lan-tao/<int:pk>/tien-do/", reports.run_progress, name="run_progress"),
    path("lan-tao/<int:pk>/<str:kind>/", reports.run_file, name="run_file"),
]
