"""The figures of DOMAIN.md §2 per union organisation on a date: the in-scope enterprises it
covers, their employees, and its members (a member belongs on D to the organisation covering
their enterprise on D; a person counts once). Two queries for any number of organisations; the rules come from enterprises/rules.py and unions/rules.py as in reference.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Subquery

from jianhui.enterprises.models import Enterprise
from jianhui.lib.numbers import rate
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member


@dataclass
class OrganisationFigures:
    enterprises: int = 0  # in scope and covered by the organisation on D
    employees: int = 0  # of those enterprises
    members: int = 0

    @property
    def membership_rate(self) -> Fraction:
        """入会率 = members / employees of the enterprises it covers (unionized, all of them)."""
        return rate(self.members, self.employees)


def organisation_figures(on: dt.date, organisation_ids: Iterable[int]
                         ) -> dict[int, OrganisationFigures]:
    """{organisation id: its figures on `on`} for the organisations asked (zeros when none)."""
    ids = list(organisation_ids)
    out = {pk: OrganisationFigures() for pk in ids}
    if not ids:
        return out
    cover_org = Subquery(union_rules.covering(Coverage._base_manager, on)
                         .values("organisation_id")[:1])
    enterprises = (
        Enterprise.objects.in_scope(on).with_employees(on).annotate(cover_org=cover_org)
        .filter(cover_org__in=ids).order_by().values_list("pk", "cover_org", "employees_on")
    )
    org_of: dict[int, int] = {}
    for pk, org, employees in enterprises:
        org_of[pk] = org
        out[org].enterprises += 1
        out[org].employees += employees or 0
    # A member belongs to the organisation covering their enterprise (fetched above, one row
    # per enterprise) instead of a correlated subquery per member; a person counts once.
    people: dict[int, set] = {}
    for enterprise, person in (Member.objects.counted(on).filter(enterprise_id__in=list(org_of))
                               .order_by().values_list("enterprise_id", "id_number_index")
                               .distinct()):
        people.setdefault(org_of[enterprise], set()).add(person)
    for org, persons in people.items():
        out[org].members = len(persons)
    return out
