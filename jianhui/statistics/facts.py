"""The facts of a set of enterprises and organisations, computed from the domain rows by the rules
of DOMAIN.md §2 (the same rules the reference queries use, as plain functions over periods),
and the changes of every figure per (jurisdiction, day) they imply.

An enterprise is cut into pieces of its in-scope time between every date at which something
the figures see may change (its dates, its coverages and their organisations' dates, its
surveys, its members' counted periods); on each piece the covering kind, the employee figure
and the 25-member warning are constant. A person counts once per jurisdiction on a day, so the
member changes are taken from the union of each person's counted periods in a jurisdiction.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.enterprises.rules import left_scope_on
from jianhui.unions.models import JOINT_KINDS, Coverage, Member, OrganisationKind, UnionOrganisation

from .models import DELTA_FIELDS
from .results import RULE25_THRESHOLD

NEVER = dt.date.min  # the start of "since always" (an enterprise of unknown founding date)
FOREVER = dt.date.max  # the end of "still holds", None in the tables
CHUNK = 2000
INDEX = {name: i for i, name in enumerate(DELTA_FIELDS)}
ORGANISATION_FIELD = {
    OrganisationKind.STANDALONE: "standalone_unions",
    OrganisationKind.JOINT: "joint_unions",
    OrganisationKind.FEDERATION: "federations",
}

Period = tuple[dt.date, dt.date]  # [start, end), FOREVER for an open end


@dataclass
class Facts:
    """The facts of some enterprises and organisations, as rows of the fact tables."""

    enterprise_ids: set[int] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)
    # (enterprise, jurisdiction, start, end, kind, employees, rule25)
    pieces: list[tuple] = field(default_factory=list)
    # (enterprise, jurisdiction, person, start, end)
    counted: list[tuple] = field(default_factory=list)
    # (organisation, jurisdiction, kind, start, end)
    alive: list[tuple] = field(default_factory=list)


def chunked(ids: Iterable[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _rows(manager, ids, lookup: str, *fields: str) -> Iterator[tuple]:
    for batch in chunked(ids):
        qs = manager.order_by()
        if batch is not None:
            qs = qs.filter(**{f"{lookup}__in": batch})
        yield from qs.values_list(*fields).iterator(chunk_size=CHUNK)


def _end(value: dt.date | None) -> dt.date:
    return FOREVER if value is None else value


def merge(periods: Iterable[Period]) -> list[Period]:
    """The union of periods as disjoint, non-touching periods in order."""
    out: list[list[dt.date]] = []
    for start, end in sorted(periods):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def compute(enterprise_ids: Iterable[int] | None = None,
            organisation_ids: Iterable[int] | None = None) -> Facts:
    """The facts of these enterprises and organisations (None: all of them)."""
    facts = Facts()
    e_ids = None if enterprise_ids is None else set(enterprise_ids)
    o_ids = None if organisation_ids is None else set(organisation_ids)
    surveys: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for e, on, n in _rows(EmployeeSurvey._base_manager, e_ids, "enterprise_id",
                          "enterprise_id", "surveyed_on", "employees"):
        surveys[e].append((on, n))
    covers: dict[int, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
    for e, start, end, founded, dissolved, kind in _rows(
            Coverage._base_manager, e_ids, "enterprise_id", "enterprise_id", "start_on",
            "end_on", "organisation__founded_on", "organisation__dissolved_on",
            "organisation__kind"):
        # Covers on D: the coverage holds and its organisation is alive.
        a, b = max(start, founded), min(_end(end), _end(dissolved))
        if a < b:
            covers[e].append((a, b, kind))
    members: dict[int, list[tuple[str, dt.date, dt.date]]] = defaultdict(list)
    for e, person, joined, left in _rows(Member._base_manager, e_ids, "enterprise_id",
                                         "enterprise_id", "id_number_index", "joined_on",
                                         "left_on"):
        members[e].append((person, joined, _end(left)))
    for row in _rows(Enterprise._base_manager, e_ids, "pk", "pk", "jurisdiction_id", "founded_on",
                     "deregistered_on", "revoked_on", "employees"):
        facts.enterprise_ids.add(row[0])
        _enterprise(facts, *row, surveys.get(row[0], []), covers.get(row[0], []),
                    members.get(row[0], []))
    for pk, j, kind, founded, dissolved in _rows(
            UnionOrganisation._base_manager, o_ids, "pk", "pk", "jurisdiction_id", "kind",
            "founded_on", "dissolved_on"):
        facts.organisation_ids.add(pk)
        if founded < _end(dissolved):
            facts.alive.append((pk, j, kind, founded, dissolved))
    if e_ids is not None:
        facts.enterprise_ids |= e_ids  # a deleted enterprise has no facts any more
    if o_ids is not None:
        facts.organisation_ids |= o_ids
    return facts


def _enterprise(facts: Facts, pk: int, j: int, founded, deregistered, revoked, registered: int,
                surveys, covers, members) -> None:
    # In scope on D: founded on or before D (unknown: always), not deregistered nor revoked.
    s0, s1 = founded or NEVER, _end(left_scope_on(deregistered, revoked))
    if s0 >= s1:
        return
    covers = sorted((max(a, s0), min(b, s1), kind) for a, b, kind in covers
                    if max(a, s0) < min(b, s1))
    # Counted on D: the membership holds and the enterprise is in scope and covered on D.
    by_person: dict[str, list[Period]] = defaultdict(list)
    for person, joined, left in members:
        for a, b, _kind in covers:
            if max(joined, a) < min(left, b):
                by_person[person].append((max(joined, a), min(left, b)))
    events: dict[dt.date, int] = defaultdict(int)
    for person, periods in by_person.items():
        for a, b in merge(periods):
            facts.counted.append((pk, j, person, a, None if b == FOREVER else b))
            events[a] += 1
            events[b] -= 1
    surveys = sorted(surveys)
    survey_days = [d for d, _ in surveys]
    cuts = {s0, s1, *survey_days, *events}
    for a, b, _kind in covers:
        cuts.update((a, b))
    cuts = sorted(c for c in cuts if s0 <= c <= s1)
    pieces: list[list] = []
    count, ci = 0, 0
    for start, end in zip(cuts, cuts[1:], strict=False):
        count += events.get(start, 0)
        while ci < len(covers) and covers[ci][1] <= start:
            ci += 1
        kind = covers[ci][2] if ci < len(covers) and covers[ci][0] <= start else ""
        i = bisect.bisect_right(survey_days, start)
        employees = surveys[i - 1][1] if i else registered
        rule25 = kind in JOINT_KINDS and count >= RULE25_THRESHOLD
        if pieces and pieces[-1][1] == start and pieces[-1][2:] == [kind, employees, rule25]:
            pieces[-1][1] = end
        else:
            pieces.append([start, end, kind, employees, rule25])
    for start, end, kind, employees, rule25 in pieces:
        facts.pieces.append((pk, j, start, None if end == FOREVER else end, kind, employees,
                             rule25))


# --- the changes they imply ------------------------------------------------------------------

Deltas = dict[tuple[int, dt.date], list[int]]  # (own jurisdiction, day) → DELTA_FIELDS


def _add(deltas: Deltas, j: int, start: dt.date, end: dt.date | None,
         values: Iterable[tuple[int, int]], sign: int = 1) -> None:
    values = [(i, v) for i, v in values if v]
    if not values:
        return
    for day, s in ((start, sign), (end, -sign)):
        if day is None:
            continue
        row = deltas.get((j, day))
        if row is None:
            row = deltas[j, day] = [0] * len(DELTA_FIELDS)
        for i, v in values:
            row[i] += s * v


def piece_values(kind: str, employees: int, rule25: bool) -> list[tuple[int, int]]:
    return [
        (INDEX["enterprises"], 1),
        (INDEX["standalone"], int(kind == OrganisationKind.STANDALONE)),
        (INDEX["covered"], int(kind in JOINT_KINDS)),
        (INDEX["employees"], employees),
        (INDEX["employees_unionized"], employees if kind else 0),
        (INDEX["rule25_warnings"], int(rule25)),
    ]


def enterprise_deltas(deltas: Deltas, pieces: Iterable[tuple], sign: int = 1) -> None:
    for _e, j, start, end, kind, employees, rule25 in pieces:
        _add(deltas, j, start, end, piece_values(kind, employees, rule25), sign)


def organisation_deltas(deltas: Deltas, alive: Iterable[tuple], sign: int = 1) -> None:
    for _o, j, kind, start, end in alive:
        _add(deltas, j, start, end, [(INDEX[ORGANISATION_FIELD[kind]], 1)], sign)


def member_deltas(deltas: Deltas, counted: Iterable[tuple], sign: int = 1) -> None:
    """A person counts once in a jurisdiction: +1/−1 at the ends of the union of their counted
    periods there (across all their enterprises in it)."""
    groups: dict[tuple[int, str], list[Period]] = defaultdict(list)
    for _e, j, person, start, end in counted:
        groups[j, person].append((start, _end(end)))
    member = [(INDEX["members"], 1)]
    for (j, _person), periods in groups.items():
        for start, end in merge(periods):
            _add(deltas, j, start, None if end == FOREVER else end, member, sign)
