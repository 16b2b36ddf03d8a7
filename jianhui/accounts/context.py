"""Template context for the navigation: what the signed-in user may open."""

from __future__ import annotations

from .rights import Right, has_right


def account(request) -> dict:
    user = getattr(request, "user", None)
    # Callables: templates evaluate them only where the nav asks, so other pages pay nothing.
    return {
        "can_manage_users": lambda: has_right(user, Right.MANAGE_USERS),
        # Domain pages in the nav only for roles that read domain data (not the auditor).
        "can_view": lambda: has_right(user, Right.VIEW),
        "can_import": lambda: has_right(user, Right.IMPORT),
        "can_view_audit": lambda: has_right(user, Right.VIEW_AUDIT),
    }
