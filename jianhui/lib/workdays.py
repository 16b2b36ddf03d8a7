"""Working days by the State Council's holiday calendar, with its adjusted working weekends
(调休), from the `chinese-calendar` package. Years the package does not know yet fall back to
Monday–Friday, so a date far ahead never raises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import chinese_calendar

DAY = dt.timedelta(days=1)


def is_working_day(on: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(on)
    except NotImplementedError:  # a year the package has no calendar for
        return on.weekday() < 5


def holiday_name(on: dt.date) -> str | None:
    """The Chinese name of the statutory holiday on `on` (国庆节, 中秋节 ...), if any."""
    names = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
             "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
             "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "纪念日"}
    try:
        holiday, name = chinese_calendar.get_holiday_detail(on)
    except NotImplementedError:
        return None
    return names.get(name, name) if holiday and name else None


def working_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The working days of [start, end], both included, in order."""
    on = start
    while on <= end:
        if is_working_day(on):
            yield on
        on += DAY


def count_working_days(start: dt.date, end: dt.date) -> int:
    """How many working days [start, end] holds, both included (0 when end < start)."""
    return sum(1 for _ in working_days(start, end))


def next_working_day(on: dt.date) -> dt.date:
    """The first working day after `on`."""
    on += DAY
    while not is_working_day(on):
        on += DAY
    return on


def previous_working_day(on: dt.date) -> dt.date:
    """The last working day before `on`."""
    on -= DAY
    while not is_working_day(on):
        on -= DAY
    return on


def add_working_days(on: dt.date, n: int) -> dt.date:
    """The n-th working day after `on` (before it for negative n); `on` itself for 0."""
    step = next_working_day if n >= 0 else previous_working_day
    for _ in range(abs(n)):
        on = step(on)
    return on


def every_nth_working_day(start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    """Working days 1, 1+n, 1+2n ... of [start, end] (the first working day on or after start
    counts as the first): "every three working days" is n=3."""
    days = list(working_days(start, end))
    return days[::n]
