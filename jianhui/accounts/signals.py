"""Keeping role groups in step with assignments, and writing sign-in events to the audit log."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from jianhui.audit.log import record
from jianhui.audit.models import Action

from .groups import sync_user_groups
from .models import Assignment

# The failing username is who a failure is about, even when the request carries a signed-in
# user (a second factor asked of an already signed-in session).
ANONYMOUS = AnonymousUser()


@receiver(post_save, sender=Assignment, dispatch_uid="jianhui_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="jianhui_assignment_deleted")
def assignment_changed(sender, instance: Assignment, using: str, **kwargs) -> None:
    sync_user_groups(instance.user_id, using)


@receiver(user_logged_in, dispatch_uid="jianhui_audit_login")
def logged_in(sender, request, user, **kwargs) -> None:
    otp = getattr(user, "otp_device", None)
    record(Action.LOGIN, user=user, request=request,
           detail={"second_factor": "totp"} if otp is not None else {})


@receiver(user_logged_out, dispatch_uid="jianhui_audit_logout")
def logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(Action.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="jianhui_audit_login_failed")
def login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """Every failed attempt, with the username that was tried (the password never)."""
    detail = {}
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None:
        detail["failures"] = failures  # counted towards the lockout
    elif getattr(request, "axes_locked_out", False):
        detail["locked_out"] = True  # refused unchecked: the username+IP is locked out
    if step := (credentials or {}).get("step"):
        detail["step"] = step
    record(Action.LOGIN_FAILED, request=request, user=ANONYMOUS,
           username=str((credentials or {}).get("username", ""))[:150], detail=detail)


@receiver(user_locked_out, dispatch_uid="jianhui_audit_locked_out")
def locked_out(sender, request, username: str, ip_address: str, **kwargs) -> None:
    """Once, when the failure that causes the lockout happens (django-axes also sends this
    signal for each attempt refused during the lockout; those are recorded as failures)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    record(Action.LOCKED_OUT, request=request, user=ANONYMOUS,
           username=str(username or "")[:150], detail={"failures": failures})

