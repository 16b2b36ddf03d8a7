"""Parts of a page rendered once per write and reused: the same list page, enterprise page or
dashboard for everyone with the same Scope, until the data under it changes.

A kept part is keyed by the page, its query string, its as-of date, today (a role's reach can
end at midnight) and the Scope of the person asking (their roles: what they may see and do), under the facts' generation token
(statistics/generation.py), which every write of an enterprise, a survey, an organisation, a
coverage, a member or a jurisdiction replaces in its own transaction. Only parts that hold
nothing else of the person or the request may be kept: no CSRF token, no CSP nonce, no message.
A part that holds one anyway is used once and not kept (and the test suite says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from jianhui.statistics import generation

PERSONAL = ("csrfmiddlewaretoken", "nonce=")


class Personal(Exception):
    """A part that must not be kept (it holds something of this request)."""


def kept(request: HttpRequest, name: str, on: dt.date,
         render: Callable[[], Mapping[str, object]]) -> Mapping[str, object]:
    """`render()` (a mapping of rendered parts and plain values), or what it gave for the same
    page, query string, date and Scope since the last write."""
    key = ("page part", name, request.path, on, timezone.localdate(), request.scope,
           tuple(sorted((k, tuple(v)) for k, v in request.GET.lists())))
    result: dict[str, object] = {}

    def checked() -> Mapping[str, object]:
        parts = render()
        for value in parts.values():
            if isinstance(value, str) and any(p in value for p in PERSONAL):
                result.update(parts)
                raise Personal(name)
        return parts

    try:
        return generation.remembered(key, checked)
    except Personal:
        return result


def part(template: str, context: dict, request: HttpRequest) -> SafeString:
    """A kept part rendered without the context processors: no `user`, `messages`, `perms` or
    CSRF token in it by construction (the request is there for the query string and the path)."""
    return render_to_string(template, {**context, "request": request})
