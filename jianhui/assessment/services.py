"""Every write of the assessment, each in one transaction: copy a scheme from last year, enter a
manual score, publish, file and answer objections, lock, record the tilt plan and
accountability. A locked scheme refuses them all (except what follows the result: tilt and
accountability, which are decisions taken on the locked ranking)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.web.attachments import check_upload

from .models import (
    Accountability,
    Evidence,
    Grade,
    Indicator,
    ManualScore,
    Method,
    Objection,
    Outcome,
    Scheme,
    Status,
    TiltPlan,
    Unit,
    UnitKind,
)
from .scoring import run


def _shift(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _not_locked(scheme: Scheme, what: str) -> None:
    if scheme.status == Status.LOCKED:
        raise ValidationError(f"考核方案“{scheme.key}”已锁定，不能再{what}。")


@transaction.atomic
def copy_scheme(scheme: Scheme, *, key: str, name: str | None = None, campaign=None,
                years: int = 1) -> Scheme:
    """Last year's scheme as this year's draft: same indicators, rules and thresholds; the
    assessment date moved by `years`; no units, scores or objections."""
    if Scheme.objects.filter(key=key).exists():
        raise ValidationError(f"方案编号“{key}”已被使用，请换一个编号。")
    new = Scheme(
        key=key, name=name or scheme.name.replace(str(scheme.year), str(scheme.year + years)),
        year=scheme.year + years, campaign=campaign or scheme.campaign,
        as_of=_shift(scheme.as_of, years), tie_break=scheme.tie_break, grading=scheme.grading,
        excellent_min=scheme.excellent_min, good_min=scheme.good_min, pass_min=scheme.pass_min,
        excellent_share=scheme.excellent_share, good_share=scheme.good_share,
        visibility=scheme.visibility, tilt_top_n=scheme.tilt_top_n, copied_from=scheme,
        note=scheme.note)
    new.full_clean()
    new.save()
    for ind in scheme.indicators.all():
        ind.pk = None
        ind.scheme = new
        ind.save()
    return new


@transaction.atomic
def set_manual_score(indicator: Indicator, unit: Unit, *, points: Decimal, assessor: str,
                     reason: str, by=None, files=()) -> ManualScore:
    """Enter (or correct) a manual score with its assessor, reason and evidence files."""
    _not_locked(indicator.scheme, "修改评分")
    refused = [problem for f in files if (problem := check_upload(f))]
    if refused:
        raise ValidationError({"evidence": refused})
    score = ManualScore.objects.filter(indicator=indicator, unit=unit).first() or ManualScore(
        indicator=indicator, unit=unit)
    score.points, score.assessor, score.reason, score.by = points, assessor.strip(), reason, by
    score.full_clean()
    score.save()
    for upload in files:
        Evidence.objects.create(manual_score=score, file=upload, name=upload.name)
    return score


@transaction.atomic
def publish(scheme: Scheme, *, by=None, objection_deadline: dt.date | None = None) -> Scheme:
    """Draft → published for objection: runs the scores one last time as a draft first."""
    if scheme.status != Status.DRAFT:
        raise ValidationError(f"只有草稿状态的方案可以公示，“{scheme.key}”目前为"
                              f"{scheme.get_status_display()}。")
    run(scheme)
    missing = [f"{s.unit.name}的“{s.indicator.name}”"
               for s in _scores(scheme).filter(missing=True)[:5]]
    if missing:
        raise ValidationError("还有评审打分的指标没有评分，不能公示：" + "；".join(missing) + "。")
    scheme.status, scheme.published_at = Status.PUBLISHED, timezone.now()
    scheme.objection_deadline = objection_deadline
    scheme.save(update_fields=["status", "published_at", "objection_deadline"])
    record(Action.UPDATE, user=by, obj=scheme, object_key=scheme.key,
           detail={"kind": "assessment_published"})
    return scheme


def _scores(scheme: Scheme):
    from .models import Score

    return Score.objects.filter(unit__scheme=scheme).select_related("unit", "indicator")


@transaction.atomic
def file_objection(unit: Unit, indicator: Indicator, *, reason: str, by=None,
                   on: dt.date | None = None) -> Objection:
    scheme = unit.scheme
    if scheme.status != Status.PUBLISHED:
        raise ValidationError("只有在公示期间才能提出异议。")
    if scheme.objection_deadline and (on or timezone.localdate()) > scheme.objection_deadline:
        raise ValidationError(f"异议截止日期 {scheme.objection_deadline:%Y-%m-%d} 已过。")
    score = unit.scores.filter(indicator=indicator).first()
    if score is None:
        raise ValidationError(f"“{indicator.name}”不适用于{unit.name}。")
    if unit.objections.filter(indicator=indicator, outcome=Outcome.OPEN).exists():
        raise ValidationError(f"{unit.name}对“{indicator.name}”的异议尚待答复，请勿重复提出。")
    objection = Objection(unit=unit, indicator=indicator, reason=reason.strip(),
                          points_before=score.points, filed_by=by,
                          filed_by_name=(by.get_full_name() or by.get_username()) if by else "")
    objection.full_clean()
    objection.save()
    return objection


@transaction.atomic
def answer_objection(objection: Objection, *, outcome: str, reply: str, by=None,
                     corrected_points: Decimal | None = None, assessor: str = "") -> Objection:
    """The county's reply. An upheld objection on a manual score corrects the score (a new
    reason: the reply); on a data-driven score the data is corrected in the registry first.
    Either way the scores are run again, so the published ranking shows the correction."""
    scheme = objection.unit.scheme
    if scheme.status != Status.PUBLISHED:
        raise ValidationError("只有在公示期间才能答复异议。")
    if not objection.is_open:
        raise ValidationError("该异议已经答复。")
    if outcome not in (Outcome.UPHELD, Outcome.REJECTED):
        raise ValidationError("处理结果应为“异议成立”或“异议不成立”。")
    objection.outcome, objection.reply = outcome, reply.strip()
    objection.replied_by = by
    objection.replied_by_name = (by.get_full_name() or by.get_username()) if by else ""
    objection.replied_at = timezone.now()
    objection.full_clean()
    objection.save()
    ind = objection.indicator
    if outcome == Outcome.UPHELD and ind.method == Method.MANUAL:
        if corrected_points is None:
            raise ValidationError({"corrected_points": "异议成立时请填写更正后的分数。"})
        set_manual_score(ind, objection.unit, points=corrected_points,
                         assessor=assessor or objection.replied_by_name,
                         reason=f"异议复核：{objection.reply}", by=by)
    if outcome == Outcome.UPHELD:
        run(scheme)
    return objection


@transaction.atomic
def lock(scheme: Scheme, *, by=None) -> Scheme:
    """Published → locked, once every objection is answered. The stored scores and their
    inputs are the snapshot: nothing runs again."""
    if scheme.status != Status.PUBLISHED:
        raise ValidationError("只有公示中的方案可以锁定（请先公示，处理完异议后再锁定）。")
    open_ = Objection.objects.filter(unit__scheme=scheme, outcome=Outcome.OPEN).count()
    if open_:
        raise ValidationError(f"还有 {open_} 条异议没有答复，不能锁定。")
    scheme.status, scheme.locked_at, scheme.locked_by = Status.LOCKED, timezone.now(), by
    scheme.save(update_fields=["status", "locked_at", "locked_by"])
    record(Action.UPDATE, user=by, obj=scheme, object_key=scheme.key,
           detail={"kind": "assessment_locked",
                   "units": scheme.units.count()})
    return scheme


def tilt_candidates(scheme: Scheme) -> list[Unit]:
    """The grassroots unions ranked within the top N (ties at the boundary included)."""
    return list(scheme.units.filter(kind=UnitKind.ORGANISATION, rank__lte=scheme.tilt_top_n)
                .order_by("rank", "order"))


@transaction.atomic
def set_tilt(unit: Unit, *, staff_positions: int, funds: Decimal, note: str = "",
             by=None) -> TiltPlan:
    scheme = unit.scheme
    if scheme.status != Status.LOCKED:
        raise ValidationError("考核结果锁定后才能确定资源倾斜计划。")
    if unit.kind != UnitKind.ORGANISATION:
        raise ValidationError("资源倾斜面向排名靠前的基层工会，园区、乡镇不列入倾斜计划。")
    if unit.rank is None or unit.rank > scheme.tilt_top_n:
        raise ValidationError(f"{unit.name}不在前 {scheme.tilt_top_n} 名之内，不能列入倾斜计划。")
    plan = TiltPlan.objects.filter(unit=unit).first() or TiltPlan(unit=unit)
    plan.staff_positions, plan.funds, plan.note, plan.recorded_by = (
        staff_positions, funds, note, by)
    plan.full_clean()
    plan.save()
    return plan


def escalations_of(unit: Unit):
    """Supervision's escalations behind a unit: those of its area (a grassroots union's area
    is the one it was assessed in) during the scheme's campaign, not withdrawn."""
    from jianhui.supervision.models import Escalation

    area = unit.scheme.units.filter(kind=UnitKind.AREA, code=unit.area_code).first()
    path = area.path if area else unit.path
    return (Escalation.objects.filter(campaign=unit.scheme.campaign,
                                      jurisdiction__path__startswith=path,
                                      withdrawn_at__isnull=True)
            .select_related("jurisdiction").prefetch_related("steps").order_by("opened_on"))


