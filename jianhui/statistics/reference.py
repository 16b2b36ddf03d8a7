"""The figures of DOMAIN.md §2, as of any date, per jurisdiction and rolled up the tree.

Read top to bottom like DOMAIN.md. Every page, CLI command, bulletin and score gets its
numbers here and nowhere else. Each figure family is one grouped query over the whole
(scoped) tree; the roll-up to ancestors happens in memory over the per-jurisdiction rows, so
the number of queries does not grow with the number of enterprises or jurisdictions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import path_prefixes, paths_q
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation

JOINT_KINDS = (OrganisationKind.JOINT, OrganisationKind.FEDERATION)
RULE25_THRESHOLD = 25


def rate(numerator: int, denominator: int) -> Fraction:
    """An exact rate; 0 when the denominator is 0."""
    return Fraction(numerator, denominator) if denominator else Fraction(0)


def percent(value: Fraction, digits: int = 1) -> str:
    """Display a rate as a percentage rounded half up: Fraction(161, 164) → '98.2%'."""
    if value < 0:
        return "-" + percent(-value, digits)
    scale = 10**digits
    scaled = value * 100 * scale
    rounded = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    whole, frac = divmod(rounded, scale)
    return f"{whole}.{frac:0{digits}d}%" if digits else f"{whole}%"


@dataclass
class Figures:
    """Counts for one jurisdiction (its whole subtree) on one date."""

    enterprises: int = 0  # in scope
    unionized: int = 0
    standalone: int = 0  # covered by their own 基层工会委员会
    covered: int = 0  # 联合建会: covered by a joint union or a federation
    standalone_unions: int = 0  # alive organisations by kind
    joint_unions: int = 0
    federations: int = 0
    employees: int = 0  # of all in-scope enterprises
    employees_unionized: int = 0
    members: int = 0
    rule25_warnings: int = 0

    @property
    def not_unionized(self) -> int:
        return self.enterprises - self.unionized

    @property
    def organisations(self) -> int:
        return self.standalone_unions + self.joint_unions + self.federations

    @property
    def establishment_rate(self) -> Fraction:
        return rate(self.unionized, self.enterprises)

    @property
    def membership_rate(self) -> Fraction:
        return rate(self.members, self.employees_unionized)

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_json(self) -> dict[str, Any]:
        """The CLI's contract: exactly these keys, unrounded numbers, rates as floats."""
        return {
            "enterprises": self.enterprises,
            "unionized": self.unionized,
            "standalone": self.standalone,
            "covered": self.covered,
            "not_unionized": self.not_unionized,
            "federations": self.federations,
            "joint_unions": self.joint_unions,
            "employees": self.employees,
            "employees_unionized": self.employees_unionized,
            "members": self.members,
            "establishment_rate": float(self.establishment_rate),
            "membership_rate": float(self.membership_rate),
            "rule25_warnings": self.rule25_warnings,
        }


@dataclass
class Row:
    jurisdiction: Jurisdiction
    figures: Figures
    parent_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        j = self.jurisdiction
        return {
            "code": j.code, "name": j.name, "kind": j.get_kind_display(),
            "parent": self.parent_code, **self.figures.as_json(),
        }


@dataclass
class Table:
    as_of: dt.date
    total: Figures
    rows: list[Row] = field(default_factory=list)
    root: Jurisdiction | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total.as_json(),
            "jurisdictions": [r.as_json() for r in self.rows],
        }

    def row(self, code: str) -> Row | None:
        return next((r for r in self.rows if r.jurisdiction.code == code), None)


# --- where: the scoped part of the tree -----------------------------------------------------

def _scope(user: Any, root: Jurisdiction | None) -> list[str] | None:
    """The path prefixes the figures may include: the user's scope, narrowed to `root`."""
    from jianhui.accounts.scope import scope_paths

    paths = scope_paths(user) if user is not None else None
    if root is None:
        return paths
    if paths is None or any(root.path.startswith(p) for p in paths):
        return [root.path]
    return [p for p in paths if p.startswith(root.path)]


# --- the figure families, each one grouped query per jurisdiction ----------------------------

def _cover_kind(on: dt.date) -> Subquery:
    return Subquery(
        Coverage.objects.active(on).filter(enterprise=OuterRef("pk"))
        .values("organisation__kind")[:1]
    )


def with_union_status(qs, on: dt.date):
    """Annotate enterprises with the kind, key and name of the organisation covering them on
    `on` (`cover_kind` is None when not covered). Lists filter on exactly what the figures
    count."""
    active = Coverage.objects.active(on).filter(enterprise=OuterRef("pk"))
    return qs.annotate(
        cover_kind=_cover_kind(on),
        cover_key=Subquery(active.values("organisation__key")[:1]),
        cover_name=Subquery(active.values("organisation__name")[:1]),
    )


UNION_STATUS_FILTERS = {
    "unionized": Q(cover_kind__isnull=False),
    "standalone": Q(cover_kind=OrganisationKind.STANDALONE),
    "covered": Q(cover_kind__in=JOINT_KINDS),
    "not_unionized": Q(cover_kind__isnull=True),
}


