from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("", views.DecisionListView.as_view(), name="decision_list"),
    path("quyet-dinh/them/", views.decision_create, name="decision_create"),
    path("quyet-dinh/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("quyet-dinh/<int:pk>/sua/", views.decision_update, name="decision_update"),
    path("quyet-dinh/<int:pk>/xoa/", views.decision_delete, name="decision_delete"),
    path("quyet-dinh/<int:pk>/ban-chup/", views.decision_scan, name="decision_scan"),
    path("quyet-dinh/<int:pk>/chi-tien/", views.decision_pay, name="decision_pay"),
    path("quyet-dinh/<int:pk>/danh-sach-ky-nhan.pdf", views.decision_pdf, name="decision_pdf"),
    path("quyet-dinh/<int:pk>/them-nguoi-nhan/", views.recipient_create, name="recipient_create"),
    path("quyet-dinh/<int:pk>/dan-danh-sach/", views.recipient_paste, name="recipient_paste"),
    path("so-lieu/", views.award_summary, name="award_summary"),
    path("nguoi-nhan/", views.RecipientListView.as_view(), name="recipient_list"),
    path("nguoi-nhan/<int:pk>/", views.recipient_detail, name="recipient_detail"),
    path("nguoi-nhan/<int:pk>/sua/", views.recipient_update, name="recipient_update"),
    path("nguoi-nhan/<int:pk>/xoa/", views.recipient_delete, name="recipient_delete"),
    path("nguoi-nhan/<int:pk>/chi-tien/", views.recipient_pay, name="recipient_pay"),
    path("khoan-chi/<int:pk>/huy/", views.payout_cancel, name="payout_cancel"),
    path("hoc-bong/", views.ScholarshipListView.as_view(), name="scholarship_list"),
    path("hoc-bong/them/", views.scholarship_create, name="scholarship_create"),
    path("hoc-bong/<int:pk>/", views.scholarship_detail, name="scholarship_detail"),
    path("hoc-bong/<int:pk>/sua/", views.scholarship_update, name="scholarship_update"),
    path("hoc-bong/<int:pk>/cap/", views.scholarship_award, name="scholarship_award"),
    path("hoc-bong/<int:pk>/dung/", views.scholarship_stop, name="scholarship_stop"),
]
