from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import redirect, render

from jianhui import statistics
from jianhui.accounts.rights import Right, has_right
from jianhui.accounts.scope import home_jurisdiction, scope_organisations
from jianhui.enterprises.models import Enterprise
from jianhui.lib.exporting import Export
from jianhui.lib.web import as_of, get_scoped
from jianhui.lib.xlsx import INT, NUMBER, PERCENT, Column, Styled
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import percent
from jianhui.unions.models import UnionOrganisation


def month_points(on: dt.date, months: int = 12) -> list[dt.date]:
    """Month ends over the past year, then the as-of date itself."""
    points = []
    first = on.replace(day=1)
    for _ in range(months):
        points.append(first - dt.timedelta(days=1))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return sorted(points) + [on]


def dashboard(request):
    if not has_right(request.user, Right.VIEW) and has_right(request.user, Right.VIEW_AUDIT):
        return redirect("audit:events")  # an auditor sees the log, no domain data
    on = as_of(request)
    code = request.GET.get("j")
    root = (get_scoped(Jurisdiction.objects, request.user, code=code) if code
            else home_jurisdiction(request.user))
    if root is None:
        return _no_area(request)
    table = statistics.table(on, root, request.user, depth=1)
    children = [r for r in table.rows if r.jurisdiction.pk != root.pk]
    export = Export(request, pii=False)
    if export.ready():
        return export.send(
            f"建会入会统计_{root.name}_{on:%Y-%m-%d}.xlsx", TABLE_COLUMNS,
            table_rows(root, children, table.total), model="statistics.table",
            sheet="建会入会统计", autofilter=False,
            title=f"{root.full_name or root.name}建会入会情况（截至{on.year}年{on.month}月{on.day}日）")
    previous = statistics.totals(on - dt.timedelta(days=1), root, request.user)
    series = statistics.series(month_points(on), root, request.user)
    chart = {
        "bar": {"names": [r.jurisdiction.name for r in children],
                "rates": [float(percent(r.figures.establishment_rate)[:-1])
                          for r in children]},
        "line": {"dates": [d.isoformat() for d, _ in series],
                 "unionized": [f.unionized for _, f in series],
                 "members": [f.members for _, f in series]},
    }
    t, p = table.total, previous
    delta = {k: getattr(t, k) - getattr(p, k) for k in (
        "enterprises", "unionized", "standalone", "covered", "federations", "members")}
    return render(request, "dashboard/index.html", {
        "on": on, "root": root, "total": t, "delta": delta, "children": children,
        "ancestors": [a for a in root.ancestors()
                      if Jurisdiction.objects.restrict(request.user).filter(pk=a.pk).exists()],
        "chart": chart, "export": export, "rule25": _rule25(on, root) if t.rule25_warnings else [],
    })


def _no_area(request):
    """No jurisdiction to show: a union chair goes to their organisation (its figures are
    there), anyone else is told why there is nothing here."""
    organisations = scope_organisations(request.user)
    if len(organisations) == 1:
        return redirect(UnionOrganisation.objects.get(pk=organisations[0]).get_absolute_url())
    if organisations:
        return redirect("organisation_list")
    return render(request, "dashboard/no_scope.html", {
        "auditor": has_right(request.user, Right.VIEW_AUDIT),
    }, status=403)
TABLE_COLUMNS = [
    Column("辖区"), Column("企业", INT), Column("已建会", INT), Column("单独建会", INT),
    Column("联合建会", INT), Column("未建会", INT), Column("建会率", PERCENT),
    Column("工会联合会", INT), Column("职工", NUMBER), Column("会员", NUMBER),
    Column("入会率", PERCENT), Column("应单独建会", INT),
]


def shown_rate(value) -> float:
    """The rate exactly as the page rounds it (98.2%), as a number Excel formats as 0.0%."""
    return float(Decimal(percent(value)[:-1]) / 100)


def table_rows(root: Jurisdiction, rows: list[statistics.Row], total: statistics.Figures):
    """The dashboard's table: its rows, indented by level below the root, then the total."""

    def cells(f: statistics.Figures) -> list:
        return [f.enterprises, f.unionized, f.standalone, f.covered, f.not_unionized,
                shown_rate(f.establishment_rate), f.federations, f.employees, f.members,
                shown_rate(f.membership_rate), f.rule25_warnings]

    for r in rows:
        yield [Styled(r.jurisdiction.name, indent=r.jurisdiction.depth - root.depth - 1),
               *cells(r.figures)]
    yield [Styled(v, bold=True) for v in ["合计", *cells(total)]]


def _rule25(on: dt.date, root: Jurisdiction) -> list[tuple[Enterprise, int]]:
    rows = statistics.rule25_enterprises(on, [root.path])
    by_id = Enterprise.objects.in_bulk([r["enterprise_id"] for r in rows])
    return [(by_id[r["enterprise_id"]], r["members"]) for r in rows]
