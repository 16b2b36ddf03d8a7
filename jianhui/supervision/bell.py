"""What each user must do today (the bell): reports due, inspections due or overdue, items
overdue, escalations to confirm. Computed on request from the records; nothing is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from jianhui.campaign.models import AreaContact, Campaign, ContactRole, TaskForceMember

from . import reports
from .models import (
    ActionItem,
    DailyReport,
    EscalationStep,
    Inspection,
    RectificationItem,
    StepStatus,
)


@dataclass(frozen=True)
class Task:
    kind: str  # 日报 / 督导 / 事项 / 督办
    text: str
    url: str
    overdue: bool = False


def tasks(user, scope, on: dt.date, *, may_confirm: bool = False) -> list[Task]:
    out: list[Task] = []
    active = Campaign.objects.filter(start_on__lte=on, deadline__gte=on)
    for contact in (AreaContact.objects.filter(user=user, role=ContactRole.OFFICER,
                                               area__campaign__in=active)
                    .select_related("area__campaign", "area__jurisdiction")):
        campaign, area = contact.area.campaign, contact.area.jurisdiction
        if reports.report_due(campaign, on) and not DailyReport.objects.filter(
                campaign=campaign, jurisdiction=area, on=on).exists():
            out.append(Task("日报", f"{area.name} {on:%m-%d} 日报未报送",
                            f"/supervision/{campaign.key}/reports/{area.code}/{on:%Y-%m-%d}/"))
    forces = TaskForceMember.objects.filter(user=user).values_list("task_force_id", flat=True)
    for i in (Inspection.objects.filter(task_force__in=list(forces), due_on__lte=on,
                                        done_on__isnull=True)
              .select_related("campaign", "jurisdiction").order_by("due_on")[:20]):
        out.append(Task("督导", f"{i.jurisdiction.name} {i.due_on:%m-%d} 督导"
                        + ("已逾期" if i.due_on < on else "今日到期"),
                        f"/supervision/{i.campaign.key}/inspections/{i.jurisdiction.code}/"
                        f"{i.due_on:%Y-%m-%d}/", overdue=i.due_on < on))
    for item in (ActionItem.objects.open().filter(owner_user=user, due_on__lte=on)
                 .select_related("meeting__campaign")):
        out.append(Task("事项", f"{item.text}（{item.due_on:%m-%d} 到期）",
                        f"/supervision/{item.meeting.campaign.key}/meetings/"
                        f"{item.meeting.held_on:%Y-%m-%d}/", overdue=item.due_on < on))
    for item in (RectificationItem.objects.filter(owner_user=user, done_on__isnull=True,
                                                  due_on__lte=on)
                 .select_related("escalation__campaign", "inspection__campaign")):
        parent = item.escalation or item.inspection
        url = (f"/supervision/{parent.campaign.key}/escalations/{item.escalation_id}/"
               if item.escalation_id else
               f"/supervision/{parent.campaign.key}/inspections/{item.jurisdiction.code}/"
               f"{item.inspection.due_on:%Y-%m-%d}/")
        out.append(Task("整改", f"{item.text}（{item.due_on:%m-%d} 到期）", url,
                        overdue=item.due_on < on))
    if may_confirm:
        steps = (EscalationStep.objects.filter(status=StepStatus.PROPOSED,
                                               escalation__closed_at__isnull=True,
                                               escalation__withdrawn_at__isnull=True)
                 .select_related("escalation__jurisdiction", "escalation__campaign"))
        if scope.paths is not None:
            q = Q(pk__in=[])
            for path in scope.right_paths("confirm_escalation") or ():
                q |= Q(escalation__jurisdiction__path__startswith=path)
            steps = steps.filter(q)
        for s in steps[:20]:
            e = s.escalation
            out.append(Task("督办", f"待确认：{e.jurisdiction.name}{s.get_kind_display()}",
                            f"/supervision/{e.campaign.key}/escalations/{e.pk}/"))
    return out
