"""专题研判: the un-unionized enterprises of some areas on a date, classed by size (DOMAIN.md
§4, on the date's employee figure) and by employee band, with the route each band suggests
(DOMAIN.md §1: a unit of 25 or more members must set up its own committee)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from jianhui.enterprises.models import Scale, scale_for_employees
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage

OWN_COMMITTEE_FROM = 25  # members from which a unit must have its own 基层工会委员会

# (key, label, low, high): employees in [low, high)
BANDS = [
    ("lt25", "25人以下", 0, 25),
    ("25_99", "25-99人", 25, 100),
    ("100_299", "100-299人", 100, 300),
    ("ge300", "300人及以上", 300, None),
]
ROUTES = {
    "own": "单独建会：建立基层工会委员会（会员满25人须单独建会）",
    "joint": "联合建会：加入联合基层工会或区域性、行业性工会联合会",
}


def band_of(employees: int) -> str:
    for key, _, low, high in BANDS:
        if employees >= low and (high is None or employees < high):
            return key
    return BANDS[0][0]


def route_of(employees: int) -> str:
    """The route a class suggests: its own committee from 25 employees (who will be 25
    members), else a joint union or a federation."""
    return "own" if employees >= OWN_COMMITTEE_FROM else "joint"


@dataclass
class Cell:
    count: int = 0
    employees: int = 0

    def add(self, employees: int) -> None:
        self.count += 1
        self.employees += employees


@dataclass
class Classification:
    on: dt.date
    enterprises: list = field(default_factory=list)  # annotated: employees_on, band, route
    by_band: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(Cell)))
    by_scale: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(Cell)))

    def band_rows(self, area_codes: list[str]):
        """[(band key, label, route label, [Cell per area], total Cell)]"""
        for key, label, low, _ in BANDS:
            cells = [self.by_band[key][code] for code in area_codes]
            total = Cell(sum(c.count for c in cells), sum(c.employees for c in cells))
            yield key, label, ROUTES[route_of(low)], cells, total

    def scale_rows(self, area_codes: list[str]):
        for scale in Scale:
            cells = [self.by_scale[scale.value][code] for code in area_codes]
            total = Cell(sum(c.count for c in cells), sum(c.employees for c in cells))
            yield scale.value, scale.label, cells, total


def classify(enterprises, on: dt.date, areas: dict[str, str]) -> Classification:
    """Class the un-unionized, in-scope enterprises of the `enterprises` queryset on `on`,
    counted in each area of `areas` ({code: path})."""
    qs = union_rules.with_union_status(
        enterprises.in_scope(on).with_employees(on), on, Coverage._base_manager,
    ).filter(cover_kind__isnull=True).select_related("jurisdiction").order_by(
        "jurisdiction__path", "-employees_on", "name")
    out = Classification(on)
    for e in qs:
        e.band = band_of(e.employees_on)
        e.band_label = dict((k, label) for k, label, *_ in BANDS)[e.band]
        e.route = route_of(e.employees_on)
        e.route_label = ROUTES[e.route]
        scale = e.scale_override or scale_for_employees(e.employees_on) or Scale.MICRO.value
        out.enterprises.append(e)
        for code, path in areas.items():
            if e.jurisdiction.path.startswith(path):
                e.area_code = code
                out.by_band[e.band][code].add(e.employees_on)
                out.by_scale[scale][code].add(e.employees_on)
    return out
