"""The dashboard (工作台): a jurisdiction's headline figures with the change since the previous
day, its children's figure table with drill-down, the 25-member warnings and two charts."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render

from jianhui import statistics
from jianhui.accounts.rights import Right
from jianhui.enterprises.models import Enterprise
from jianhui.lib.numbers import shown_rate
from jianhui.lib.xlsx import Column, Styled
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import generation
from jianhui.statistics.columns import FIGURE_COLUMNS
from jianhui.unions.models import UnionOrganisation
from jianhui.web import fragments
from jianhui.web.exporting import Export
from jianhui.web.pages import as_of, get_scoped

HEADLINE_DELTAS = ("enterprises", "unionized", "standalone", "covered", "committees",
                   "joint_unions", "federations", "members")


def month_points(on: dt.date, months: int = 12) -> list[dt.date]:
    """Month ends over the past year, then the as-of date itself."""
    points = []
    first = on.replace(day=1)
    for _ in range(months):
        points.append(first - dt.timedelta(days=1))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return sorted(points) + [on]


def dashboard(request):
    scope = request.scope
    if not scope.holds(Right.VIEW) and scope.holds(Right.VIEW_AUDIT):
        return redirect("audit:events")  # an auditor sees the log, no domain data
    on = as_of(request)
    code = request.GET.get("j")
    if scope.superuser and not code and not request.user.assignments.exists():
        return _no_area(request)  # a back-office account: told it has no role, how to get one
    root = get_scoped(Jurisdiction.objects, scope, code=code) if code else scope.home()
    if root is None:
        return _no_area(request)
    export = Export(request, pii=False)
    if export.ready():
        total, rows, *_ = _figures(root, on)
        return export.send(
            f"建会入会统计_{root.name}_{on:%Y-%m-%d}.xlsx", TABLE_COLUMNS,
            table_rows(root, rows, total), model="statistics.table",
            sheet="建会入会统计", autofilter=False,
            title=f"{root.full_name or root.name}建会入会情况（截至{on.year}年{on.month}月{on.day}日）")
    return render(request, "dashboard/index.html", {
        "root": root, "export": export,
        "kept": fragments.kept(request, "dashboard", on, lambda: _parts(request, root, on)),
    })


def _figures(root: Jurisdiction, on: dt.date):
    previous = on - dt.timedelta(days=1)
    trend = month_points(on)
    # The same figures for everyone who asks until the next write (statistics/generation.py).
    children, grid, parents, rule25 = generation.remembered(
        ("dashboard", root.pk, on), lambda: _computed(root, on, previous, trend))
    total = grid[on, root.code]
    rows = [statistics.Row(c, grid[on, c.code], root.code) for c in children]
    return total, rows, grid, parents, rule25, previous, trend


def _parts(request, root: Jurisdiction, on: dt.date) -> dict:
    """The page but its frame and export link (kept until the next write)."""
    total, rows, grid, parents, rule25, previous, trend = _figures(root, on)
    chart = {
        "bar": {"names": [r.jurisdiction.name for r in rows],
                "rates": [float(shown_rate(r.figures.establishment_rate) * 100) for r in rows]},
        "line": {"dates": [d.isoformat() for d in trend],
                 "unionized": [grid[d, root.code].unionized for d in trend],
                 "members": [grid[d, root.code].members for d in trend]},
    }
    before = grid[previous, root.code]
    delta = {k: getattr(total, k) - getattr(before, k) for k in HEADLINE_DELTAS}
    context = {
        "on": on, "root": root, "total": total, "delta": delta,
        "children": rows, "parents": parents,
        "columns": FIGURE_COLUMNS,
        "ancestors": list(Jurisdiction.objects.within(request.scope).filter(
            code__in=root.path.strip("/").split("/")[:-1]).order_by("depth")),
        "chart": chart,
        "rule25": rule25,
    }
    return {"top": fragments.part("dashboard/_top.html", context, request),
            "rest": fragments.part("dashboard/_rest.html", context, request),
            "count": len(rows)}


def _computed(root: Jurisdiction, on: dt.date, previous: dt.date, trend: list[dt.date]):
    """What the page shows of the data: the children, every figure (one call for the root and
    its children on the as-of date, the root the day before and on the trend's dates), which
    children have children of their own, the 25-member warnings."""
    children = list(root.children.order_by("order", "code"))
    grid = statistics.figures([on, previous, *trend], [root, *children])
    parents = set(Jurisdiction.objects.filter(parent__in=children).values_list("parent_id",
                                                                               flat=True))
    rule25 = _rule25(on, root) if grid[on, root.code].rule25_warnings else []
    return children, grid, parents, rule25


def _no_area(request):
    """No jurisdiction to show: a union chair goes to their organisation (its figures are
    there); anyone else is told why there is nothing here and how to get a role. A superuser
    without a role is told so too, with the way to the back office and to the county's
    figures (its rights reach everywhere, but it is no county cadre)."""
    organisations = request.scope.organisations
    if len(organisations) == 1:
        return redirect(UnionOrganisation.objects.get(pk=organisations[0]).get_absolute_url())
    if organisations:
        return redirect("organisation_list")
    scope = request.scope
    return render(request, "dashboard/no_scope.html", {
        # A superuser holds every right, the audit log's too, but is no auditor.
        "auditor": scope.holds(Right.VIEW_AUDIT) and not scope.superuser,
        "superuser": scope.superuser,
        "top": Jurisdiction.objects.tops().first(),
    }, status=403)


TABLE_COLUMNS = [Column("辖区"), *FIGURE_COLUMNS.columns()]


def table_rows(root: Jurisdiction, rows: list[statistics.Row], total: statistics.Figures):
    """The dashboard's table: its rows, indented by level below the root, then the total."""
    for r in rows:
        yield [Styled(r.jurisdiction.name, indent=r.jurisdiction.depth - root.depth - 1),
               *FIGURE_COLUMNS.cells(r.figures)]
    yield [Styled(v, bold=True) for v in ["合计", *FIGURE_COLUMNS.cells(total)]]


RULE25_SHOWN = 50  # the figure counts them all; the page names the first ones


def _rule25(on: dt.date, root: Jurisdiction) -> list[tuple[Enterprise, int]]:
    rows = statistics.rule25_list(on, [root.path], limit=RULE25_SHOWN)
    by_id = Enterprise.objects.in_bulk([r["enterprise_id"] for r in rows])
    return [(by_id[r["enterprise_id"]], r["members"]) for r in rows]
