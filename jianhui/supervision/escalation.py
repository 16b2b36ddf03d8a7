"""The escalation ladder: rules propose, a leader confirms (DOMAIN.md §5.5).

Three triggers, each with its own threshold from the campaign's SupervisionRules:
- 行动慢 (slow): daily reports missing or late M times in the reporting period so far, or a
  rectification item of an inspection overdue;
- 进展不大 (stalled): no gain in the area's primary target figure over N working days, or
  lagging in N consecutive bulletins;
- 没有完成计划目标 (missed): below target at the deadline.
An area with no open escalation that meets a trigger gets a proposed 书面通报批评; an open one
whose confirmed criticism (or talk) is M working days old while the area still lags gets the
next step proposed (主席约谈, then 限期整改). Nothing moves without a person: `confirm`,
`withdraw` (with a reason) and, for 限期整改, the task force's `close` once every item is
verified. Progress comes from campaign.progress, reports from reports.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from jianhui.campaign.models import Campaign
from jianhui.lib.workdays import add_working_days, count_working_days
from jianhui.regions.models import Jurisdiction

from . import reports
from .bulletin import primary_progress
from .models import (
    Escalation,
    EscalationStep,
    RectificationItem,
    StepKind,
    StepStatus,
    SupervisionRules,
    Trigger,
)
from .models.escalations import LADDER


class EscalationError(Exception):
    """A step that cannot be taken (Chinese message)."""


@dataclass
class Proposal:
    jurisdiction: Jurisdiction
    kind: str
    trigger: str
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)
    escalation: Escalation | None = None  # the open escalation a next step belongs to


def _pct(value) -> str:
    from .documents import pct

    return pct(float(value))


def triggers(campaign: Campaign, on: dt.date) -> dict[str, tuple[str, str, dict]]:
    """Area code → (trigger, reason, facts) for the areas meeting a trigger on `on`; the
    gravest trigger wins (missed, then stalled, then slow)."""
    rules = SupervisionRules.of(campaign)
    now = primary_progress(campaign, on)
    earlier_on = add_working_days(on, -rules.stalled_days)
    earlier = primary_progress(campaign, earlier_on)
    recent = list(campaign.bulletins.filter(on__lte=on, corrections__isnull=True)
                  .order_by("-on", "-issue_no")[:rules.lagging_bulletins])
    found: dict[str, tuple[str, str, dict]] = {}
    # Reports missed or late up to an earlier escalation of the area have been acted on.
    acted: dict[str, dt.date] = {}
    for code, opened in Escalation.objects.filter(campaign=campaign).values_list(
            "jurisdiction__code", "opened_on"):
        acted[code] = max(opened, acted.get(code, opened))
    for c in reports.completeness(campaign, on):
        since = acted.get(c.area.code, dt.date.min)
        missing = [d for d in c.missing if d > since]
        late = [d for d in c.late if d > since]
        if len(missing) + len(late) >= rules.slow_reports:
            found[c.area.code] = (Trigger.SLOW, (
                f"集中行动以来日报未报{len(missing)}次、迟报{len(late)}次，"
                f"达到{rules.slow_reports}次。"),
                {"missing": [d.isoformat() for d in missing],
                 "late": [d.isoformat() for d in late], "threshold": rules.slow_reports})
    overdue = RectificationItem.objects.filter(
        inspection__campaign=campaign, done_on__isnull=True, due_on__lt=on)
    for code, text, due in overdue.values_list("jurisdiction__code", "text", "due_on"):
        if code not in found:
            found[code] = (Trigger.SLOW, f"督导整改事项“{text}”已过整改时限（{due:%Y-%m-%d}）仍未完成。",
                           {"overdue_item": text, "due_on": due.isoformat()})
    for code, p in now.items():
        facts = {"completion": float(p.completion), "time_progress": float(p.time_progress),
                 "achieved": float(p.achieved), "target": float(p.goal),
                 "target_kind": p.target.kind}
        if on >= p.target.deadline and p.completion < 1:
            found[code] = (Trigger.MISSED, (
                f"截至完成时限（{p.target.deadline:%Y-%m-%d}），{p.target.get_kind_display()}完成"
                f"{p.shown(p.achieved)}，目标{p.shown(p.goal)}，完成进度{_pct(p.completion)}。"),
                facts)
            continue
        if p.completion >= 1:
            continue
        before = earlier.get(code)
        lagging_in = [b.issue_no for b in recent if code in b.content.get("lagging", [])]
        if before is not None and p.achieved <= before.achieved and p.lagging:
            found[code] = (Trigger.STALLED, (
                f"{earlier_on.month}月{earlier_on.day}日以来连续{rules.stalled_days}个工作日"
                f"{p.target.get_kind_display()}没有增长（仍为{p.shown(p.achieved)}），完成进度"
                f"{_pct(p.completion)}，低于时序进度{_pct(p.time_progress)}。"),
                facts | {"since": earlier_on.isoformat(), "achieved_before": float(before.achieved)})
        elif len(recent) >= rules.lagging_bulletins and len(lagging_in) == len(recent):
            found[code] = (Trigger.STALLED, (
                f"连续{len(recent)}期通报（第{'、'.join(map(str, sorted(lagging_in)))}期）进度滞后，"
                f"完成进度{_pct(p.completion)}，时序进度{_pct(p.time_progress)}。"),
                facts | {"lagging_bulletins": sorted(lagging_in)})
    return found


def evaluate(campaign: Campaign, on: dt.date) -> list[Proposal]:
    """What the rules propose on `on`, without saving anything."""
    rules = SupervisionRules.of(campaign)
    places = {a.code: a for a in reports.areas(campaign)}
    found = triggers(campaign, on)
    progress = primary_progress(campaign, on)
    open_cases = {e.jurisdiction.code: e for e in
                  Escalation.objects.open().filter(campaign=campaign)
                  .select_related("jurisdiction")}
    out = []
    for code, area in places.items():
        case = open_cases.get(code)
        if case is None:
            if code in found:
                trigger, reason, facts = found[code]
                out.append(Proposal(area, StepKind.CRITICISM, trigger, reason, facts))
            continue
        step = case.current()
        if step is None or step.status != StepStatus.CONFIRMED:
            continue  # a step awaits confirmation
        if step.kind not in (StepKind.CRITICISM, StepKind.TALK):
            continue
        since = step.confirmed_at.astimezone(timezone.get_current_timezone()).date()
        waited = count_working_days(since + dt.timedelta(days=1), on)
        p = progress.get(code)
        if waited >= rules.escalate_after_days and p is not None and p.lagging:
            nxt = LADDER[LADDER.index(step.kind) + 1]
            out.append(Proposal(area, nxt, case.trigger, (
                f"{step.get_kind_display()}（{since:%Y-%m-%d}确认）后{waited}个工作日仍进度滞后：完成进度"
                f"{_pct(p.completion)}，时序进度{_pct(p.time_progress)}。"),
                {"completion": float(p.completion), "time_progress": float(p.time_progress),
                 "after": step.kind, "working_days": waited}, escalation=case))
    return out


@transaction.atomic
def propose(campaign: Campaign, on: dt.date, *, user=None) -> list[EscalationStep]:
    """Record what the rules propose on `on` as steps awaiting confirmation."""
    made = []
    for p in evaluate(campaign, on):
        case = p.escalation or Escalation.objects.create(
            campaign=campaign, jurisdiction=p.jurisdiction, trigger=p.trigger, opened_on=on)
        made.append(EscalationStep.objects.create(
            escalation=case, kind=p.kind, on=on, facts=p.facts, reason=p.reason,
            proposed_by=user, proposed_by_name=_name(user) if user else "督办规则"))
    return made


def _name(user) -> str:
    return (getattr(user, "first_name", "") or getattr(user, "username", "")) if user else ""


@transaction.atomic
def confirm(step: EscalationStep, user, *, talk_on: dt.date | None = None) -> EscalationStep:
    """A leader confirms a proposed step; a criticism's notice is issued with it."""
    if step.status != StepStatus.PROPOSED:
        raise EscalationError(f"该步骤{step.get_status_display()}，不能再确认。")
    step.status, step.confirmed_by, step.confirmed_at = (StepStatus.CONFIRMED, user,
                                                         timezone.now())
    fields = ["status", "confirmed_by", "confirmed_at"]
    if step.kind == StepKind.CRITICISM:
        from .documents import criticism_notice

        step.notice = criticism_notice(step)
        fields.append("notice")
    if step.kind == StepKind.TALK and talk_on:
        step.talk_on = talk_on
        fields.append("talk_on")
    step.save(update_fields=fields)
    return step


