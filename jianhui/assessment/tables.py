"""The ranking's columns, once for the page's chart and the .xlsx export."""

from __future__ import annotations

from typing import Any

from jianhui.lib.xlsx import CODE, INT, POINTS, Column

from .models import Scheme, UnitKind

RANKING_COLUMNS = [
    Column("类别"), Column("名次", INT), Column("单位"), Column("编号", CODE), Column("所属片区"),
    Column("总分", POINTS), Column("等级"),
]


def chart_data(scheme: Scheme) -> dict[str, Any]:
    """The areas' totals for the bar chart (the organisations are too many for one chart: their
    grade distribution instead)."""
    areas = list(scheme.units.filter(kind=UnitKind.AREA).order_by("rank", "order"))
    grades = {}
    for u in scheme.units.filter(kind=UnitKind.ORGANISATION):
        label = u.get_grade_display() or "未评定"
        grades[label] = grades.get(label, 0) + 1
    order = ["优秀", "良好", "合格", "不合格", "未评定"]
    return {
        "areas": {"names": [u.name for u in areas],
                  "totals": [round(float(u.total), 2) if u.total is not None else 0
                             for u in areas]},
        "grades": [{"name": g, "value": grades[g]} for g in order if g in grades],
    }


def ranking_rows(scheme: Scheme):
    names = {u.code: u.name for u in scheme.units.filter(kind=UnitKind.AREA)}
    for u in scheme.units.order_by("kind", "rank", "order"):
        yield [u.get_kind_display(), u.rank, u.name, u.code, names.get(u.area_code, ""),
               float(u.total) if u.total is not None else None, u.get_grade_display()]
