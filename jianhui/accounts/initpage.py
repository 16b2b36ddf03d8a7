"""The web 初始化 page: on an empty database (no user, no jurisdiction) it does what
`jianhui init` does, then signs the new administrator in and opens the import page.

Offered only to the machine itself (127.0.0.1 / ::1, not through a proxy) or to whoever holds
the one-time token that `jianhui serve` prints; once anything exists it is gone.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from jianhui.regions.models import TOP_KINDS, JurisdictionKind

from . import firstrun
from .services import UserAdminError

LOCAL = {"127.0.0.1", "::1"}
SESSION_KEY = "jianhui_init_token"


class InitForm(forms.Form):
    name = forms.CharField(label="本县（区、市、省）名称", max_length=64,
                           help_text="顶级辖区，如「旌阳区」；下级的园区、乡镇、街道在导入辖区表时建立。")
    code = forms.CharField(label="行政区划代码", max_length=32, help_text="如旌阳区 510603。")
    kind = forms.ChoiceField(label="类型", required=False, choices=[
        ("", "按名称判断"), *((k, JurisdictionKind(k).label) for k in TOP_KINDS)])
    parent_name = forms.CharField(label="上级名称", max_length=64, required=False,
                                  help_text="只用于全称，如「德阳市」→「德阳市旌阳区」；可留空。")
    admin = forms.CharField(label="管理员用户名", max_length=150,
                            help_text="第一个县总工会管理员，用于登录。")
    admin_name = forms.CharField(label="管理员姓名", max_length=150, required=False)
    password = forms.CharField(label="密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 10 位，含大写字母、小写字母、数字、符号中的三类。")
    password2 = forms.CharField(label="再输入一次密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致。")
        return data


def _allowed(request) -> bool:
    """From the machine itself (not relayed by a proxy on it), or with the token of `serve`."""
    local = (request.META.get("REMOTE_ADDR") in LOCAL
             and "HTTP_X_FORWARDED_FOR" not in request.META)
    given = request.GET.get("token") or request.POST.get("token") or request.session.get(SESSION_KEY)
    if firstrun.token_matches(given):
        request.session[SESSION_KEY] = given
        return True
    return local


@login_not_required
@never_cache
def init_page(request):
    if not firstrun.is_empty():
        messages.info(request, "系统已经初始化，请登录。")
        return redirect("login")
    if not _allowed(request):
        return render(request, "accounts/init_refused.html", status=403)
    form = InitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            done = firstrun.initialise(
                name=d["name"], code=d["code"], kind=d["kind"], parent_name=d["parent_name"],
                admin=d["admin"], admin_name=d["admin_name"], password=d["password"])
        except UserAdminError as exc:
            form.add_error(None, str(exc))
        else:
            firstrun.discard_token()
            request.session.pop(SESSION_KEY, None)
            login(request, done.user, backend="django.contrib.auth.backends.ModelBackend")
            j = done.jurisdiction
            messages.success(request, f"已建立{j.full_name or j.name}和管理员 {done.user.username}。"
                                      "下一步：下载模板，按顺序导入辖区、企业、工会组织、覆盖关系和会员。")
            return redirect("imports:index")
    return render(request, "accounts/init.html", {"form": form},
                  status=400 if form.errors else 200)
