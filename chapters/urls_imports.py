from django.urls import path

from chapters.views import imports as views

app_name = "imports"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job_list"),
    path("tai-len/", views.JobCreateView.as_view(), name="job_create"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/tien-do/", views.job_progress, name="job_progress"),
    path("<int:pk>/ghep-cot/", views.job_mapping, name="job_mapping"),
    path("<int:pk>/ghi/", views.job_commit, name="job_commit"),
    path("<int:pk>/huy/", views.job_cancel, name="job_cancel"),
    path("<int:pk>/tep/", views.job_file, name="job_file"),
    path("mau/<slug:kind>/", views.template_download, name="template_download"),
    path("xuat/<slug:kind>/", views.export, name="export"),
]
