"""What a signed-in user must do before anything else: pass the TOTP step, change an
administrator-set password, enrol a TOTP device (county administrators, when required)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
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
    must_change, has_totp = _flags(user.pk)
    gate = Gate(has_totp=has_totp, must_change_password=must_change,
                totp_required=totp_required(user))
    user._jianhui_gate = gate
    return gate


def _flags(user_id: int) -> tuple[bool, bool]:
    """Must the user change their password, have they a confirmed TOTP device: one plain query
    (every request of every signed-in user asks it; the ORM's two Exists cost more to build
    than the database takes to answer)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS(SELECT 1 FROM {quote(Profile._meta.db_table)} WHERE user_id = %s"
            f" AND must_change_password), EXISTS(SELECT 1 FROM"
            f" {quote(TOTPDevice._meta.db_table)} WHERE user_id = %s AND confirmed)",
            [user_id, user_id])
        must_change, has_totp = cursor.fetchone()
    return bool(must_change), bool(has_totp)


def has_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
