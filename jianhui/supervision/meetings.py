"""The weekly progress meeting's material, gathered from progress, escalations and items."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from jianhui.campaign.models import Campaign

from .bulletin import primary_progress
from .documents import meeting_material
from .models import ActionItem, Escalation, RectificationItem


def material(campaign: Campaign, week_end: dt.date) -> bytes:
    """The .docx for the week ending `week_end`: progress per area since a week before, the
    lagging areas, open escalations, and items due by a week after or overdue."""
    now = primary_progress(campaign, week_end)
    before = primary_progress(campaign, week_end - dt.timedelta(days=7))
    rows = [(p.jurisdiction.name, float(before[code].completion) if code in before else 0.0,
             float(p.completion), float(p.time_progress), p.lagging) for code, p in now.items()]
    escalations = list(Escalation.objects.open().filter(campaign=campaign)
                       .select_related("jurisdiction"))
    horizon = week_end + dt.timedelta(days=7)
    items = []
    for item in ActionItem.objects.open().filter(meeting__campaign=campaign, due_on__lte=horizon):
        items.append((item.text, item.owner, item.due_on,
                      "逾期" if item.is_overdue(week_end) else "到期"))
    for item in RectificationItem.objects.filter(
            Q(inspection__campaign=campaign) | Q(escalation__campaign=campaign),
            done_on__isnull=True, due_on__lte=horizon).select_related("jurisdiction"):
        items.append((f"{item.jurisdiction.name}整改：{item.text}", item.owner, item.due_on,
                      "逾期" if item.is_overdue(week_end) else "到期"))
    items.sort(key=lambda i: i[2])
    return meeting_material(campaign, week_end, progress_rows=rows, escalations=escalations,
                            items=items)
