"""Time-elapsed progress (时序进度) of DOMAIN.md §2."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction


def time_elapsed_progress(start: dt.date, deadline: dt.date, on: dt.date) -> Fraction:
    """时序进度 = (D − start + 1) / (deadline − start + 1), clamped to [0, 1]."""
    span = (deadline - start).days + 1
    if span <= 0:
        return Fraction(1)
    value = Fraction((on - start).days + 1, span)
    return min(max(value, Fraction(0)), Fraction(1))
