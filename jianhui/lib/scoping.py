"""One place that decides what a user may see.

Every domain model's default manager is built from `RestrictedQuerySet`; views fetch only
through `.restrict(user)`, so an object outside the user's jurisdiction subtree is simply not
there (a 404), never a leak. Each model names the lookup to its jurisdiction path in
`scope_path`, and how it reaches union organisations for organisation-scoped users (union
chairs): `scope_organisation` (a lookup to the organisation) or `scope_enterprise` (a lookup
to an enterprise, visible when one of the user's organisations covers or has covered it: a
chair keeps reading the history of an enterprise that has moved on). A model with neither is
invisible to a chair.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db import models


def paths_q(lookup: str, paths: list[str] | None) -> models.Q:
    """Q for `lookup` lying in any of the subtrees `paths` (None: everything; []: nothing)."""
    if paths is None:
        return models.Q()
    if not paths:
        return models.Q(pk__in=[])
    return reduce(or_, (models.Q(**{f"{lookup}__startswith": p}) for p in paths))


def path_prefixes(path: str) -> list[str]:
    """'/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the node's ancestors' paths and its own."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


class RestrictedQuerySet(models.QuerySet):
    scope_path: str = "jurisdiction__path"
    scope_organisation: str | None = None
    scope_enterprise: str | None = None

    def restrict(self, user: Any) -> RestrictedQuerySet:
        from jianhui.accounts.scope import scope_organisations, scope_paths

        paths = scope_paths(user)
        if paths is None:
            return self
        q = paths_q(self.scope_path, paths) if paths else None
        organisations = scope_organisations(user)
        if organisations and (oq := self.organisations_q(organisations)) is not None:
            q = oq if q is None else q | oq
        if q is None:
            return self.none()
        return self.filter(q)

    def organisations_q(self, organisations: list[int]) -> models.Q | None:
        """Rows reached from these organisations: one subquery at most, no per-row work."""
        if self.scope_organisation:
            return models.Q(**{f"{self.scope_organisation}__in": organisations})
        if self.scope_enterprise:
            from jianhui.unions.models import Coverage

            covered = (Coverage._base_manager.filter(organisation__in=organisations)
                       .values("enterprise_id"))
            return models.Q(**{f"{self.scope_enterprise}__in": covered})
        return None
