"""The campaigns a user reaches, and a campaign's page: targets with their progress per area
(completion, 时序进度, red when lagging, from campaign/progress.py), the funnel by stage, the
leading group, the areas with their two leaders, the task forces, trainings and new unions."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from jianhui.accounts.rights import Right
from jianhui.lib.scoping import paths_q
from jianhui.regions.models import Jurisdiction
from jianhui.web.editing import require_edit

from .. import services
from ..founding import new_unions
from ..models import Attendance, Campaign, CampaignArea, Stage, TaskForce
from ..progress import campaign_targets, figures_for, progress
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
    tops = list(Jurisdiction.objects.filter(path__in=paths))
    targets = campaign_targets(campaign, request.scope)
    # One statistics call for the targets' progress and the headline of the user's area.
    grid = figures_for(targets, on, also=tops)
    rows = progress(targets, on, grid=grid)
    by_area = funnels(campaign, on, roots)
    founded = new_unions(campaign, on, roots)
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
        "totals": [(j, grid[on, j.code]) for j in tops],
        "leading_group": campaign.leading_group.all(),
        "task_forces": TaskForce.objects.within(request.scope).filter(campaign=campaign)
        .prefetch_related("members", "areas"),
        "trainings": campaign.trainings.filter(on__lte=on).filter(
            paths_q("jurisdiction__path", paths) | paths_q("attendees__jurisdiction__path", paths))
        .distinct().count(),
        "chart": chart, "in_action": campaign.in_action(on),
        "attendance_total": sum(a.attendance for a in areas),
        "can_copy": request.scope.holds(Right.EDIT, campaign.jurisdiction),
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


class CopyForm(forms.Form):
    key = forms.CharField(label="新行动编号", max_length=32,
                          help_text="小写字母、数字和连字符，例如 2024-zj。")
    name = forms.CharField(label="新行动名称", max_length=128)
    years = forms.IntegerField(label="日期顺延（年）", min_value=1, max_value=5, initial=1)

    def clean_key(self):
        key = self.cleaned_data["key"].strip().lower()
        if Campaign.objects.filter(key=key).exists():
            raise forms.ValidationError(f"行动编号“{key}”已被使用，请换一个。")
        return key


def _next_year(text: str, years: int = 1) -> str:
    return re.sub(r"(19|20)\d\d", lambda m: str(int(m.group(0)) + years), text, count=1)


def campaign_copy(request, key: str):
    """Next year's campaign from this one: the same scope, leading group, areas with their
    people, and targets with dates moved on (their values to be revised)."""
    campaign = campaign_of(request, key)
    require_edit(request.user, campaign.jurisdiction)
    form = CopyForm(request.POST or None, initial={
        "key": _next_year(campaign.key), "name": _next_year(campaign.name)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = services.copy_campaign(campaign, key=d["key"], name=d["name"], years=d["years"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已复制为“{new.name}”（{new.key}）：请核对目标值和包片人员。")
            return redirect(new.get_absolute_url())
    return render(request, "campaign/copy.html", {"campaign": campaign, "form": form})
