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
from typing import Any

from jianhui.unions import rules
from jianhui.unions.models import Coverage, OrganisationKind
from jianhui.unions.rules import Period

from .base import Importer, chunks

__all__ = ["Period", "check_periods", "existing_periods"]


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
    """The overlap rules of unions/rules.py over the periods after the file is applied (errors
    on the file's rows), and the joint-union warning for the organisations the file touched."""
    for held, new, message in rules.coverage_clashes(periods, only_touched=True):
        importer.error(new.row or held.row, new.column or held.column, new.value or held.value,
                       message)
    today = today or dt.date.today()
    by_org: dict[Any, list[Period]] = defaultdict(list)
    for p in periods:
        by_org[p.org if isinstance(p.org, int) else id(p.org)].append(p)
    for spans in by_org.values():
        first = spans[0]
        if first.org_kind == OrganisationKind.STANDALONE:
            continue
        touched = [p for p in spans if p.row]
        if not touched or (first.org_dissolved and first.org_dissolved <= today):
            continue
        current = {p.enterprise_id for p in spans if p.start <= today and (
            p.end is None or p.end > today)}
        warning = rules.joint_union_warning(first.org_name, first.org_kind, len(current))
        if warning:
            row = min(touched, key=lambda p: p.row)
            importer.warn(row.row, row.column, row.value, f"导入后{warning}")
