"""Restriction as a plain value: which jurisdiction subtrees and which union organisations a
query may include.

The domain never sees a user or a request. `accounts` builds a Scope from a user's roles once
per request; views hand it down; every domain queryset can `within(scope)`, so an object
outside it is simply not there (a 404), never a leak. Each queryset names the lookup to its
jurisdiction path in `scope_path`, and says in `organisations_q` what an organisation-scoped
user (a union chair) reaches; the default is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Protocol

from django.db import models


class Reach(Protocol):
    """What `within` needs of a scope: path prefixes (None: everything) and organisation ids."""

    @property
    def paths(self) -> tuple[str, ...] | None: ...

    @property
    def organisations(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class Area:
    """A plain Reach: these subtrees (None: everything) and these organisations."""

    paths: tuple[str, ...] | None = ()
    organisations: tuple[int, ...] = ()


EVERYTHING = Area(None)
NOTHING = Area(())


def paths_q(lookup: str, paths: tuple[str, ...] | list[str] | None) -> models.Q:
    """Q for `lookup` lying in any of the subtrees `paths` (None: everything; empty: nothing)."""
    if paths is None:
        return models.Q()
    if not paths:
        return models.Q(pk__in=[])
    return reduce(or_, (models.Q(**{f"{lookup}__startswith": p}) for p in paths))


def path_prefixes(path: str) -> list[str]:
    """'/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the node's ancestors' paths and its own."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def outermost(paths) -> tuple[str, ...]:
    """The paths not inside another one of them (fewer OR terms in every query), sorted."""
    unique = sorted(set(paths))
    return tuple(p for p in unique if not any(p != q and p.startswith(q) for q in unique))


def narrow(paths: tuple[str, ...] | list[str] | None, root: str | None) -> tuple[str, ...] | None:
    """The part of `paths` (None: everything) inside the subtree `root` (None: no narrowing)."""
    if root is None:
        return None if paths is None else tuple(paths)
    if paths is None or any(root.startswith(p) for p in paths):
        return (root,)
    return tuple(p for p in paths if p.startswith(root))


class ScopedQuerySet(models.QuerySet):
    scope_path: str = "jurisdiction__path"

    def within(self, scope: Reach) -> ScopedQuerySet:
        """The rows `scope` reaches: in its subtrees, or reached from its organisations."""
        if scope.paths is None:
            return self
        q = paths_q(self.scope_path, scope.paths) if scope.paths else None
        if scope.organisations and (oq := self.organisations_q(scope.organisations)) is not None:
            q = oq if q is None else q | oq
        if q is None:
            return self.none()
        return self.filter(q)

    def organisations_q(self, organisations: tuple[int, ...]) -> models.Q | None:
        """Rows reached from these organisations (one subquery at most, no per-row work);
        None: none."""
        return None
