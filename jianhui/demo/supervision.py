"""The demo county's concentrated action (2023-08-01 → 2023-09-28) under supervision: a daily
report from each area on every working day, the bulletins 第1期 … issued each evening,
inspections every three working days, a weekly progress meeting on Fridays, and one full
escalation of 辑庆镇, whose unionized enterprises stand still at about 82% of its target
from mid-August to mid-September: criticism, a talk with the chairman, rectification with
deadlines, verified and closed.

It adds records only: no enterprise, union or member changes, so every statistic of the demo
is what it was. The numbers in the reports are the data's own (with an occasional typo an
officer would make); bulletins and escalations are produced by the same functions the pages
use. Deterministic; loaded after the demo campaign; run again, it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from jianhui.audit.log import operator, record
from jianhui.audit.models import Action
from jianhui.audit.tracking import untracked
from jianhui.campaign.models import Campaign
from jianhui.lib.workdays import add_working_days, working_days
from jianhui.supervision import escalation as ladder
from jianhui.supervision import reports
from jianhui.supervision.bulletin import issue, reuse_figures
from jianhui.supervision.models import (
    ActionItem,
    Bulletin,
    DailyReport,
    Escalation,
    EscalationStep,
    Inspection,
    Meeting,
    Rating,
    RectificationItem,
    StepKind,
)
from jianhui.supervision.schedule import ensure_schedule

from .campaign import KEY

SEED = 20230801
LAGGING_AREA = "510623117"  # 辑庆镇
ESCALATION_DAY = dt.date(2023, 8, 17)  # criticism proposed and confirmed
UNRECORDED_AREA = "510623118"  # 兴隆镇's last inspection is left unrecorded: overdue
INSPECTORS = {"第一督导专班": "刘志强、张明", "第二督导专班": "王秀英、赵军"}
PROBLEMS = ["部分企业负责人对建会有顾虑，需再次上门宣讲。", "个别企业职工流动大，会员信息采集不全。",
            "新投产企业尚未完成职工人数摸底。", "联合会吸纳企业进度偏慢，需镇党委协调。", ""]
PLANS = ["继续走访未建会企业，做好筹备建会工作。", "组织企业召开职工大会，推进会员登记。",
         "核对会员名册，补录身份证号和入会日期。", "配合督导专班开展实地督导。"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load_demo_supervision(bulletin_days: int | None = None) -> dict[str, int] | None:
    """Load the demo's supervision records; None when there is no demo campaign or they exist.
    `bulletin_days` limits the bulletins to the first N working days (tests)."""
    campaign = Campaign.objects.filter(key=KEY).select_related("jurisdiction").first()
    if campaign is None or campaign.daily_reports.exists():
        return None
    with transaction.atomic(), untracked(), reuse_figures():
        counts = _load(campaign, bulletin_days)
        record(Action.IMPORT, model="supervision.DailyReport", object_key=campaign.key,
               object_repr=campaign.name, username=operator(),
               detail={"kind": "demo_supervision", **counts})
    return counts


def _load(campaign: Campaign, bulletin_days: int | None) -> dict[str, int]:
    rng = random.Random(SEED)
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["admin", "leader", "zhuanban", "gaoxin", "kaizhou", "jiqing", "xinglong"])}
    officers = {}
    for area in campaign.areas.select_related("jurisdiction").prefetch_related("contacts"):
        officers[area.jurisdiction.code] = next(
            (c.user for c in area.contacts.all() if c.user_id), None)
    places = reports.areas(campaign)
    days = list(working_days(campaign.action_start, campaign.action_end))
    known = reports.prefilled_series(campaign, places, days)
    issued = 0
    for n, day in enumerate(days):
        _reports(campaign, places, day, known, officers, rng)
        if bulletin_days is None or n < bulletin_days:
            bulletin, _ = issue(campaign, day, by_name="县总工会办公室", user=users.get("admin"),
                                render=False)  # each .docx rendered when first downloaded
            Bulletin.objects.filter(pk=bulletin.pk).update(issued_at=at(day, 18, 30))
            issued += 1
    inspections = _inspections(campaign, users, rng)
    meetings = _meetings(campaign, days, users)
    _escalation(campaign, users)
    return {"daily_reports": DailyReport.objects.filter(campaign=campaign).count(),
            "bulletins": issued, "inspections": inspections, "meetings": meetings,
            "escalations": Escalation.objects.filter(campaign=campaign).count()}


def _reports(campaign, places, day, known, officers, rng) -> None:
    """One report per area: 辑庆镇 reports late on some days in its flat weeks and misses two."""
    for area in places:
        lagging_weeks = area.code == LAGGING_AREA and dt.date(2023, 8, 10) <= day <= dt.date(
            2023, 8, 18)
        if lagging_weeks and day in (dt.date(2023, 8, 11), dt.date(2023, 8, 16)):
            continue  # not reported
        k = known[area.code, day]
        hour, minute = (19, rng.randint(5, 55)) if lagging_weeks else (rng.randint(15, 17),
                                                                        rng.randint(0, 59))
        typo = 1 if rng.random() < 0.05 else 0  # what an officer typed differs now and then
        DailyReport.objects.create(
            campaign=campaign, jurisdiction=area, on=day, new_unions=max(k.new_unions, 0),
            new_members=max(k.new_members, 0) + typo, visits=k.visits + rng.randint(0, 3),
            problems=rng.choice(PROBLEMS), plan=rng.choice(PLANS),
            submitted_at=at(day, hour, minute), submitted_by=officers.get(area.code))


def _inspections(campaign, users, rng) -> int:
    ensure_schedule(campaign)
    recorded = 0
    scheduled = (Inspection.objects.filter(campaign=campaign, due_on__lte=campaign.action_end)
                 .select_related("jurisdiction", "task_force"))
    last = scheduled.filter(jurisdiction__code=UNRECORDED_AREA).order_by("due_on").last()
    for i in scheduled:
        if i == last:
            continue
        flat = i.jurisdiction.code == LAGGING_AREA and dt.date(2023, 8, 15) <= i.due_on <= dt.date(
            2023, 9, 17)
        i.done_on = i.due_on
        i.inspectors = INSPECTORS.get(i.task_force.name if i.task_force else "", "县总工会组织民管部")
        i.rating = Rating.POOR if flat and i.due_on < dt.date(2023, 9, 1) else (
            Rating.FAIR if flat else Rating.GOOD)
        i.findings = ("镇工会联合会吸纳企业停滞，未建会的企业没有逐户走访，问题台账不清。" if flat else
                      "走访台账完整，建会筹备有序推进。")
        first = i.task_force is not None and i.task_force.name == "第一督导专班"
        i.recorded_by = users.get("zhuanban" if first else "admin")
        i.save()
        recorded += 1
        if flat and i.rating == Rating.POOR:
            RectificationItem.objects.create(
                jurisdiction=i.jurisdiction, inspection=i, text="建立未建会企业逐户走访台账",
                owner="辑庆镇工会主席", owner_user=users.get("jiqing"),
                due_on=add_working_days(i.due_on, 3), done_on=add_working_days(i.due_on, 2),
                evidence="台账已建立，逐户明确包联干部。", verified_by=users.get("admin"),
                verified_at=at(add_working_days(i.due_on, 3), 10))
    return recorded


def _meetings(campaign, days, users) -> int:
    fridays = [d for d in days if d.weekday() == 4]
    for n, day in enumerate(fridays):
        meeting = Meeting.objects.create(
            campaign=campaign, held_on=day, attendees="领导小组成员，各片区包片领导，两个督导专班",
            minutes=f"通报本周各片区建会入会进度，分析滞后原因（第{n + 1}次推进会）。",
            decisions="滞后片区包片领导下周至少两次到片区现场办公；专班按三天一督导跟进。",
            recorded_by=users.get("admin"))
        due = add_working_days(day, 5)
        done = due <= campaign.action_end and day < fridays[-1]
        ActionItem.objects.create(meeting=meeting, text="辑庆镇工会联合会逐户走访未建会企业",
                                  owner="李静", due_on=due,
                                  done_on=add_working_days(day, 4) if done else None,
                                  note="已完成" if done else "")
    return len(fridays)


def _escalation(campaign, users) -> None:
    """辑庆镇: criticism (8-17) → talk (8-22, held 8-23) → rectification (8-25) → closed (9-8).
    The other areas the rules name on 8-17 stay proposed, one of them withdrawn with a reason."""
    # The second task force, sent to 辑庆镇, has no account of its own in the demo: the county
    # administrator records its verification.
    leader, force = users.get("leader"), users.get("admin")
    steps = ladder.propose(campaign, ESCALATION_DAY)
    for step in steps:
        step.proposed_at = at(ESCALATION_DAY, 18, 40)
        step.save(update_fields=["proposed_at"])
    case = next(s.escalation for s in steps if s.escalation.jurisdiction.code == LAGGING_AREA)
    for s in steps:
        if s.escalation != case and s.escalation.jurisdiction.code == "510623400":
            ladder.withdraw(s, leader, "高新区两家企业已召开建会筹备会，本周内可完成建会，暂缓通报。")
            _stamp(s, "withdrawn_at", at(ESCALATION_DAY + dt.timedelta(days=1), 9))
    criticism = case.steps.get(kind=StepKind.CRITICISM)
    _confirm(criticism, leader, at(ESCALATION_DAY, 20))
    talk_day = add_working_days(ESCALATION_DAY, 3)
    talk = _next(campaign, case, talk_day, StepKind.TALK)
    _confirm(talk, leader, at(talk_day, 19))
    talk.talk_on = add_working_days(talk_day, 1)
    talk.talk_record = ("县总工会主席约谈辑庆镇党委副书记、镇工会主席，指出镇工会联合会近两周没有吸纳新企业、"
                        "走访不到位。")
    talk.commitments = "一周内完成未建会企业逐户走访；9月8日前拿出每家企业的建会方案。"
    talk.save(update_fields=["talk_on", "talk_record", "commitments"])
    rectify_day = add_working_days(talk_day, 3)
    rectify = _next(campaign, case, rectify_day, StepKind.RECTIFY)
    _confirm(rectify, leader, at(rectify_day, 19))
    for text, owner, days_left in (("逐户走访未建会企业并建立台账", "辑庆镇工会主席", 5),
                                   ("每家未建会企业形成建会方案", "辑庆镇工会联合会", 9)):
        due = add_working_days(rectify_day, days_left)
        RectificationItem.objects.create(
            jurisdiction=case.jurisdiction, escalation=case, text=text, owner=owner,
            owner_user=users.get("jiqing"), due_on=due, done_on=add_working_days(due, -1),
            evidence="已完成，材料报督导专班。", verified_by=force, verified_at=at(due, 11))
    closed_on = add_working_days(rectify_day, 9)
    closing = ladder.close(case, force, closed_on)
    _stamp(closing, "proposed_at", at(closed_on, 16))
    _stamp(closing, "confirmed_at", at(closed_on, 16))
    Escalation.objects.filter(pk=case.pk).update(closed_at=at(closed_on, 16))


def _next(campaign, case, day, kind) -> EscalationStep:
    made = [s for s in ladder.propose(campaign, day) if s.escalation_id == case.pk]
    if not made or made[0].kind != kind:  # the demo's numbers must bear the ladder out
        raise RuntimeError(f"演示数据与督办规则不符：{day} 未提出{kind.label}。")
    _stamp(made[0], "proposed_at", at(day, 18, 40))
    return made[0]


def _confirm(step, user, when) -> None:
    ladder.confirm(step, user)
    _stamp(step, "confirmed_at", when)
    if step.notice:  # the notice carries the confirmation date: issue it again with it
        from jianhui.supervision.documents import criticism_notice

        step.refresh_from_db()
        EscalationStep.objects.filter(pk=step.pk).update(notice=criticism_notice(step))


def _stamp(step, field: str, when) -> None:
    EscalationStep.objects.filter(pk=step.pk).update(**{field: when})
    setattr(step, field, when)
    if field == "withdrawn_at":
        Escalation.objects.filter(pk=step.escalation_id, withdrawn_at__isnull=False).update(
            withdrawn_at=when)
