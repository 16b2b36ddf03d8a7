"""The union rules of DOMAIN.md §1-§2, each once: a plain function, its ORM twin and its Chinese
message side by side. Models' clean(), services, importers, exports, scoping and statistics
call these; none of them writes a rule of its own.

Every period is [start, end): the end date is the first day on which the thing no longer holds
(lib/periods.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce

from jianhui.enterprises.rules import in_scope_q
from jianhui.lib.periods import day, holds, holds_q, overlaps

from .choices import JOINT_KINDS, OrganisationKind

ONE_DAY = dt.timedelta(days=1)

# --- organisation alive on D -----------------------------------------------------------------
# Founded on or before D and not dissolved (撤销) on or before D.


def alive(founded_on: dt.date, dissolved_on: dt.date | None, on: dt.date) -> bool:
    return holds(founded_on, dissolved_on, on)


def alive_q(on: dt.date, prefix: str = "") -> Q:
    """The ORM twin of `alive`; `prefix` leads to the organisation ("organisation__")."""
    return holds_q(f"{prefix}founded_on", f"{prefix}dissolved_on", on)


# --- covers on D -----------------------------------------------------------------------------
# The coverage began on or before D, has not ended on or before D, and its organisation is
# alive on D. An enterprise is covered by at most one organisation on any date.


def covers(start_on: dt.date, end_on: dt.date | None, founded_on: dt.date,
           dissolved_on: dt.date | None, on: dt.date) -> bool:
    """Does a coverage [start_on, end_on) of an organisation [founded_on, dissolved_on) hold?"""
    return holds(start_on, end_on, on) and alive(founded_on, dissolved_on, on)


def covers_q(on: dt.date, prefix: str = "") -> Q:
    """The ORM twin of `covers`; `prefix` leads to the coverage ("coverages__")."""
    return holds_q(f"{prefix}start_on", f"{prefix}end_on", on) & alive_q(
        on, f"{prefix}organisation__")


def covering(coverages, on: dt.date, enterprise: str = "pk"):
    """The coverages (a Coverage queryset) in force on `on` of the enterprise `enterprise`
    names in the outer query (for Subquery/Exists)."""
    return coverages.filter(covers_q(on), enterprise=OuterRef(enterprise)).order_by()


def with_union_status(enterprises, on: dt.date, coverages):
    """Enterprises annotated with the kind, key and name of the organisation covering them on
    `on` (`cover_kind` is None when not covered): lists filter on what the figures count.
    `coverages` is the Coverage manager."""
    active = covering(coverages, on)
    return enterprises.annotate(
        cover_kind=Subquery(active.values("organisation__kind")[:1]),
        cover_key=Subquery(active.values("organisation__key")[:1]),
        cover_name=Subquery(active.values("organisation__name")[:1]),
    )


# The union status of an enterprise on D (DOMAIN.md §2), over `with_union_status`.
UNION_STATUS = {
    "unionized": ("已建会", Q(cover_kind__isnull=False)),
    "standalone": ("单独建会", Q(cover_kind=OrganisationKind.STANDALONE)),
    "covered": ("联合建会", Q(cover_kind__in=JOINT_KINDS)),
    "not_unionized": ("未建会", Q(cover_kind__isnull=True)),
}


# --- one organisation per enterprise, one enterprise per committee ---------------------------

@dataclass
class Period:
    """One coverage as the overlap rules see it (from the database or from a file row)."""

    enterprise_id: int
    enterprise_name: str
    org: Any  # an organisation pk, or an importer's object for one not yet saved
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
        return overlaps(self.start, self.end, other.start, other.end)


def clashes(spans: list[Period], *, only_touched: bool = False) -> Iterator[tuple[Period, Period]]:
    """Overlapping neighbours in start order (with `only_touched`, where at least one of the
    two comes from a file row)."""
    spans = sorted(spans, key=lambda p: (p.start, p.row or 0))
    open_span: Period | None = None
    for p in spans:
        if open_span is not None and open_span.overlaps(p) and (
                not only_touched or open_span.row or p.row):
            yield open_span, p
        if open_span is None or (open_span.end is not None and (
                p.end is None or p.end > open_span.end)):
            open_span = p


def enterprise_clash_message(held: Period, new: Period) -> str:
    """An enterprise covered by two organisations at once."""
    return (f"{new.enterprise_name}在 {held.start:%Y-%m-%d} 至 {day(held.end)} 已由{held.org_name}"
            f"覆盖，与{new.org_name}自 {new.start:%Y-%m-%d} 的覆盖重叠：一家企业同一时间只能由"
            "一个工会组织覆盖。如企业转为单独建会，请把原覆盖的结束日期设为新覆盖的开始日期。")


def committee_clash_message(held: Period, new: Period) -> str:
    """A 基层工会委员会 covering two enterprises at once."""
    return (f"{held.org_name}是基层工会委员会，同一时间只能覆盖一家企业，"
            f"与{held.enterprise_name}的覆盖（{held.start:%Y-%m-%d} 至 {day(held.end)}）重叠："
            "多家企业联合建会请使用联合基层工会或工会联合会。")


def coverage_clashes(periods: Iterable[Period], *, only_touched: bool = False
                     ) -> Iterator[tuple[Period, Period, str]]:
    """Every breach of the two overlap rules among `periods`, with its message: one
    enterprise covered by two organisations at once; one 基层工会委员会 covering two
    enterprises at once."""
    by_enterprise: dict[int, list[Period]] = {}
    by_org: dict[Any, list[Period]] = {}
    for p in periods:
        by_enterprise.setdefault(p.enterprise_id, []).append(p)
        by_org.setdefault(p.org if isinstance(p.org, int) else id(p.org), []).append(p)
    for spans in by_enterprise.values():
        for a, b in clashes(spans, only_touched=only_touched):
            yield a, b, enterprise_clash_message(a, b)
    for spans in by_org.values():
        if spans[0].org_kind == OrganisationKind.STANDALONE:
            for a, b in clashes(spans, only_touched=only_touched):
                if a.enterprise_id != b.enterprise_id:
                    yield a, b, committee_clash_message(a, b)


def overlapping_q(start: dt.date, end: dt.date | None) -> Q:
    """Coverages sharing a day with [start, end)."""
    q = Q(end_on__isnull=True) | Q(end_on__gt=start)
    return q & Q(start_on__lt=end) if end is not None else q


def joint_union_warning(name: str, kind: str, covered: int) -> str | None:
    """A joint union or federation should cover two or more enterprises (DOMAIN.md §1)."""
    if kind == OrganisationKind.STANDALONE or covered >= 2:
        return None
    return (f"{name}（{OrganisationKind(kind).label}）只覆盖 {covered} 家企业：联合建会通常应覆盖"
            "两家及以上企业，请核对是否漏填了企业。")


# --- end dates -------------------------------------------------------------------------------
# An enterprise moving from one organisation to another ends the old coverage on the day the new
# one starts (unionized on every day). Dissolving an organisation ends its open coverage that
# day, or the day after the coverage began if it began on that very day (a period has a day).


def coverage_end_on_dissolution(dissolved_on: dt.date, start_on: dt.date) -> dt.date:
    return max(dissolved_on, start_on + ONE_DAY)


def coverage_end_on_move(new_start: dt.date) -> dt.date:
    return new_start


# --- members counted on D --------------------------------------------------------------------
# A person who joined on or before D, has not left on or before D, and whose enterprise is
# unionized on D (in scope and covered). A member belongs on D to the organisation covering
# their enterprise on D. A person counts once (by the blind index of the ID number).


def membership_holds(joined_on: dt.date, left_on: dt.date | None, on: dt.date) -> bool:
    return holds(joined_on, left_on, on)


def membership_q(on: dt.date, prefix: str = "") -> Q:
    return holds_q(f"{prefix}joined_on", f"{prefix}left_on", on)


def counted_q(on: dt.date, coverages) -> Q:
    """Memberships that count on `on` (over Member rows; `coverages` is the Coverage manager)."""
    return (membership_q(on) & in_scope_q(on, "enterprise__")
            & Q(Exists(covering(coverages, on, "enterprise"))))


def not_covered_message(name: str, on: dt.date) -> str:
    return (f"{name}在入会日期 {on:%Y-%m-%d} 没有工会组织覆盖：请先建立工会或纳入联合会，"
            "或把入会日期改为覆盖开始之后。")


def left_before_joined_message() -> str:
    return "离会日期必须晚于入会日期（离会日期是不再是会员的第一天）。"


# --- one membership at a time ----------------------------------------------------------------

def membership_clash_message(other_enterprise: str | None, joined: dt.date,
                             left: dt.date | None) -> str:
    """The person already holds a membership overlapping the new one; `other_enterprise` is
    None when that membership lies outside the user's scope (then neither its enterprise nor
    its dates are named)."""
    if other_enterprise is None:
        return ("此人在您管辖范围以外的企业已有会籍；同一人同一时间只能是一个工会组织的会员。"
                "请核对身份证号；如确为此人，请联系县总工会办理原会籍的离会。")
    return (f"此人已是{other_enterprise}的会员（{joined:%Y-%m-%d} 入会"
            + (f"，{left:%Y-%m-%d} 离会" if left else "") +
            "）；同一人同一时间只能是一个工会组织的会员。请先办理原会籍的离会，离会日期不晚于新的入会日期。")


# --- who a union chair reaches ---------------------------------------------------------------
# Reading: their organisations, the enterprises these cover or have covered (a chair keeps the
# history of an enterprise that moved on), and those enterprises' members of the organisations'
# time (not the people who joined after the enterprise moved on, nor those who left before it
# came). Writing: only what their organisations cover today.


def reached_enterprises(coverages, organisations) -> Any:
    """Ids of the enterprises `organisations` cover or have covered (a subquery)."""
    return coverages.filter(organisation__in=organisations).values("enterprise_id")


def reached_members_q(coverages, organisations) -> Q:
    """Over Member rows: memberships overlapping a coverage of their enterprise by one of
    `organisations`."""
    left = Coalesce(OuterRef("left_on"), Value(dt.date.max), output_field=DateField())
    return Q(Exists(coverages.filter(
        organisation__in=organisations, enterprise=OuterRef("enterprise"), start_on__lt=left,
    ).filter(Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("joined_on")))))


def reaches_today(coverages, organisations, enterprise_id: int, on: dt.date) -> bool:
    """May a chair of `organisations` act on the enterprise (and its members) on `on`?"""
    return coverages.filter(covers_q(on), enterprise_id=enterprise_id,
                            organisation__in=organisations).exists()
