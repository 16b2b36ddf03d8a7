"""One Scope per request: what a signed-in user may reach, for each right, built once from
their role assignments (one query) and handed down by the views.

Two kinds of reach:
- by jurisdiction: roles that read their area (county roles, task force, area officers) reach
  the subtrees of the jurisdictions they hold a role in;
- by organisation: an enterprise union chair reaches only their organisation, the enterprises
  it covers or has covered, and those enterprises' members (unions/rules.py says how).
An auditor reads the audit log and no domain data, so their roles add nothing to either.
Superusers (back office) reach everything and hold every right.

The domain takes the Scope as a plain value (`Enterprise.objects.within(request.scope)`); the
statistics take its paths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from jianhui.lib.scoping import Area, outermost
from jianhui.regions.models import Jurisdiction
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage

from .models import Role
from .roles import ROLE_RIGHTS, Right


@dataclass(frozen=True)
class Scope:
    """What one user may reach and do. `paths` and `organisations` are the view reach (what
    `within` reads); `for_right` gives the reach of any other right."""

    roles: tuple[tuple[str, str, int | None], ...] = ()  # (role, jurisdiction path, org id)
    superuser: bool = False
    active: bool = True

    @classmethod
    def of(cls, user: Any) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False):
            return NOBODY
        if user.is_superuser:
            return cls(superuser=True, active=user.is_active)
        rows = tuple(user.assignments.values_list("role", "jurisdiction__path", "organisation_id"))
        return cls(roles=rows, active=user.is_active)

    # --- reach ----------------------------------------------------------------------------

    def right_paths(self, right: str) -> tuple[str, ...] | None:
        """The subtrees in which the user holds `right` through an area role (None: everywhere,
        for superusers). Union chairs' roles are left out: their reach is their organisation,
        not the jurisdiction their role is filed under."""
        if self.superuser:
            return None
        return outermost(path for role, path, _ in self.roles
                         if role != Role.UNION_CHAIR and right in ROLE_RIGHTS.get(role, ()))

    def right_organisations(self, right: str) -> tuple[int, ...]:
        """The organisations a union chair holds `right` for."""
        if self.superuser:
            return ()
        return tuple(sorted({org for role, _, org in self.roles if role == Role.UNION_CHAIR
                             and org is not None and right in ROLE_RIGHTS.get(role, ())}))

    def for_right(self, right: str) -> Area:
        """The reach of `right`: a value the domain's `within` takes."""
        return Area(self.right_paths(right), self.right_organisations(right))

    @property
    def paths(self) -> tuple[str, ...] | None:
        return self.right_paths(Right.VIEW)

    @property
    def organisations(self) -> tuple[int, ...]:
        return self.right_organisations(Right.VIEW)

    @property
    def everything(self) -> bool:
        return self.superuser

    # --- rights ---------------------------------------------------------------------------

    def holds(self, right: str, jurisdiction: Any = None, *, organisation: Any = None,
              enterprise: Any = None, on: dt.date | None = None) -> bool:
        """May the user do `right` (anywhere, or in `jurisdiction` when given)?

        With a jurisdiction the user must hold a role granting the right in that jurisdiction
        or one above it. A union chair's role reaches no further than their organisation: when
        the object acted on is named (`organisation`, or `enterprise` for an enterprise and its
        members), the chair's role counts only for their own organisation and the enterprises
        it covers on `on` (today by default).
        """
        if not self.active:
            return False
        if self.superuser:
            return True
        for role, path, org in self.roles:
            if right not in ROLE_RIGHTS.get(role, ()):
                continue
            if jurisdiction is None:
                return True
            if not jurisdiction.path.startswith(path):
                continue
            if role == Role.UNION_CHAIR and (organisation is not None or enterprise is not None):
                if organisation is not None:
                    if organisation.pk != org:
                        continue
                elif not union_rules.reaches_today(Coverage._base_manager, (org,), enterprise.pk,
                                                   on or timezone.localdate()):
                    continue
            return True
        return False

    def has_roles(self) -> bool:
        return self.superuser or bool(self.roles)

    def home(self) -> Jurisdiction | None:
        """The highest jurisdiction the user reads (where their dashboard starts)."""
        paths = self.paths
        if paths is None:
            return Jurisdiction.objects.tops().first()
        if not paths:
            return None
        return Jurisdiction.objects.filter(path__in=paths).order_by("depth", "order", "code").first()


NOBODY = Scope(active=False)


def scope_of(user: Any) -> Scope:
    """The user's Scope, built once and kept on the user object (one per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    cached = getattr(user, "_jianhui_scope", None)
    if cached is None:
        cached = user._jianhui_scope = Scope.of(user)
    return cached


class ScopeMiddleware:
    """`request.scope`: the signed-in user's Scope, built on first use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: scope_of(request.user))
        return self.get_response(request)


# Spelled by what they answer, for callers holding a user rather than a request.

def scope_paths(user: Any) -> list[str] | None:
    """None means everything; otherwise the view reach's path prefixes (maybe empty)."""
    paths = scope_of(user).paths
    return None if paths is None else list(paths)


def scope_organisations(user: Any) -> list[int]:
    return list(scope_of(user).organisations)


def home_jurisdiction(user: Any) -> Jurisdiction | None:
    return scope_of(user).home()
