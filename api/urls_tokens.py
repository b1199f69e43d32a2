from django.urls import path

from . import views_tokens

app_name = "api_tokens"

urlpatterns = [
    path("tao/", views_tokens.token_create, name="create"),
    path("<int:pk>/thu-hoi/", views_tokens.token_revoke, name="revoke"),
]
