"""The inspection schedule (三天一督导): every N working days from the start of the campaign's
concentrated action, per area, kept as Inspection rows so that a record, a photo or an
overdue mark attaches to the scheduled day."""

from __future__ import annotations

import datetime as dt

from jianhui.campaign.models import Campaign
from jianhui.lib.workdays import every_nth_working_day

from . import reports
from .models import Inspection, SupervisionRules


def inspection_days(campaign: Campaign) -> list[dt.date]:
    if not (campaign.action_start and campaign.action_end):
        return []
    every = SupervisionRules.of(campaign).inspection_every
    return every_nth_working_day(campaign.action_start, campaign.action_end, every)


def ensure_schedule(campaign: Campaign) -> int:
    """Create the scheduled inspections that do not exist yet; how many were created. Each
    area's inspections go to the task force sent to it, if any."""
    days = inspection_days(campaign)
    if not days:
        return 0
    forces = {}
    for force in campaign.task_forces.prefetch_related("areas"):
        for area in force.areas.all():
            forces.setdefault(area.pk, force)
    have = set(Inspection.objects.filter(campaign=campaign)
               .values_list("jurisdiction_id", "due_on"))
    new = [Inspection(campaign=campaign, jurisdiction=area, due_on=day,
                      task_force=forces.get(area.pk))
           for area in reports.areas(campaign) for day in days if (area.pk, day) not in have]
    Inspection.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def overdue(campaign: Campaign, on: dt.date, scope=None):
    """The inspections of `campaign` scheduled before `on` and not recorded (within `scope`
    when given): what the campaign's page shows in red."""
    qs = Inspection.objects.filter(campaign=campaign).select_related("jurisdiction")
    if scope is not None:
        qs = qs.within(scope)
    return qs.overdue(on).order_by("due_on", "jurisdiction__path")
