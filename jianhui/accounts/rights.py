"""What each role may do: one table, read by the views, the exports and the tests.

Scope (which jurisdictions or which organisation) comes from `scope.py`; rights say what a
role may do inside it. Superusers (back office) hold every right.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from .models import Role


class Right(models.TextChoices):
    VIEW = "view", "查看辖区数据"
    EDIT = "edit", "维护辖区数据"
    IMPORT = "import", "导入数据"
    EXPORT = "export", "导出数据"
    REVEAL_PII = "reveal_pii", "查看完整身份证号和手机号（需说明理由）"
    MANAGE_USERS = "manage_users", "管理用户和角色"
    VIEW_AUDIT = "view_audit", "查看和导出审计日志"
    CONFIRM_ESCALATION = "confirm_escalation", "确认督办升级"
    LOCK_ASSESSMENT = "lock_assessment", "锁定年度考核"


ROLE_RIGHTS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset({
        Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT, Right.REVEAL_PII, Right.MANAGE_USERS,
    }),
    Role.COUNTY_LEADER: frozenset({
        Right.VIEW, Right.EXPORT, Right.CONFIRM_ESCALATION, Right.LOCK_ASSESSMENT,
    }),
    Role.TASK_FORCE: frozenset({Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT}),
    Role.AREA_OFFICER: frozenset({
        Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT, Right.REVEAL_PII,
    }),
    # Own organisation's roster and reports only (the scope narrows to the organisation).
    Role.UNION_CHAIR: frozenset({Right.VIEW, Right.EDIT, Right.EXPORT, Right.REVEAL_PII}),
    Role.AUDITOR: frozenset({Right.VIEW_AUDIT}),
}


def roles_of(user: Any) -> list[tuple[str, str]]:
    """[(role, jurisdiction path)] of the user's assignments, cached on the user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_jianhui_roles", None)
    if cached is None:
        cached = list(user.assignments.values_list("role", "jurisdiction__path"))
        user._jianhui_roles = cached
    return cached


def has_right(user: Any, right: str, jurisdiction: Any = None, *,
              organisation: Any = None, enterprise: Any = None) -> bool:
    """May `user` do `right` (anywhere, or in `jurisdiction` when given)?

    With a jurisdiction the user must hold a role granting the right in that jurisdiction or
    one above it. A union chair's role reaches no further than their organisation: when the
    object acted on is named (`organisation`, or `enterprise` for an enterprise and its
    members), the chair's role counts only for their own organisation and the enterprises it
    covers today (not those it covered once and that have moved on to another union).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for role, path in roles_of(user):
        if right not in ROLE_RIGHTS.get(role, ()):
            continue
        if jurisdiction is None:
            return True
        if not jurisdiction.path.startswith(path):
            continue
        if role == Role.UNION_CHAIR and (organisation is not None or enterprise is not None):
            if not _chair_reaches(user, organisation, enterprise):
                continue
        return True
    return False


def _chair_reaches(user: Any, organisation: Any, enterprise: Any) -> bool:
    from django.utils import timezone

    from jianhui.unions.models import Coverage

    from .scope import scope_organisations

    mine = scope_organisations(user)
    if organisation is not None:
        return organisation.pk in mine
    return Coverage.objects.active(timezone.localdate()).filter(
        enterprise=enterprise, organisation__in=mine).exists()


def right_paths(user: Any, right: str) -> list[str] | None:
    """The jurisdiction subtrees in which `user` holds `right` through an area role (None:
    everywhere, for superusers). Union chairs' roles are left out: their reach is their
    organisation, not the jurisdiction their role is filed under."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    paths = sorted({path for role, path in roles_of(user)
                    if role != Role.UNION_CHAIR and right in ROLE_RIGHTS.get(role, ())})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


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
