"""What every supervision page does first: find the campaign within the request's Scope and
check a right where it is needed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.functional import SimpleLazyObject

from jianhui.accounts.models import Role
from jianhui.accounts.rights import Right
from jianhui.campaign.models import Campaign
from jianhui.lib.xlsx import content_disposition
from jianhui.web.pages import get_scoped

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEW_MESSAGE = "您的角色不能查看督导工作。"


def campaign_for(request, key: str) -> Campaign:
    return get_scoped(Campaign.objects.select_related("jurisdiction"), request.scope, key=key)


def actor(request):
    """The signed-in user as a model instance (not the request's lazy wrapper), for the
    foreign keys that record who did what (the audit log describes them)."""
    user = request.user
    while isinstance(user, SimpleLazyObject):  # django-otp wraps the auth wrapper again
        user.pk  # noqa: B018 - evaluate the lazy object
        user = user._wrapped
    return user


def require(request, right: str, jurisdiction, message: str) -> None:
    if not request.scope.holds(right, jurisdiction):
        raise PermissionDenied(message)


def can(request, right: str, jurisdiction) -> bool:
    return request.scope.holds(right, jurisdiction)


def inspects(request, area) -> bool:
    """Inspections and rectification are the task forces' (and the county's) work, not the
    inspected area's own."""
    scope = request.scope
    if scope.superuser:
        return True
    return scope.active and any(
        role in (Role.TASK_FORCE, Role.COUNTY_ADMIN) and area.path.startswith(path)
        for role, path, _ in scope.roles)


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404(f"日期“{value}”无法识别，应为 YYYY-MM-DD。") from exc


def docx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type=DOCX)
    response["Content-Disposition"] = content_disposition(name)
    return response


__all__ = ["Right", "actor", "campaign_for", "can", "docx_response", "inspects", "parse_day", "require"]
