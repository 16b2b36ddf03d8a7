"""Formulas over Supervision's records (专程督导): daily reports on time, inspection ratings,
escalation steps received (a deduction) and rectification items closed on time. Each counts
what happened in the area's subtree up to the assessment date."""

from __future__ import annotations

from fractions import Fraction

from jianhui.lib.numbers import percent, rate

from .base import AREA, Measure, formula

# An inspection's rating as a share of full points.
RATING_VALUE = {"good": Fraction(1), "fair": Fraction(3, 5), "poor": Fraction(0)}
RATING_WORDS = "好 = 1，一般 = 0.6，差 = 0"


@formula("reports_on_time", "日报按时报送率",
         "日报按时报送率 = 截止时间前报送的日报数 ÷ 应报日报数（集中行动期间的工作日，至考核基准日）",
         {AREA}, "督导记录")
def reports_on_time(ctx, unit) -> Measure:
    from jianhui.supervision.reports import completeness

    rows = ctx.once("completeness", lambda: {c.area.code: c for c in completeness(
        ctx.campaign, ctx.on, only=ctx.areas())})
    c = rows[unit.code]
    value = c.timeliness
    return Measure(
        value=value, shown=percent(value),
        inputs={"due": c.due, "submitted": c.submitted, "on_time": c.on_time,
                "timeliness": float(value), "completeness": float(c.completeness),
                "missing": [d.isoformat() for d in c.missing],
                "late": [d.isoformat() for d in c.late]},
        words=(f"按时 {c.on_time} 份 ÷ 应报 {c.due} 份 = {percent(value)}"
               f"（已报 {c.submitted} 份，未报 {len(c.missing)} 份，迟报 {len(c.late)} 份）"),
    )


@formula("inspection_ratings", "督导检查评价",
         f"督导检查评价 = 考核基准日前已完成督导的评价平均值（{RATING_WORDS}）",
         {AREA}, "督导记录")
def inspection_ratings(ctx, unit) -> Measure:
    from jianhui.supervision.models import Inspection

    done = list(Inspection.objects.filter(
        campaign=ctx.campaign, jurisdiction__path__startswith=unit.jurisdiction.path,
        done_on__isnull=False, done_on__lte=ctx.on).exclude(rating="").order_by("done_on"))
    counts = {r: sum(1 for i in done if i.rating == r) for r in RATING_VALUE}
    if not done:
        return Measure(value=Fraction(0), shown="无督导记录", inputs={"inspections": 0, **counts},
                       words="考核基准日前没有完成的督导检查，按 0 计")
    value = sum((RATING_VALUE[i.rating] for i in done), Fraction(0)) / len(done)
    return Measure(
        value=value, shown=f"{float(value):.2f}",
        inputs={"inspections": len(done), **counts, "average": float(value),
                "done": [{"on": i.done_on.isoformat(), "rating": i.rating} for i in done]},
        words=(f"好 {counts['good']} 次、一般 {counts['fair']} 次、差 {counts['poor']} 次，"
               f"平均 {float(value):.2f}（{RATING_WORDS}）"),
    )


@formula("escalations", "被督办次数",
         "被督办次数 = 考核基准日前已确认的书面通报批评、主席约谈、限期整改步骤数（撤回的不计）",
         {AREA}, "督导记录")
def escalations(ctx, unit) -> Measure:
    from jianhui.supervision.models import EscalationStep, StepKind, StepStatus

    steps = list(EscalationStep.objects.filter(
        escalation__campaign=ctx.campaign,
        escalation__jurisdiction__path__startswith=unit.jurisdiction.path,
        status=StepStatus.CONFIRMED, on__lte=ctx.on,
        kind__in=[StepKind.CRITICISM, StepKind.TALK, StepKind.RECTIFY],
    ).select_related("escalation").order_by("on", "pk"))
    return Measure(
        value=Fraction(len(steps)), shown=f"{len(steps)} 次",
        inputs={"escalation_steps": len(steps),
                "steps": [{"escalation": s.escalation_id, "trigger": s.escalation.trigger,
                           "step": s.kind, "on": s.on.isoformat()} for s in steps]},
        words=("、".join(f"{s.on:%Y-%m-%d} {s.get_kind_display()}（{s.escalation.get_trigger_display()}）"
                        for s in steps) or "未被督办") + f"，共 {len(steps)} 次",
    )


@formula("rectification_on_time", "整改按期办结率",
         "整改按期办结率 = 按期完成并经核验的整改事项数 ÷ 考核基准日前到期的整改事项数；无到期事项的按满分计",
         {AREA}, "督导记录")
def rectification_on_time(ctx, unit) -> Measure:
    from jianhui.supervision.models import RectificationItem

    due = list(RectificationItem.objects.filter(
        jurisdiction__path__startswith=unit.jurisdiction.path, due_on__lte=ctx.on).filter(
        _campaign_q(ctx.campaign)).order_by("due_on", "pk"))
    on_time = [i for i in due if i.done_on and i.done_on <= i.due_on and i.verified_at
               and i.verified_at.date() <= ctx.on]
    value = rate(len(on_time), len(due)) if due else Fraction(1)
    return Measure(
        value=value, shown=percent(value),
        inputs={"due": len(due), "closed_on_time": len(on_time), "rate": float(value),
                "items": [{"text": i.text, "due_on": i.due_on.isoformat(),
                           "done_on": i.done_on.isoformat() if i.done_on else None,
                           "verified": bool(i.verified_at)} for i in due]},
        words=(f"按期办结 {len(on_time)} 项 ÷ 到期 {len(due)} 项 = {percent(value)}" if due
               else "考核基准日前没有到期的整改事项，按满分计"),
    )


def _campaign_q(campaign):
    """Items of this campaign: from its inspections or its escalations."""
    from django.db.models import Q

    return Q(inspection__campaign=campaign) | Q(escalation__campaign=campaign)
