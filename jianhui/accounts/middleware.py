"""Sends a signed-in user to the step they owe before any other page (see `gate.py`); the
page of each step says why the user was sent there."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .gate import gate_of

# Pages reachable while a step is owed (and the step's own page).
ALWAYS = {"logout", "login", "login_otp"}
DURING_PASSWORD_CHANGE = ALWAYS | {"password_change"}
DURING_ENROLMENT = DURING_PASSWORD_CHANGE | {"account_security"}


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        gate = gate_of(user)
        if gate.has_totp and not user.is_verified():
            # Signed in by a path that skipped the second step (e.g. a session from before
            # the device was confirmed elsewhere): the code is owed now.
            if name in ALWAYS:
                return None
            return redirect(f"{reverse('login_otp')}?{urlencode({'next': request.get_full_path()})}")
        if gate.must_change_password and name not in DURING_PASSWORD_CHANGE:
            return redirect("password_change")
        if gate.must_enrol and name not in DURING_ENROLMENT:
            return redirect("account_security")
        return None
