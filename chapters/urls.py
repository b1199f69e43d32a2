from django.urls import path

from chapters import views

app_name = "chapters"

urlpatterns = [
    path("don-vi/", views.UnitListView.as_view(), name="unit_list"),
    path("don-vi/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
]
