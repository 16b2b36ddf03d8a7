"""What every campaign page does first: find the campaign within the request's Scope (out of
scope is a 404), pick its as-of date, and check the right to write."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import LazyObject

from jianhui.accounts.rights import Right
from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import narrow
from jianhui.web.editing import require_edit
from jianhui.web.pages import as_of, get_scoped

from ..models import Campaign, CampaignArea


def campaign_of(request: HttpRequest, key: str) -> Campaign:
    return get_scoped(Campaign.objects.select_related("jurisdiction"), request.scope, key=key)


def campaign_day(request: HttpRequest, campaign: Campaign) -> dt.date:
    """The as-of date: the one asked for, else today held inside the campaign's period (a
    finished campaign opens on its deadline, one not yet begun on its start)."""
    if request.GET.get("as_of", "").strip():
        return as_of(request)
    return min(max(timezone.localdate(), campaign.start_on), campaign.deadline)


def visible_paths(request: HttpRequest, campaign: Campaign) -> tuple[str, ...]:
    """The part of the campaign's jurisdiction the user reads."""
    return narrow(request.scope.paths, campaign.jurisdiction.path) or ()


def area_of(request: HttpRequest, campaign: Campaign, code: str) -> CampaignArea:
    return get_scoped(CampaignArea.objects.filter(campaign=campaign)
                      .select_related("jurisdiction"), request.scope, jurisdiction__code=code)


def enterprise_of(request: HttpRequest, campaign: Campaign, credit_code: str) -> Enterprise:
    """An enterprise of the campaign's jurisdiction within the user's Scope (else 404)."""
    return get_scoped(
        Enterprise.objects.select_related("jurisdiction").filter(
            jurisdiction__path__startswith=campaign.jurisdiction.path),
        request.scope, credit_code=credit_code.upper())


def may_edit(request: HttpRequest, enterprise: Enterprise) -> bool:
    return request.scope.holds(Right.EDIT, enterprise.jurisdiction, enterprise=enterprise)


def check_edit(request: HttpRequest, enterprise: Enterprise) -> None:
    """403 unless the user may write field work for this enterprise."""
    require_edit(request.user, enterprise.jurisdiction, enterprise=enterprise)


def user_name(user) -> str:
    return (user.get_full_name() or user.first_name or user.username) if user else ""


def actor(request: HttpRequest):
    """The signed-in user as a model instance (request.user is a lazy proxy, which the audit
    log's description of a foreign key cannot name)."""
    user = request.user
    while isinstance(user, LazyObject):  # the OTP middleware wraps auth's proxy in its own
        user.pk  # noqa: B018 - evaluates the proxy
        user = user._wrapped
    return user
