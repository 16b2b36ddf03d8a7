"""Signing in (password, then a TOTP code when the user has a device), changing the password,
and the 账号安全 page where any user enrols or removes a TOTP device."""

from __future__ import annotations

import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from jianhui.audit.log import record
from jianhui.audit.models import Action

from . import firstrun
from .forms import PasswordChangeForm, TokenForm
from .gate import gate_of, has_totp, totp_required
from .services import password_changed

PENDING = "jianhui_otp_pending"
PENDING_SECONDS = 300
DEVICE_NAME = "身份验证器"


class LoginView(auth_views.LoginView):
    """Step one. A user with a confirmed TOTP device is not signed in yet: the session only
    remembers who passed the password (for five minutes) and the code is asked next."""

    def get(self, request, *args, **kwargs):
        if firstrun.is_empty():  # a fresh installation: nobody to sign in yet
            return redirect("init_page")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not has_totp(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk, "backend": user.backend, "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_otp")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): a Chinese page, HTTP 429."""
    from axes.helpers import get_client_username

    return render(request, "registration/locked_out.html", {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }, status=429)


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_not_required
@never_cache
def login_otp(request):
    """Step two: the code from the authenticator app. Also serves a signed-in session that has
    not given its code (the gate middleware sends it here)."""
    pending = request.session.get(PENDING)
    if request.user.is_authenticated:
        user, next_url = request.user, _safe_next(request)
        if user.is_verified() or not has_totp(user):
            return redirect(next_url)
    elif pending and time.time() - pending["at"] <= PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        next_url = pending["next"]
        if user is None:
            return redirect("login")
    else:
        request.session.pop(PENDING, None)
        messages.warning(request, "登录已超时，请重新输入用户名和密码。")
        return redirect("login")

    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            # Recorded as a refused attempt; like a refused password it does not extend the lockout.
            request.axes_locked_out = True
            user_login_failed.send(sender=__name__, request=request,
                                   credentials={**credentials, "step": "totp"})
            return get_lockout_response(request, None, credentials)
        device = match_token(user, form.cleaned_data["otp_token"])
        if device is not None:
            request.session.pop(PENDING, None)
            user.otp_device = device  # django-otp marks the session verified on login()
            if request.user.is_authenticated:
                otp_login(request, device)
            else:
                login(request, user, backend=pending["backend"])
            return redirect(next_url)
        # Counts towards the lockout like a wrong password (django-axes listens to this).
        user_login_failed.send(sender=__name__, request=request,
                               credentials={**credentials, "step": "totp"})
        form.add_error("otp_token", "动态验证码不正确或已过期，请等待身份验证器显示新的验证码后重试。")
    return render(request, "registration/login_otp.html", {"form": form, "otp_user": user})


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in
        password_changed(self.request.user)
        record(Action.PASSWORD, user=self.request.user)
        messages.success(self.request, "密码已修改。")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = gate_of(self.request.user).must_change_password
        return context


password_change = PasswordChangeView.as_view()


@never_cache
def security(request):
    """账号安全: TOTP status, enrolment (QR code and the secret for manual entry, confirmed by
    a first code) and removal (by a current code; refused when the setting requires it)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    action = request.POST.get("action") if request.method == "POST" else None
    form = TokenForm(request.POST if action in {"confirm", "disable"} else None)

    if action == "start" and confirmed is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        form = TokenForm()
    elif action == "confirm" and pending is not None and form.is_valid():
        if pending.verify_token(form.cleaned_data["otp_token"]):
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            otp_login(request, pending)
            record(Action.USERS, user=user, model="auth.User", object_key=user.username,
                   detail={"op": "totp_enabled"})
            messages.success(request, "两步验证已启用。以后登录时，输入密码后还需输入身份验证器上的动态验证码。")
            return redirect("account_security")
        form.add_error("otp_token", "验证码不正确。请确认手机时间准确，并输入身份验证器当前显示的 6 位数字。")
    elif action == "disable" and confirmed is not None:
        if totp_required(user):
            messages.error(request, "县总工会管理员账号必须使用两步验证，不能关闭。")
            return redirect("account_security")
        if form.is_valid():
            if confirmed.verify_token(form.cleaned_data["otp_token"]):
                TOTPDevice.objects.filter(user=user).delete()
                record(Action.USERS, user=user, model="auth.User", object_key=user.username,
                       detail={"op": "totp_disabled"})
                messages.success(request, "两步验证已关闭。")
                return redirect("account_security")
            form.add_error("otp_token", "验证码不正确，两步验证未关闭。")
    elif action == "cancel" and pending is not None:
        pending.delete()
        return redirect("account_security")

    context = {"confirmed": confirmed, "pending": pending, "form": form,
               "required": totp_required(user)}
    if pending is not None and confirmed is None:
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(
            scale=4, dark="#000", light="#fff", title="用身份验证器扫描此二维码")
        context["secret"] = _grouped(_base32(pending.bin_key))
    return render(request, "accounts/security.html", context)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))

