"""Template context for the navigation: what the signed-in user may open."""

from __future__ import annotations

from .rights import Right, has_right


def account(request) -> dict:
    user = getattr(request, "user", None)
    # A callable: templates evaluate it only where the nav asks.
    return {"can_manage_users": lambda: has_right(user, Right.MANAGE_USERS),
            # Domain pages in the nav only for roles that read domain data (not the auditor).
            "can_view": lambda: has_right(user, Right.VIEW)}
