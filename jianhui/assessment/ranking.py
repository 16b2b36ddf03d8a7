"""Ranking and grading, as plain functions over numbers (tested on their own).

Ranking: by total, highest first; equal totals are compared on the tie-break keys in order
(the points of the indicators the scheme names); units still equal share a rank and the next
rank skips (1, 2, 2, 4).

Grades: by thresholds (优秀 ≥ excellent_min, 良好 ≥ good_min, 合格 ≥ pass_min, else 不合格), or
by quotas: the first floor(n × excellent_share) ranks 优秀, the next floor(n × good_share)
良好, units sharing a rank share its grade, and a total below pass_min is 不合格 whatever the
rank.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"


@dataclass
class Entry:
    key: Hashable
    total: Fraction
    tie_break: tuple[Fraction, ...] = ()
    rank: int = 0
    grade: str = ""

    def sort_key(self) -> tuple:
        return (self.total, *self.tie_break)


def rank(entries: Sequence[Entry]) -> list[Entry]:
    """Entries sorted best first with `rank` set (ties share a rank; the next one skips)."""
    ordered = sorted(entries, key=Entry.sort_key, reverse=True)
    previous = None
    for position, e in enumerate(ordered, start=1):
        if previous is None or e.sort_key() != previous.sort_key():
            e.rank = position
        else:
            e.rank = previous.rank
        previous = e
    return ordered


def grade_by_thresholds(total: Fraction, excellent: Fraction, good: Fraction,
                        passing: Fraction) -> str:
    if total >= excellent:
        return EXCELLENT
    if total >= good:
        return GOOD
    if total >= passing:
        return PASS
    return FAIL


def grade_by_quotas(ranked: Sequence[Entry], excellent_share: Fraction, good_share: Fraction,
                    passing: Fraction) -> None:
    """Set `grade` on ranked entries (their ranks set) by quotas."""
    n = len(ranked)
    excellent_n = math.floor(n * excellent_share)
    good_n = math.floor(n * good_share)
    for e in ranked:
        if e.total < passing:
            e.grade = FAIL
        elif e.rank <= excellent_n:
            e.grade = EXCELLENT
        elif e.rank <= excellent_n + good_n:
            e.grade = GOOD
        else:
            e.grade = PASS
