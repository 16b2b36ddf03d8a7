"""The bell: today's tasks of the signed-in user, as a page and as a count for the nav."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from jianhui.web.pages import as_of

from ..bell import tasks
from .common import Right


def bell(request):
    on = as_of(request)
    found = tasks(request.user, request.scope, on,
                  may_confirm=request.scope.holds(Right.CONFIRM_ESCALATION))
    if request.GET.get("count"):
        return HttpResponse(f"待办 {len(found)}" if found else "待办")
    return render(request, "supervision/bell.html", {"tasks": found, "on": on})
