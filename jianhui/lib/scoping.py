"""One place that decides what a user may see.

Every domain model's default manager is built from `RestrictedQuerySet`; views fetch only
through `.restrict(user)`, so an object outside the user's jurisdiction subtree is simply not
there (a 404), never a leak. Each model names the lookup to its jurisdiction path in
`scope_path`.
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

    def restrict(self, user: Any) -> RestrictedQuerySet:
        from jianhui.accounts.scope import scope_paths

        paths = scope_paths(user)
        if paths is None:
            return self
        if not paths:
            return self.none()
        return self.filter(paths_q(self.scope_path, paths))
