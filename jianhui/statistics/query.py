"""The statistics API: every figure for every (date, jurisdiction) asked, in one call.

    grid = figures([d1, d2], [county, park])      # each jurisdiction rolled up over its subtree
    grid[d1, park.code].members

`table`, `totals` and `series` are views of `figures`. The module never sees a user or a
request: callers pass the jurisdictions (or the path prefixes of a scope, a plain value) that
the person asking may see, and the figures of a jurisdiction always include its whole subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import Count, Q

from jianhui.lib.scoping import narrow, outermost, path_prefixes, paths_q
from jianhui.regions.models import Jurisdiction, tree_order

from . import reference, sums
from .models import DELTA_FIELDS, EnterpriseInterval, MemberInterval
from .results import Figures, Row, Table

Paths = tuple[str, ...] | list[str] | None


class FigureGrid(dict):
    """{(date, jurisdiction code): Figures}."""

    def total(self, on: dt.date, codes: Iterable[str]) -> Figures:
        out = Figures()
        for code in codes:
            out.add(self[on, code])
        return out


def figures(dates: Iterable[dt.date], jurisdictions: Sequence[Jurisdiction]) -> FigureGrid:
    """Every figure of DOMAIN.md §2 for every date and jurisdiction, rolled up its subtree:
    from the precomputed facts (sums.py), three queries whatever the dates and history."""
    dates = list(dict.fromkeys(dates))
    grid = FigureGrid()
    if not jurisdictions or not dates:
        return grid
    values = sums.at(dates, [j.pk for j in jurisdictions])
    for on in dates:
        for j in jurisdictions:
            grid[on, j.code] = as_figures(values[on, j.pk])
    return grid


def as_figures(vector: list[int]) -> Figures:
    out = Figures(**dict(zip(DELTA_FIELDS, vector, strict=True)))
    out.unionized = out.standalone + out.covered
    return out


def reference_figures(dates: Iterable[dt.date], jurisdictions: Sequence[Jurisdiction]
                      ) -> FigureGrid:
    """`figures` by the direct definition (reference.py): grouped queries over the whole
    history per date. The fast path must equal it (verify.py, the property test)."""
    wanted = {j.path: j.code for j in jurisdictions}
    paths = outermost(wanted)
    grid = FigureGrid()
    if not wanted:
        return grid
    path_of = dict(Jurisdiction.objects.filter(paths_q("path", paths)).values_list("pk", "path"))
    for on in dict.fromkeys(dates):
        rolled = {path: Figures() for path in wanted}
        for jid, own in reference.base_figures(on, paths).items():
            for prefix in path_prefixes(path_of.get(jid, "/")):
                if prefix in rolled:
                    rolled[prefix].add(own)
        for path, code in wanted.items():
            grid[on, code] = rolled[path]
    return grid


def visible(root: Jurisdiction | None, paths: Paths) -> list[Jurisdiction]:
    """The jurisdictions of `paths` (None: all) under `root` (None: anywhere), in tree order."""
    return tree_order(Jurisdiction.objects.filter(paths_q("path", narrow(paths, root and root.path))))


def tops(nodes: list[Jurisdiction]) -> list[Jurisdiction]:
    """The nodes with no ancestor among them (a scope may hold several disjoint subtrees)."""
    present = {n.path for n in nodes}
    return [n for n in nodes if not any(p in present for p in path_prefixes(n.path)[:-1])]


def top_nodes(root: Jurisdiction | None, paths: Paths) -> list[Jurisdiction]:
    """The tops of `paths` under `root`, without loading the subtrees below them."""
    narrowed = narrow(paths, root and root.path)
    if narrowed is None:
        return tree_order(Jurisdiction.objects.filter(parent__isnull=True))
    return tree_order(Jurisdiction.objects.filter(path__in=outermost(narrowed)))


def table(on: dt.date, root: Jurisdiction | None = None, paths: Paths = None,
          depth: int | None = None) -> Table:
    """Every jurisdiction of `paths` under `root` (if given) with its subtree's figures.

    `total` is the figures of `root`; without a root, of everything in `paths`. `depth` limits
    the rows to that many levels below the root (the figures still include every descendant).
    """
    nodes = visible(root, paths)
    top = tops(nodes)
    base = root.depth if root is not None else min((n.depth for n in top), default=0)
    shown = [n for n in nodes if depth is None or n.depth - base <= depth]
    grid = figures([on], shown)
    code_by_id = {n.pk: n.code for n in nodes}
    rows = [Row(n, grid[on, n.code], code_by_id.get(n.parent_id)) for n in shown]
    return Table(as_of=on, total=grid.total(on, [n.code for n in top]), rows=rows, root=root)


def totals(on: dt.date, root: Jurisdiction | None = None, paths: Paths = None) -> Figures:
    """The headline figures of `root` (or of everything in `paths`)."""
    return series([on], root, paths)[0][1]


def series(dates: Iterable[dt.date], root: Jurisdiction | None = None,
           paths: Paths = None) -> list[tuple[dt.date, Figures]]:
    """Headline figures over several dates (the dashboard's line chart)."""
    dates = list(dates)
    top = top_nodes(root, paths)
    grid = figures(dates, top)
    return [(d, grid.total(d, [n.code for n in top])) for d in dates]


def rule25_list(on: dt.date, paths: Paths = None, limit: int | None = None) -> list[dict]:
    """应单独建会 on `on` from the facts: rows of enterprise_id, enterprise__jurisdiction_id
    and members (as reference.rule25_enterprises gives them), by jurisdiction and enterprise,
    at most `limit` of them (the figure `rule25_warnings` counts them all)."""
    held = Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gt=on))
    warned = EnterpriseInterval.objects.filter(held, rule25=True)
    if paths is not None:
        warned = warned.filter(jurisdiction_id__in=Jurisdiction.objects.filter(
            paths_q("path", paths)).values("pk"))
    warned = warned.order_by("jurisdiction_id", "enterprise_id").values_list(
        "enterprise_id", "jurisdiction_id")
    if limit is not None:
        warned = warned[:limit]
    where = dict(warned)
    counts = dict(MemberInterval.objects.filter(held, enterprise_id__in=list(where)).order_by()
                  .values("enterprise_id").annotate(n=Count("pk")).values_list("enterprise_id", "n"))
    return [{"enterprise_id": e, "enterprise__jurisdiction_id": j, "members": counts.get(e, 0)}
            for e, j in where.items()]
