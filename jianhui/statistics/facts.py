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
from collections import Counter, defaultdict
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
        if batch is None:  # every row: a server-side cursor on PostgreSQL, memory bounded
            yield from qs.values_list(*fields).iterator(chunk_size=10 * CHUNK)
        else:  # a batch of ids: one plain query (no cursor to declare and page through)
            yield from qs.filter(**{f"{lookup}__in": batch}).values_list(*fields)


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
    surveys, covers, members = surveys_of(e_ids), covers_of(e_ids), members_of(e_ids)
    for row in enterprises_of(e_ids):
        facts.enterprise_ids.add(row[0])
        enterprise(facts, row, surveys.get(row[0], ()), covers.get(row[0], ()),
                   members.get(row[0], ()))
    facts.alive += alive_of(o_ids, facts.organisation_ids)
    if e_ids is not None:
        facts.enterprise_ids |= e_ids  # a deleted enterprise has no facts any more
    if o_ids is not None:
        facts.organisation_ids |= o_ids
    return facts


# The domain rows the facts are computed from (None: of every enterprise, organisation).

ENTERPRISE_FIELDS = ("pk", "jurisdiction_id", "founded_on", "deregistered_on", "revoked_on",
                     "employees")


def enterprises_of(e_ids: Iterable[int] | None) -> Iterator[tuple]:
    """(pk, jurisdiction, founded, deregistered, revoked, registered employees)."""
    return _rows(Enterprise._base_manager, e_ids, "pk", *ENTERPRISE_FIELDS)


def surveys_of(e_ids: Iterable[int] | None) -> dict[int, list[tuple[dt.date, int]]]:
    surveys: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for e, on, n in _rows(EmployeeSurvey._base_manager, e_ids, "enterprise_id",
                          "enterprise_id", "surveyed_on", "employees"):
        surveys[e].append((on, n))
    return surveys