def enterprise_counts(on: dt.date, paths: list[str] | None) -> dict[int, dict[str, int]]:
    """In scope, standalone, covered, employees (all / unionized) per jurisdiction id."""
    qs = (
        Enterprise.objects.filter(paths_q("jurisdiction__path", paths))
        .in_scope(on).with_employees(on).annotate(cover_kind=_cover_kind(on))
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


def organisation_counts(on: dt.date, paths: list[str] | None) -> dict[int, dict[str, int]]:
    """Alive organisations per kind, per jurisdiction id (the organisation's own)."""
    names = {
        OrganisationKind.STANDALONE: "standalone_unions",
        OrganisationKind.JOINT: "joint_unions",
        OrganisationKind.FEDERATION: "federations",
    }
    out: dict[int, dict[str, int]] = defaultdict(dict)
    qs = (
        UnionOrganisation.objects.filter(paths_q("jurisdiction__path", paths))
        .alive(on).order_by().values("jurisdiction_id", "kind").annotate(n=Count("pk"))
    )
    for r in qs:
        out[r["jurisdiction_id"]][names[r["kind"]]] = r["n"]
    return out


def member_counts(on: dt.date, paths: list[str] | None) -> dict[int, int]:
    """Members on `on`, in the jurisdiction of their enterprise; a person counts once (by the
    ID number's blind index: the numbers themselves are encrypted, equal indexes are equal)."""
    qs = (
        Member.objects.filter(paths_q("enterprise__jurisdiction__path", paths))
        .counted(on).order_by().values("enterprise__jurisdiction_id")
        .annotate(n=Count("id_number_index", distinct=True))
    )
    return {r["enterprise__jurisdiction_id"]: r["n"] for r in qs}


def rule25_enterprises(on: dt.date, paths: list[str] | None = None) -> list[dict[str, Any]]:
    """应单独建会: enterprises with ≥ 25 members on `on` covered only by a joint union or a
    federation. Rows of enterprise_id, jurisdiction_id and member count."""
    joint = Coverage.objects.active(on).filter(
        enterprise=OuterRef("enterprise"), organisation__kind__in=JOINT_KINDS
    )
    qs = (
        Member.objects.filter(paths_q("enterprise__jurisdiction__path", paths))
        .counted(on).filter(Exists(joint)).order_by()
        .values("enterprise_id", "enterprise__jurisdiction_id")
        .annotate(members=Count("id_number_index", distinct=True))
        .filter(members__gte=RULE25_THRESHOLD)
    )
    return list(qs)


# --- the table: base figures per jurisdiction, rolled up ------------------------------------

def base_figures(on: dt.date, paths: list[str] | None) -> dict[int, Figures]:
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


def table(
    on: dt.date, root: Jurisdiction | None = None, user: Any = None, depth: int | None = None
) -> Table:
    """Every visible jurisdiction (under `root`, if given) with its subtree's figures.

    `total` is the figures of `root`; without a root, of everything the user may see.
    `depth` limits the rows to that many levels below the root (the figures still include
    every descendant).
    """
    paths = _scope(user, root)
    nodes = tree_order(Jurisdiction.objects.filter(paths_q("path", paths)))
    base = base_figures(on, paths)
    rolled: dict[str, Figures] = {n.path: Figures() for n in nodes}
    for n in nodes:
        own = base.get(n.pk)
        if own is None:
            continue
        # Add this node's own figures to itself and every visible ancestor.
        for prefix in path_prefixes(n.path):
            if prefix in rolled:
                rolled[prefix].add(own)
    total = Figures()
    # Top rows: no visible ancestor (a scope may hold several disjoint subtrees).
    tops = [n for n in nodes if not any(p in rolled for p in path_prefixes(n.path)[:-1])]
    for n in tops:
        total.add(rolled[n.path])
    code_by_id = {n.pk: n.code for n in nodes}
    min_depth = min((n.depth for n in tops), default=0)
    rows = [
        Row(n, rolled[n.path], code_by_id.get(n.parent_id))
        for n in nodes
        if depth is None or n.depth - (root.depth if root else min_depth) <= depth
    ]
    return Table(as_of=on, total=total, rows=rows, root=root)


def tree_order(jurisdictions: Iterable[Jurisdiction]) -> list[Jurisdiction]:
    """Depth first, siblings by their `order` then code (not by code alone)."""
    nodes = list(jurisdictions)
    sort_key = {n.code: (n.order, n.code) for n in nodes}

    def key(n: Jurisdiction) -> tuple:
        return tuple(sort_key.get(c, (0, c)) for c in n.path.strip("/").split("/"))

    return sorted(nodes, key=key)


def totals(on: dt.date, root: Jurisdiction | None = None, user: Any = None) -> Figures:
    """The headline figures of `root` (or of all the user may see)."""
    paths = _scope(user, root)
    total = Figures()
    for f in base_figures(on, paths).values():
        total.add(f)
    return total


def series(
    dates: Iterable[dt.date], root: Jurisdiction | None = None, user: Any = None
) -> list[tuple[dt.date, Figures]]:
    """Headline figures over several dates (the dashboard's line chart)."""
    return [(d, totals(d, root, user)) for d in dates]


def time_elapsed_progress(start: dt.date, deadline: dt.date, on: dt.date) -> Fraction:
    """时序进度 = (D − start + 1) / (deadline − start + 1), clamped to [0, 1]."""
    span = (deadline - start).days + 1
    if span <= 0:
        return Fraction(1)
    value = Fraction((on - start).days + 1, span)
    return min(max(value, Fraction(0)), Fraction(1))