def escalation_text(escalation) -> str:
    steps = "、".join(f"{s.on:%Y-%m-%d}{s.get_kind_display()}" for s in escalation.steps.all()
                     if s.status == "confirmed")
    return (f"{escalation.jurisdiction.name}{escalation.get_trigger_display()}督办"
            f"（{escalation.opened_on:%Y-%m-%d}提出" + (f"；{steps}" if steps else "") + "）")


@transaction.atomic
def hold_accountable(unit: Unit, *, measure: str, decided_on: dt.date, note: str,
                     escalations: list | None = None, by=None) -> Accountability:
    """Record accountability for a 不合格 unit, linked to the escalations behind it (kept as
    their ids with a description as of now, so the record reads the same later)."""
    if unit.scheme.status != Status.LOCKED:
        raise ValidationError("考核结果锁定后才能记录问责。")
    if unit.grade != Grade.FAIL:
        raise ValidationError(f"{unit.name}的考核等级为{unit.get_grade_display()}，"
                              "只有不合格单位需要问责。")
    known = {e.pk: e for e in escalations_of(unit)}
    chosen = [int(pk) for pk in escalations or []]
    unknown = [pk for pk in chosen if pk not in known]
    if unknown:
        raise ValidationError(f"督办事项 {unknown} 不属于{unit.name}所在片区，不能关联。")
    item = Accountability(unit=unit, measure=measure, decided_on=decided_on, note=note,
                          escalations=[{"id": pk, "text": escalation_text(known[pk])}
                                       for pk in chosen], recorded_by=by)
    item.full_clean()
    item.save()
    return item


__all__ = ["answer_objection", "copy_scheme", "file_objection", "hold_accountable",
           "lock", "publish", "set_manual_score", "set_tilt", "tilt_candidates"]
