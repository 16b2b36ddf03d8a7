"""Asking whether a user may do something: through their Scope (scope.py), built once per
request. The table of rights per role is roles.py."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied

from .roles import ROLE_RIGHTS, Right
from .scope import scope_of

__all__ = ["ROLE_RIGHTS", "Right", "has_right", "right_paths", "right_required", "roles_of"]


def roles_of(user: Any) -> list[tuple[str, str]]:
    """[(role, jurisdiction path)] of the user's assignments (from the request's Scope)."""
    return [(role, path) for role, path, _ in scope_of(user).roles]


def has_right(user: Any, right: str, jurisdiction: Any = None, *,
              organisation: Any = None, enterprise: Any = None) -> bool:
    """May `user` do `right` (anywhere, or in `jurisdiction`)? See Scope.holds."""
    return scope_of(user).holds(right, jurisdiction, organisation=organisation,
                                enterprise=enterprise)


def right_paths(user: Any, right: str) -> list[str] | None:
    paths = scope_of(user).right_paths(right)
    return None if paths is None else list(paths)


def right_required(right: str, message: str):
    """View decorator: 403 with `message` (Chinese, shown on the page) unless the user holds
    `right` somewhere."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_right(request.user, right):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
