"""The scoping function: which jurisdiction subtrees a user may see."""

from __future__ import annotations

from typing import Any


def scope_paths(user: Any) -> list[str] | None:
    """None means everything; otherwise the list of jurisdiction path prefixes (maybe empty).

    Superusers see everything (back office). Everyone else sees the subtrees of the
    jurisdictions they hold a role in; an account without a role sees nothing.
    """
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_jianhui_scope_paths", None)
    if cached is not None:
        return cached
    paths = sorted(set(user.assignments.values_list("jurisdiction__path", flat=True)))
    # Drop paths already inside another one: fewer OR terms in every query.
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    user._jianhui_scope_paths = paths
    return paths


def home_jurisdiction(user: Any):
    """The highest jurisdiction a user holds a role in (where their dashboard starts)."""
    from jianhui.regions.models import Jurisdiction

    paths = scope_paths(user)
    if paths is None:
        return Jurisdiction.objects.filter(parent__isnull=True).order_by("order", "code").first()
    if not paths:
        return None
    return Jurisdiction.objects.filter(path__in=paths).order_by("depth", "order", "code").first()
