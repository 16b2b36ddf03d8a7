"""The campaigns a user reaches, and a campaign's page: targets with their progress per area
(completion, 时序进度, red when lagging, from campaign/progress.py), the funnel by stage, the
leading group, the areas with their two leaders, the task forces, trainings and new unions."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.shortcuts import redirect, render
from django.utils import timezone

from jianhui import statistics
from jianhui.lib.scoping import paths_q
from jianhui.regions.models import Jurisdiction

from ..founding import new_unions
from ..models import Attendance, Campaign, CampaignArea, Stage, TaskForce
from ..progress import campaign_progress
from ..stages import funnels
from .common import campaign_day, campaign_of, visible_paths


def campaign_list(request):
    campaigns = list(Campaign.objects.within(request.scope).select_related("jurisdiction"))
    current = Campaign.objects.within(request.scope).for_date(timezone.localdate())
    if len(campaigns) == 1:
        return redirect(campaigns[0].get_absolute_url())
    return render(request, "campaign/list.html", {"campaigns": campaigns, "current": current})


def campaign_detail(request, key: str):
    campaign = campaign_of(request, key)
    on = campaign_day(request, campaign)
    paths = visible_paths(request, campaign)
    areas = list(CampaignArea.objects.within(request.scope).filter(campaign=campaign)
                 .select_related("jurisdiction").prefetch_related("contacts"))
    roots = {a.jurisdiction.code: a.jurisdiction.path for a in areas}
    rows = campaign_progress(campaign, on, scope=request.scope)
    by_area = funnels(campaign, on, roots)
    founded = new_unions(campaign, on, roots)
    tops = list(Jurisdiction.objects.filter(path__in=paths))
    totals = statistics.figures([on], tops)
    attendance = _attendance(campaign, on, roots)
    for a in areas:
        a.funnel = by_area[a.jurisdiction.code]
        a.open_cases = sum(n for s, n in a.funnel.items() if s != Stage.FOUNDED)
        a.new_unions = founded[a.jurisdiction.code]
        a.new_complete = sum(c.complete for c in a.new_unions)
        a.new_unfinished = len(a.new_unions) - a.new_complete
        a.attendance = attendance.get(a.jurisdiction.code, 0)
    stages = list(Stage)
    chart = {"stages": [s.label for s in stages],
             "counts": [sum(a.funnel[s] for a in areas) for s in stages]}
    return render(request, "campaign/detail.html", {
        "campaign": campaign, "on": on, "rows": rows, "areas": areas, "stages": stages,
        "lagging": sum(p.lagging for p in rows),
        "totals": [(j, totals[on, j.code]) for j in tops],
        "leading_group": campaign.leading_group.all(),
        "task_forces": TaskForce.objects.within(request.scope).filter(campaign=campaign)
        .prefetch_related("members", "areas"),
        "trainings": campaign.trainings.filter(on__lte=on).filter(
            paths_q("jurisdiction__path", paths) | paths_q("attendees__jurisdiction__path", paths))
        .distinct().count(),
        "chart": chart, "in_action": campaign.in_action(on),
        "attendance_total": sum(a.attendance for a in areas),
    })


def _attendance(campaign: Campaign, on, roots: dict[str, str]) -> dict[str, int]:
    """Attendees of the campaign's trainings held by `on`, rolled up to each area."""
    rows = Attendance.objects.filter(training__campaign=campaign, training__on__lte=on).filter(
        paths_q("jurisdiction__path", list(roots.values()))).values_list("jurisdiction__path")
    counts: Counter = Counter()
    by_path: dict[str, int] = defaultdict(int)
    for (path,) in rows:
        by_path[path] += 1
    for key, root in roots.items():
        counts[key] = sum(n for p, n in by_path.items() if p.startswith(root))
    return dict(counts)
