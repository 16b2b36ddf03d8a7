"""Working days follow the State Council calendar (chinese-calendar), adjusted weekends included."""

from __future__ import annotations

import datetime as dt

from jianhui.lib.workdays import (
    add_working_days,
    count_working_days,
    every_nth_working_day,
    holiday_name,
    is_working_day,
    next_working_day,
    previous_working_day,
)

D = dt.date


def test_national_day_and_mid_autumn_2023_with_the_adjusted_weekend():
    # 2023: 9-29 (Fri, 中秋) to 10-6 off; Sat 10-7 and Sun 10-8 are working days (调休).
    assert not is_working_day(D(2023, 9, 29))
    assert holiday_name(D(2023, 9, 29)) == "中秋节"
    assert holiday_name(D(2023, 10, 2)) == "国庆节"
    assert is_working_day(D(2023, 10, 7)) and is_working_day(D(2023, 10, 8))
    assert next_working_day(D(2023, 9, 28)) == D(2023, 10, 7)
    assert previous_working_day(D(2023, 10, 7)) == D(2023, 9, 28)
    assert add_working_days(D(2023, 9, 27), 3) == D(2023, 10, 8)
    assert add_working_days(D(2023, 10, 8), -3) == D(2023, 9, 27)
    assert count_working_days(D(2023, 9, 25), D(2023, 10, 8)) == 6  # 25–28, 7, 8


def test_plain_weekends_and_the_end_of_the_package_calendar():
    assert not is_working_day(D(2023, 8, 5)) and is_working_day(D(2023, 8, 7))
    assert count_working_days(D(2023, 8, 1), D(2023, 8, 31)) == 23
    assert count_working_days(D(2023, 8, 2), D(2023, 8, 1)) == 0
    # A year the package has no table for falls back to Monday–Friday instead of raising.
    assert is_working_day(D(2099, 6, 1)) and not is_working_day(D(2099, 6, 6))


def test_every_third_working_day_from_the_action_start():
    days = every_nth_working_day(D(2023, 9, 20), D(2023, 10, 12), 3)
    # Working days: 9-20 21 22 25 26 27 28 | 10-7 8 9 10 11 12
    assert days == [D(2023, 9, 20), D(2023, 9, 25), D(2023, 9, 28), D(2023, 10, 9),
                    D(2023, 10, 12)]
