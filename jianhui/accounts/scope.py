"""The scoping function: which jurisdiction subtrees and which organisations a user may see.

Two kinds of reach:
- by jurisdiction: roles that read their area (county roles, task force, area officers) see
  the subtrees of the jurisdictions they hold a role in;
- by organisation: an enterprise union chair sees only their organisation, the enterprises it
  covers or has covered, and those enterprises' members (see `lib.scoping`).
An auditor reads the audit log and no domain data, so their roles add nothing to either.
"""

from __future__ import annotations

from typing import Any

from .models import Role
from .rights import ROLE_RIGHTS, Right

# Roles whose scope is their jurisdictions' subtrees.
AREA_ROLES = frozenset(
    role for role, rights in ROLE_RIGHTS.items()
    if Right.VIEW in rights and role != Role.UNION_CHAIR
)


def _load(user: Any) -> None:
    rows = list(user.assignments.values_list("role", "jurisdiction__path", "organisation_id"))
    paths = sorted({path for role, path, _ in rows if role in AREA_ROLES})
    # Drop paths already inside another one: fewer OR terms in every query.
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    user._jianhui_scope_paths = paths
    user._jianhui_scope_organisations = sorted(
        {org for role, _, org in rows if role == Role.UNION_CHAIR and org is not None}
    )


def scope_paths(user: Any) -> list[str] | None:
    """None means everything; otherwise the list of jurisdiction path prefixes (maybe empty).

    Superusers see everything (back office). Everyone else sees the subtrees of the
    jurisdictions they hold an area role in; an account without one sees no jurisdiction.
    """
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    if getattr(user, "_jianhui_scope_paths", None) is None:
        _load(user)
    return user._jianhui_scope_paths


def scope_organisations(user: Any) -> list[int]:
    """Ids of the organisations a union chair holds (besides any jurisdiction scope)."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return []
    if getattr(user, "_jianhui_scope_organisations", None) is None:
        _load(user)
    return user._jianhui_scope_organisations


def home_jurisdiction(user: Any):
    """The highest jurisdiction a user holds an area role in (where their dashboard starts)."""
    from jianhui.regions.models import Jurisdiction

    paths = scope_paths(user)
    if paths is None:
        return Jurisdiction.objects.filter(parent__isnull=True).order_by("order", "code").first()
    if not paths:
        return None
    return Jurisdiction.objects.filter(path__in=paths).order_by("depth", "order", "code").first()
