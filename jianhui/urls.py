from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from jianhui.registry.urls import enterprise_urls, member_urls, union_urls

admin.site.site_header = admin.site.site_title = "建会 · 后台管理"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("accounts/", include("jianhui.accounts.urls")),
    path("users/", include("jianhui.useradmin.urls")),
    # The back office signs in through the same steps (password, lockout, TOTP) as the site.
    path("admin/login/", login_not_required(
        RedirectView.as_view(url="/accounts/login/", query_string=True))),
    path("admin/", admin.site.urls),
    path("", include("jianhui.dashboard.urls")),
    path("enterprises/", include(enterprise_urls)),
    path("unions/", include(union_urls)),
    path("audit/", include("jianhui.auditlog.urls")),
    path("members/", include(member_urls)),
    path("imports/", include("jianhui.imports.urls")),
    path("campaign/", include("jianhui.campaign.urls")),
    path("supervision/", include("jianhui.supervision.urls")),
    path("favicon.ico", login_not_required(
        RedirectView.as_view(url="/static/img/favicon.svg", permanent=True))),
]

# Chinese error pages without stack traces (jianhui/web/security.py).
handler400 = "jianhui.web.security.bad_request"
handler403 = "jianhui.web.security.permission_denied"
handler404 = "jianhui.web.security.page_not_found"
handler500 = "jianhui.web.security.server_error"
