from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from jianhui.accounts.urls import users_urlpatterns
from jianhui.unions.reveal import member_reveal
from jianhui.unions.views import member_edit, member_list

admin.site.site_header = admin.site.site_title = "建会 · 后台管理"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("accounts/", include("jianhui.accounts.urls")),
    path("users/", include(users_urlpatterns)),
    # The back office signs in through the same steps (password, lockout, TOTP) as the site.
    path("admin/login/", login_not_required(
        RedirectView.as_view(url="/accounts/login/", query_string=True))),
    path("admin/", admin.site.urls),
    path("", include("jianhui.dashboard.urls")),
    path("enterprises/", include("jianhui.enterprises.urls")),
    path("unions/", include("jianhui.unions.urls")),
    path("audit/", include("jianhui.audit.urls")),
    path("members/<slug:key>/edit/", member_edit, name="member_edit"),
    path("members/", member_list, name="member_list"),
    # One member's full ID number and phone, with a reason (audited); members are named by
    # their random public key.
    path("members/<slug:key>/reveal/", member_reveal, name="member_reveal"),
    path("imports/", include("jianhui.imports.urls")),
    path("favicon.ico", login_not_required(
        RedirectView.as_view(url="/static/img/favicon.svg", permanent=True))),
]

# Chinese error pages without stack traces (jianhui/lib/security.py).
handler400 = "jianhui.lib.security.bad_request"
handler403 = "jianhui.lib.security.permission_denied"
handler404 = "jianhui.lib.security.page_not_found"
handler500 = "jianhui.lib.security.server_error"
