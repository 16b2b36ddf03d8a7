"""The direct definition of every figure of DOMAIN.md §2: grouped queries over the history, per
jurisdiction's own rows (no descendants). Read top to bottom like DOMAIN.md; the rules
themselves (in scope, covers, counted) come from enterprises/rules.py and unions/rules.py.

Each figure family is one grouped query over the whole part of the tree asked for, so the
number of queries does not grow with the number of enterprises or jurisdictions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, Q, Subquery, Sum

from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import paths_q
from jianhui.unions import rules as union_rules
from jianhui.unions.models import JOINT_KINDS, Coverage, Member, OrganisationKind, UnionOrganisation

from .results import RULE25_THRESHOLD, Figures

Paths = tuple[str, ...] | list[str] | None

ORGANISATION_FIGURE = {
    OrganisationKind.STANDALONE: "standalone_unions",
    OrganisationKind.JOINT: "joint_unions",
    OrganisationKind.FEDERATION: "federations",
}


def enterprise_counts(on: dt.date, paths: Paths) -> dict[int, dict[str, int]]:
    """In scope, standalone, covered, employees (all / unionized) per jurisdiction id."""
    kind = Subquery(union_rules.covering(Coverage._base_manager, on)
                    .values("organisation__kind")[:1])
    qs = (
        Enterprise.objects.filter(paths_q("jurisdiction__path", paths))
        .in_scope(on).with_employees(on).annotate(cover_kind=kind)
        .order_by()
        .values("jurisdiction_id")
        .annotate(
            enterprises=Count("pk"),
            standalone=Count("pk", filter=Q(cover_kind=OrganisationKind.STANDALONE)),
            covered=Count("pk", filter=Q(cover_kind__in=JOINT_KINDS)),
            employees=Sum("employees_on"),
            employees_unionized=Sum("employees_on", filter=Q(cover_kind__isnull=False)),
        )
    )
    return {r.pop("jurisdiction_id"): r for r in qs}


def organisation_counts(on: dt.date, paths: Paths) -> dict[int, dict[str, int]]:
    """Alive organisations per kind, per jurisdiction id (the organisation's own)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    qs = (
        UnionOrganisation.objects.filter(paths_q("jurisdiction__path", paths))
        .alive(on).order_by().values("jurisdiction_id", "kind").annotate(n=Count("pk"))
    )
    for r in qs:
        out[r["jurisdiction_id"]][ORGANISATION_FIGURE[r["kind"]]] = r["n"]
    return out


def member_counts(on: dt.date, paths: Paths) -> dict[int, int]:
    """Members on `on`, in the jurisdiction of their enterprise; a person counts once (by the
    ID number's blind index: the numbers themselves are encrypted, equal indexes are equal)."""
    qs = (
        Member.objects.filter(paths_q("enterprise__jurisdiction__path", paths))
        .counted(on).order_by().values("enterprise__jurisdiction_id")
        .annotate(n=Count("id_number_index", distinct=True))
    )
    return {r["enterprise__jurisdiction_id"]: r["n"] for r in qs}


def rule25_enterprises(on: dt.date, paths: Paths = None) -> list[dict[str, Any]]:
    """应单独建会: enterprises with ≥ 25 members on `on` covered only by a joint union or a
    federation. Rows of enterprise_id, jurisdiction_id and member count."""
    joint = union_rules.covering(Coverage._base_manager, on, "enterprise").filter(
        organisation__kind__in=JOINT_KINDS)
    qs = (
        Member.objects.filter(paths_q("enterprise__jurisdiction__path", paths))
        .counted(on).filter(Exists(joint)).order_by()
        .values("enterprise_id", "enterprise__jurisdiction_id")
        .annotate(members=Count("id_number_index", distinct=True))
        .filter(members__gte=RULE25_THRESHOLD)
    )
    return list(qs)


def base_figures(on: dt.date, paths: Paths) -> dict[int, Figures]:
    """Figures of each jurisdiction's own rows (no descendants), by jurisdiction id."""
    base: dict[int, Figures] = defaultdict(Figures)
    for jid, r in enterprise_counts(on, paths).items():
        f = base[jid]
        f.enterprises, f.standalone, f.covered = r["enterprises"], r["standalone"], r["covered"]
        f.unionized = f.standalone + f.covered
        f.employees = r["employees"] or 0
        f.employees_unionized = r["employees_unionized"] or 0
    for jid, kinds in organisation_counts(on, paths).items():
        for name, n in kinds.items():
            setattr(base[jid], name, n)
    for jid, n in member_counts(on, paths).items():
        base[jid].members = n
    for r in rule25_enterprises(on, paths):
        base[r["enterprise__jurisdiction_id"]].rule25_warnings += 1
    return base