def covers_of(e_ids: Iterable[int] | None) -> dict[int, list[tuple[dt.date, dt.date, str]]]:
    covers: dict[int, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
    for e, start, end, founded, dissolved, kind in _rows(
            Coverage._base_manager, e_ids, "enterprise_id", "enterprise_id", "start_on",
            "end_on", "organisation__founded_on", "organisation__dissolved_on",
            "organisation__kind"):
        # Covers on D: the coverage holds and its organisation is alive.
        a, b = max(start, founded), min(_end(end), _end(dissolved))
        if a < b:
            covers[e].append((a, b, kind))
    return covers


def members_of(e_ids: Iterable[int] | None) -> dict[int, list[tuple[str, dt.date, dt.date]]]:
    """enterprise → (person, joined, left or FOREVER) of its memberships."""
    members: dict[int, list[tuple[str, dt.date, dt.date]]] = defaultdict(list)
    for e, person, joined, left in _rows(Member._base_manager, e_ids, "enterprise_id",
                                         "enterprise_id", "id_number_index", "joined_on",
                                         "left_on"):
        members[e].append((person, joined, FOREVER if left is None else left))
    return members


def alive_of(o_ids: Iterable[int] | None, seen: set[int]) -> list[tuple]:
    """The alive rows of these organisations; adds the ones found to `seen`."""
    out = []
    for pk, j, kind, founded, dissolved in _rows(
            UnionOrganisation._base_manager, o_ids, "pk", "pk", "jurisdiction_id", "kind",
            "founded_on", "dissolved_on"):
        seen.add(pk)
        if founded < _end(dissolved):
            out.append((pk, j, kind, founded, dissolved))
    return out


def enterprise(facts: Facts, row: tuple, surveys, covers, members) -> None:
    """Add the pieces and counted periods of one enterprise (`row` as ENTERPRISE_FIELDS) to
    `facts`."""
    pk, j = row[0], row[1]
    scoped = in_scope(row, covers)
    if scoped is None:
        return
    s0, s1, covers = scoped
    events = counted_periods(facts.counted, pk, j, members, covers)
    pieces(facts.pieces, row, s0, s1, covers, surveys, warned(events))


def in_scope(row: tuple, covers) -> tuple[dt.date, dt.date, list] | None:
    """The enterprise's in-scope period [s0, s1) and its covers (start, end, kind) cut to it,
    in order; None if it is never in scope."""
    _pk, _j, founded, deregistered, revoked, _registered = row
    # In scope on D: founded on or before D (unknown: always), not deregistered nor revoked.
    s0, s1 = founded or NEVER, _end(left_scope_on(deregistered, revoked))
    if s0 >= s1:
        return None
    return s0, s1, sorted((max(a, s0), min(b, s1), kind) for a, b, kind in covers
                          if max(a, s0) < min(b, s1))


def counted_periods(counted: list, pk: int, j: int, members, covers) -> dict[dt.date, int]:
    """Append the enterprise's counted rows to `counted` (each person's periods merged);
    returns the change of its number of counted persons per day.

    Counted on D: the membership holds and the enterprise is in scope and covered on D.
    (rebuild_counted_sql states the same rule in SQL for a rebuild on PostgreSQL.)"""
    by_person: dict[str, list[Period]] = {}
    for person, joined, left in members:
        for a, b, _kind in covers:
            lo = joined if joined > a else a
            hi = left if left < b else b
            if lo < hi:
                periods = by_person.get(person)
                if periods is None:
                    by_person[person] = [(lo, hi)]
                else:
                    periods.append((lo, hi))
    events: dict[dt.date, int] = defaultdict(int)
    for person, periods in by_person.items():
        for a, b in (merge(periods) if len(periods) > 1 else periods):
            counted.append((pk, j, person, a, None if b == FOREVER else b))
            events[a] += 1
            events[b] -= 1
    return events


def warned(events: dict[dt.date, int]) -> list[tuple[dt.date, bool]]:
    """The days on which the enterprise's number of counted persons reaches the 25-member
    threshold (True) or falls below it (False), in order."""
    out: list[tuple[dt.date, bool]] = []
    count, over = 0, False
    for day in sorted(events):
        count += events[day]
        if (count >= RULE25_THRESHOLD) != over:
            over = not over
            out.append((day, over))
    return out


def pieces(out: list, row: tuple, s0: dt.date, s1: dt.date, covers, surveys,
           warnings: list[tuple[dt.date, bool]]) -> None:
    """Append the enterprise's pieces to `out`: its in-scope time cut where the covering kind,
    the employee figure or the threshold (`warned`) changes, adjacent equal pieces joined."""
    pk, j, registered = row[0], row[1], row[5]
    surveys = sorted(surveys)
    survey_days = [d for d, _ in surveys]
    over = dict(warnings)
    cuts = {s0, s1, *survey_days, *over}
    for a, b, _kind in covers:
        cuts.update((a, b))
    cuts = sorted(c for c in cuts if s0 <= c <= s1)
    merged: list[list] = []
    counting, ci = False, 0
    for start, end in zip(cuts, cuts[1:], strict=False):
        counting = over.get(start, counting)
        while ci < len(covers) and covers[ci][1] <= start:
            ci += 1
        kind = covers[ci][2] if ci < len(covers) and covers[ci][0] <= start else ""
        i = bisect.bisect_right(survey_days, start)
        employees = surveys[i - 1][1] if i else registered
        rule25 = kind in JOINT_KINDS and counting
        if merged and merged[-1][1] == start and merged[-1][2:] == [kind, employees, rule25]:
            merged[-1][1] = end
        else:
            merged.append([start, end, kind, employees, rule25])
    for start, end, kind, employees, rule25 in merged:
        out.append((pk, j, start, None if end == FOREVER else end, kind, employees, rule25))


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
    groups: dict[tuple[int, str], list[Period]] = {}
    for _e, j, person, start, end in counted:
        periods = groups.get((j, person))
        if periods is None:
            groups[j, person] = [(start, _end(end))]
        else:
            periods.append((start, _end(end)))
    change: Counter[tuple[int, dt.date]] = Counter()
    for (j, _person), periods in groups.items():
        for start, end in (merge(periods) if len(periods) > 1 else periods):
            change[j, start] += 1
            if end != FOREVER:
                change[j, end] -= 1
    i, width = INDEX["members"], len(DELTA_FIELDS)
    for key, n in change.items():
        if n:
            row = deltas.get(key)
            if row is None:
                row = deltas[key] = [0] * width
            row[i] += sign * n
