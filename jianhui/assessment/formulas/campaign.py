"""Formulas over the campaign's records: completion of the area's targets (campaign/progress.py,
the same numbers as `jianhui progress --json`), trainings held, and the founding checklist of
a grassroots union (建组织、建阵地、建制度)."""

from __future__ import annotations

from fractions import Fraction

from jianhui.lib.numbers import percent

from .base import AREA, ORGANISATION, Measure, formula


@formula("completion", "目标任务完成进度",
         "完成进度 = 各项目标（实际增量 ÷ 目标增量）的平均数，超额完成按实际计",
         {AREA}, "行动进度")
def completion(ctx, unit) -> Measure:
    rows = ctx.progress().get(unit.code, [])
    if not rows:
        return Measure(value=Fraction(0), shown="无目标", inputs={"targets": []},
                       words=f"{unit.name}在本行动中没有目标任务，按 0 计")
    value = sum((p.completion for p in rows), Fraction(0)) / len(rows)
    parts = "、".join(f"{p.target.get_kind_display()} {percent(p.completion)}" for p in rows)
    return Measure(
        value=value, shown=percent(value),
        inputs={"completion": float(value), "targets": [p.as_json() for p in rows]},
        words=f"（{parts}）的平均数 = {percent(value)}",
    )


@formula("trainings", "培训宣讲场次",
         "培训宣讲场次 = 行动开始至考核基准日在本辖区举办的业务培训和政策宣讲场数",
         {AREA}, "行动进度")
def trainings(ctx, unit) -> Measure:
    from jianhui.campaign.models import Training

    held = list(Training.objects.filter(
        campaign=ctx.campaign, on__gte=ctx.campaign.start_on, on__lte=ctx.on,
        jurisdiction__path__startswith=unit.jurisdiction.path).order_by("on", "pk"))
    return Measure(
        value=Fraction(len(held)), shown=f"{len(held)} 场",
        inputs={"trainings": len(held),
                "held": [{"on": t.on.isoformat(), "topic": t.topic} for t in held]},
        words=f"举办 {len(held)} 场",
    )


@formula("founding_steps", "规范化建设完成率",
         "规范化建设完成率 = 考核基准日已完成的建会事项数 ÷ 6（选举、会员大会、制度、职工之家、经费账户、信用代码）",
         {ORGANISATION}, "行动进度")
def founding_steps(ctx, unit) -> Measure:
    from jianhui.campaign.models import FoundingStep, Step

    done = ctx.once("founding_steps", lambda: _steps_done(FoundingStep, ctx))
    steps = done.get(unit.organisation_id, [])
    labels = dict(Step.choices)
    value = Fraction(len(steps), len(Step))
    return Measure(
        value=value, shown=percent(value),
        inputs={"steps_done": len(steps), "steps": len(Step), "done": sorted(steps)},
        words=(f"已完成 {len(steps)} 项 ÷ 6 项 = {percent(value)}"
               + (f"（{'、'.join(labels[s] for s in sorted(steps))}）" if steps else "")),
        links=[("工会组织", f"/unions/{unit.code}/")],
    )


def _steps_done(model, ctx) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for org, step in model.objects.filter(organisation__in=ctx.organisation_ids(),
                                          done_on__lte=ctx.on).values_list("organisation_id",
                                                                           "step"):
        out.setdefault(org, []).append(step)
    return out
