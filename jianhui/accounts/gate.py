"""What a signed-in user must do before anything else: pass the TOTP step, change an
administrator-set password, enrol a TOTP device (county administrators, when required)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Profile
from .rights import Right, has_right


@dataclass(frozen=True)
class Gate:
    has_totp: bool
    must_change_password: bool
    totp_required: bool  # by JIANHUI_ADMIN_TOTP, for a county administrator

    @property
    def must_enrol(self) -> bool:
        return self.totp_required and not self.has_totp


def totp_required(user: Any) -> bool:
    """County administrators (and back-office superusers) when JIANHUI_ADMIN_TOTP is on."""
    return bool(settings.JIANHUI_ADMIN_TOTP) and has_right(user, Right.MANAGE_USERS)


def gate_of(user: Any) -> Gate:
    """One query, cached on the user object for the request."""
    cached = getattr(user, "_jianhui_gate", None)
    if cached is not None:
        return cached
    must_change, has_totp = get_user_model().objects.filter(pk=user.pk).annotate(
        must_change=Exists(Profile.objects.filter(user=OuterRef("pk"), must_change_password=True)),
        has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    ).values_list("must_change", "has_totp").get()
    gate = Gate(has_totp=has_totp, must_change_password=must_change,
                totp_required=totp_required(user))
    user._jianhui_gate = gate
    return gate


def has_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
