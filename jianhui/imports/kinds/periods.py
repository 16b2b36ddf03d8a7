"""Coverage periods after a whole file is applied: the rules of DOMAIN.md §2 checked in memory.

The unions and coverage files both change coverage. Their importers load every existing
coverage of the enterprises and organisations the file touches (one query), replace or add the
file's periods, and hand the result here: one enterprise is covered by one organisation at a
time; a 基层工会委员会 covers one enterprise at a time; a joint union or federation left with
fewer than two enterprises is a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from jianhui.unions.models import Coverage, OrganisationKind

from .base import Importer, chunks, day


@dataclass
class Period:
    enterprise_id: int
    enterprise_name: str
    org: Any  # an organisation pk, or the importer's object for an organisation not yet saved
    org_name: str
    org_kind: str
    start: dt.date
    end: dt.date | None
    row: int | None = None  # the file row that made or changed it; None: untouched database row
    column: str = ""
    value: object = ""
    pk: int | None = None
    org_dissolved: dt.date | None = None

    def overlaps(self, other: Period) -> bool:
        return (self.end is None or self.end > other.start) and (
            other.end is None or other.end > self.start)


def existing_periods(enterprise_ids: set[int], org_ids: set[int]) -> list[Period]:
    """Every coverage of the given enterprises or organisations, and of the organisations
    covering those enterprises (whose count of enterprises a move changes), as periods."""
    orgs = set(org_ids)
    for batch in chunks(enterprise_ids):
        orgs.update(Coverage.objects.filter(enterprise_id__in=batch)
                    .values_list("organisation_id", flat=True))
    rows: dict[int, tuple] = {}
    for field, values in (("enterprise_id__in", enterprise_ids), ("organisation_id__in", orgs)):
        for batch in chunks(values):
            rows.update((r[0], r) for r in Coverage.objects.filter(**{field: batch}).values_list(
                "pk", "enterprise_id", "enterprise__name", "organisation_id",
                "organisation__name", "organisation__kind", "start_on", "end_on",
                "organisation__dissolved_on"))
    return [Period(e, en, o, on, ok, s, end, pk=pk, org_dissolved=dis)
            for pk, e, en, o, on, ok, s, end, dis in rows.values()]


def check_periods(importer: Importer, periods: list[Period], today: dt.date | None = None) -> None:
    by_enterprise: dict[int, list[Period]] = defaultdict(list)
    by_org: dict[Any, list[Period]] = defaultdict(list)
    for p in periods:
        by_enterprise[p.enterprise_id].append(p)
        by_org[_org_key(p.org)].append(p)
    for spans in by_enterprise.values():
        for a, b in _clashes(spans):
            importer.error(b.row or a.row, b.column or a.column, b.value or a.value,
                           f"{b.enterprise_name}在 {a.start:%Y-%m-%d} 至 {day(a.end)} 已由{a.org_name}"
                           f"覆盖,与{b.org_name}自 {b.start:%Y-%m-%d} 的覆盖重叠:一家企业同一时间只能由"
                           "一个工会组织覆盖。如企业转为单独建会,请把原覆盖的结束日期设为新覆盖的开始日期。")
    today = today or dt.date.today()
    for spans in by_org.values():
        first = spans[0]
        if first.org_kind == OrganisationKind.STANDALONE:
            for a, b in _clashes(spans):
                importer.error(b.row or a.row, b.column or a.column, b.value or a.value,
                               f"{a.org_name}是基层工会委员会,同一时间只能覆盖一家企业,"
                               f"与{a.enterprise_name}的覆盖({a.start:%Y-%m-%d} 至 {day(a.end)})重叠:"
                               "多家企业联合建会请使用联合基层工会或工会联合会。")
            continue
        touched = [p for p in spans if p.row]
        if not touched or (first.org_dissolved and first.org_dissolved <= today):
            continue
        current = {p.enterprise_id for p in spans if p.start <= today and (
            p.end is None or p.end > today)}
        if len(current) < 2:
            row = min(touched, key=lambda p: p.row)
            kind = OrganisationKind(first.org_kind).label
            importer.warn(row.row, row.column, row.value,
                          f"导入后{first.org_name}({kind})只覆盖 {len(current)} 家企业:联合建会通常应覆盖两家及以上企业,"
                          "请核对是否漏填了企业。")


def _org_key(org: Any) -> Any:
    return org if isinstance(org, int) else id(org)


def _clashes(spans: list[Period]):
    """Overlapping neighbours in start order where at least one comes from the file."""
    spans.sort(key=lambda p: (p.start, p.row or 0))
    open_span: Period | None = None
    for p in spans:
        if open_span is not None and open_span.overlaps(p) and (open_span.row or p.row):
            yield open_span, p
        if open_span is None or (open_span.end is not None and (
                p.end is None or p.end > open_span.end)):
            open_span = p
