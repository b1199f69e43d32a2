from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import never_cache

from chapters.views import auth as login_views
from reports.views import home as home_views

urlpatterns = [
    path("dang-nhap/", login_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", login_views.PasswordChangeView.as_view(), name="password_change"),
    path("suc-khoe/", never_cache(login_views.health), name="health"),
    path("", home_views.home, name="home"),
    path("", include("chapters.urls")),
    path("nhap-xuat/", include("chapters.urls_imports")),
    path("hoi-vien/", include("members.urls")),
    path("quy/", include("funds.urls")),
    path("khen-thuong/", include("awards.urls")),
    path("danh-hieu/", include("learning_models.urls")),
    path("bao-cao/", include("reports.urls")),
    path("api/v1/", include("api.urls")),
    path("tai-khoan/token-api/", include("api.urls_tokens")),
    path("quan-tri-he-thong/", admin.site.urls),
]
