"""Daily reports: completeness and timeliness per area (submitted / due, on time / due) over
the working days of the concentrated action, with a configurable cut-off hour; the numbers the
data already knows for a day."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.utils import timezone
from supervision_world import D, make_world

from jianhui.supervision import reports
from jianhui.supervision.models import DailyReport, SupervisionRules


def test_completeness_and_timeliness_with_the_cut_off_hour(build):
    campaign, towns, _ = make_world(build)
    town = towns["甲镇"]
    # Working days 8-1 … 8-10: 1 2 3 4 7 8 9 10 (eight). 8-4 missing; 8-8 sent at 19:30.
    for day in [D(2023, 8, d) for d in (1, 2, 3, 7, 8, 9, 10)]:
        hour = dt.time(19, 30) if day.day == 8 else dt.time(9)
        DailyReport.objects.create(campaign=campaign, jurisdiction=town, on=day,
                                   submitted_at=timezone.make_aware(dt.datetime.combine(day, hour)))
    row = next(c for c in reports.completeness(campaign, D(2023, 8, 10)) if c.area == town)
    assert (row.due, row.submitted, row.on_time) == (8, 7, 6)
    assert row.missing == [D(2023, 8, 4)] and row.late == [D(2023, 8, 8)]
    assert (row.completeness, row.timeliness) == (Fraction(7, 8), Fraction(6, 8))
    other = next(c for c in reports.completeness(campaign, D(2023, 8, 10)) if c.area != town)
    assert (other.due, other.submitted, other.completeness) == (8, 0, 0)
    SupervisionRules.objects.create(campaign=campaign, report_cutoff_hour=20)
    campaign.refresh_from_db()
    row = next(c for c in reports.completeness(campaign, D(2023, 8, 10)) if c.area == town)
    assert row.on_time == 7
    assert not reports.report_due(campaign, D(2023, 8, 5))  # a Saturday


def test_prefilled_numbers_come_from_the_data(build):
    campaign, towns, _ = make_world(build)
    known = reports.prefilled(campaign, towns["甲镇"], D(2023, 8, 10))
    assert (known.since, known.new_unions) == (D(2023, 8, 9), 1)
    monday = reports.prefilled(campaign, towns["丙镇"], D(2023, 8, 7))
    assert (monday.since, monday.new_unions) == (D(2023, 8, 4), 0)
