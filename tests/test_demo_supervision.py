"""The demo's concentrated action under supervision: reports, bulletins, inspections and one
full escalation of 辑庆镇, consistent with the demo's numbers and leaving them unchanged."""

from __future__ import annotations

import datetime as dt

from jianhui import statistics
from jianhui.campaign.models import Campaign
from jianhui.demo.supervision import LAGGING_AREA, load_demo_supervision
from jianhui.supervision.bulletin import primary_progress
from jianhui.supervision.models import Bulletin, DailyReport, Escalation, Inspection, StepKind

D = dt.date


def test_demo_supervision_is_consistent_and_changes_no_statistic(demo):
    on = D(2023, 9, 29)
    before = statistics.figures([on], [demo])[on, demo.code]
    counts = load_demo_supervision(bulletin_days=2)
    assert load_demo_supervision() is None  # run again: nothing more
    after = statistics.figures([on], [demo])[on, demo.code]
    assert after == before
    assert (after.enterprises, after.unionized, after.standalone, after.covered,
            after.members) == (164, 161, 96, 65, 15028)
    campaign = Campaign.objects.get(key="2023-zj")
    # 43 working days × 4 areas, less the two days 辑庆镇 did not report.
    assert counts["daily_reports"] == DailyReport.objects.filter(campaign=campaign).count() == 170
    assert list(Bulletin.objects.filter(campaign=campaign).order_by("issue_no")
                .values_list("issue_no", "on")) == [(1, D(2023, 8, 1)), (2, D(2023, 8, 2))]
    assert [i.jurisdiction.name for i in Inspection.objects.filter(campaign=campaign)
            .overdue(on)] == ["兴隆镇"]
    case = Escalation.objects.get(campaign=campaign, jurisdiction__code=LAGGING_AREA)
    assert not case.is_open and case.closed_at is not None
    steps = list(case.steps.order_by("pk"))
    assert [s.kind for s in steps] == [StepKind.CRITICISM, StepKind.TALK, StepKind.RECTIFY,
                                       StepKind.CLOSE]
    assert steps[0].notice and all(s.confirmed_by for s in steps)
    # The numbers that triggered the criticism are the campaign's progress on that day.
    progress = primary_progress(campaign, steps[0].on)[LAGGING_AREA]
    assert steps[0].facts["completion"] == float(progress.completion)
    assert progress.lagging and 0.8 < progress.completion < 0.84
    assert case.items.count() == 2 and not case.items.filter(verified_at__isnull=True).exists()
