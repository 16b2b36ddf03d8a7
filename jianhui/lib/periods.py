"""Dated periods: every effective period in Jianhui is [start, end).

DOMAIN.md §2 "End dates": an end date (注销日期, 撤销日期, 离会日期, 覆盖结束日期) is the first
day on which the thing no longer holds; a missing start means "since always" only where a rule
says so (an enterprise with an unknown founding date), a missing end means "still holds".

Each helper comes as a plain function and its ORM twin (a Q over two field lookups), so that a
rule written once reads the same for one row in memory and for a whole table in SQL.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q


def holds(start: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    """Does [start, end) hold on `on`? A missing start holds since always."""
    return (start is None or start <= on) and (end is None or end > on)


def holds_q(start: str, end: str, on: dt.date, *, open_start: bool = False) -> Q:
    """The ORM twin of `holds` over the lookups `start` and `end`. With `open_start`, a null
    start holds since always (otherwise a null start never holds, as in SQL)."""
    begun = Q(**{f"{start}__lte": on})
    if open_start:
        begun |= Q(**{f"{start}__isnull": True})
    return begun & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def overlaps(a_start: dt.date, a_end: dt.date | None,
             b_start: dt.date, b_end: dt.date | None) -> bool:
    """Do [a_start, a_end) and [b_start, b_end) share a day?"""
    return (a_end is None or a_end > b_start) and (b_end is None or b_end > a_start)


def overlaps_q(start: str, end: str, a: dt.date, b: dt.date | None) -> Q:
    """The ORM twin of `overlaps`: rows whose [start, end) shares a day with [a, b)."""
    q = Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": a})
    if b is not None:
        q &= Q(**{f"{start}__lt": b})
    return q


def day(value: dt.date | None, open_end: str = "今") -> str:
    """A period's bound as written in messages: 2023-09-29, or 今 for an open end."""
    return f"{value:%Y-%m-%d}" if value else open_end