@transaction.atomic
def withdraw(step: EscalationStep, user, reason: str) -> EscalationStep:
    """Withdraw a step with a reason; withdrawing the first step withdraws the escalation."""
    if not reason.strip():
        raise EscalationError("撤回须说明理由。")
    if step.status == StepStatus.WITHDRAWN or not step.escalation.is_open:
        raise EscalationError("该督办事项已撤回或已办结，不能再撤回。")
    step.status, step.withdrawn_by, step.withdrawn_at = (StepStatus.WITHDRAWN, user,
                                                         timezone.now())
    step.withdraw_reason = reason.strip()
    step.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason"])
    case = step.escalation
    if not case.steps.exclude(status=StepStatus.WITHDRAWN).exists():
        case.withdrawn_at = step.withdrawn_at
        case.save(update_fields=["withdrawn_at"])
    return step


@transaction.atomic
def close(case: Escalation, user, on: dt.date) -> EscalationStep:
    """The task force closes a 限期整改 once every rectification item is done and verified."""
    step = case.current()
    if step is None or step.kind != StepKind.RECTIFY or step.status != StepStatus.CONFIRMED:
        raise EscalationError("只有已确认的限期整改才能办结。")
    items = list(case.items.all())
    if not items:
        raise EscalationError("限期整改还没有整改事项：请先列出整改事项、责任人和时限。")
    pending = [i.text for i in items if i.verified_at is None]
    if pending:
        raise EscalationError(f"还有{len(pending)}项整改未经核验：{'；'.join(pending[:3])}。")
    now = timezone.now()
    closing = EscalationStep.objects.create(
        escalation=case, kind=StepKind.CLOSE, on=on, status=StepStatus.CONFIRMED,
        reason=f"{len(items)}项整改事项均已完成并经专班核验。", facts={"verified_items": len(items)},
        proposed_by=user, proposed_by_name=_name(user), confirmed_by=user, confirmed_at=now)
    case.closed_at = now
    case.save(update_fields=["closed_at"])
    return closing


def verify(item: RectificationItem, user) -> RectificationItem:
    """The task force verifies a completed rectification item."""
    if item.done_on is None or not item.evidence.strip():
        raise EscalationError(f"“{item.text}”尚未填写完成日期和完成情况，不能核验。")
    item.verified_by, item.verified_at = user, timezone.now()
    item.save(update_fields=["verified_by", "verified_at"])
    return item
