from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = admin.site.site_title = "建会 · 后台管理"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("jianhui.dashboard.urls")),
    path("enterprises/", include("jianhui.enterprises.urls")),
    path("unions/", include("jianhui.unions.urls")),
    path("imports/", include("jianhui.imports.urls")),
    path("favicon.ico", login_not_required(
        RedirectView.as_view(url="/static/img/favicon.svg", permanent=True))),
]
