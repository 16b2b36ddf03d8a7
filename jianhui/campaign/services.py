"""Writes of the campaign, each in one transaction with the rules checked: copying a campaign
for next year, the people responsible for an area, moving a case through the pipeline,
recording a survey, an outreach contact and a founding step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, UnionOrganisation

from .models import (
    AreaContact,
    Attendance,
    Campaign,
    CampaignArea,
    Case,
    ContactRole,
    Flag,
    FoundingStep,
    Outreach,
    Stage,
    StageChange,
    SurveyVisit,
    Target,
    Training,
    Willingness,
)
from .models.campaign import LEADERS_PER_AREA
from .models.pipeline import STAGE_ORDER


def _shift(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def copy_campaign(campaign: Campaign, *, key: str, name: str, years: int = 1) -> Campaign:
    """Next year's campaign: the same scope, leading group, areas with their strategy and
    responsible people, and targets (dates moved by `years`; values to be revised)."""
    new = Campaign(key=key, name=name, jurisdiction=campaign.jurisdiction,
                   start_on=_shift(campaign.start_on, years),
                   deadline=_shift(campaign.deadline, years),
                   action_start=_shift(campaign.action_start, years),
                   action_end=_shift(campaign.action_end, years),
                   copied_from=campaign, note=campaign.note)
    new.full_clean()
    new.save()
    for m in campaign.leading_group.all():
        new.leading_group.create(name=m.name, title=m.title, role=m.role, order=m.order)
    for area in campaign.areas.prefetch_related("contacts"):
        copy = new.areas.create(jurisdiction=area.jurisdiction, strategy=area.strategy,
                                responsibilities=area.responsibilities, order=area.order)
        AreaContact.objects.bulk_create([
            AreaContact(area=copy, role=c.role, name=c.name, title=c.title, user=c.user)
            for c in area.contacts.all()])
    for t in campaign.targets.all():
        target = Target(campaign=new, jurisdiction=t.jurisdiction, kind=t.kind, value=t.value,
                        start_on=_shift(t.start_on, years), deadline=_shift(t.deadline, years))
        target.full_clean()
        target.save()
    return new


# --- who is responsible for an area (包片) -------------------------------------------------

@dataclass
class Person:
    name: str
    title: str = ""
    user: Any = None


@transaction.atomic
def set_area_leaders(area: CampaignArea, leaders: list[Person]) -> list[AreaContact]:
    """Replace the area's leaders with exactly two people."""
    if len(leaders) != LEADERS_PER_AREA:
        raise ValidationError(f"{area.jurisdiction.name}须由两名领导包片负责，"
                              f"请填写两名包片领导（当前 {len(leaders)} 名）。")
    if len({p.name for p in leaders}) != len(leaders):
        raise ValidationError("两名包片领导不能是同一人。")
    area.contacts.filter(role=ContactRole.LEADER).delete()
    return [AreaContact.objects.create(area=area, role=ContactRole.LEADER, name=p.name,
                                       title=p.title, user=p.user) for p in leaders]


@transaction.atomic
def add_contact(area: CampaignArea, role: str, person: Person) -> AreaContact:
    """Add a leader (refused when the area has two already) or an officer."""
    CampaignArea.objects.select_for_update().filter(pk=area.pk).exists()
    if role == ContactRole.LEADER and area.leaders().count() >= LEADERS_PER_AREA:
        raise ValidationError(area.leader_problem(area.leaders().count() + 1))
    return AreaContact.objects.create(area=area, role=role, name=person.name,
                                      title=person.title, user=person.user)


@transaction.atomic
def remove_contact(contact: AreaContact) -> None:
    """Remove a responsible person; an active campaign's area keeps its two leaders."""
    area = contact.area
    if contact.role == ContactRole.LEADER:
        problem = area.leader_problem(area.leaders().count() - 1)
        if problem:
            raise ValidationError(problem)
    else:
        officers = area.contacts.filter(role=ContactRole.OFFICER)
        if officers.count() <= 1 and area.campaign.is_active():
            raise ValidationError(f"行动进行期间，{area.jurisdiction.name}至少须有一名联络员："
                                  "请先指定接替的联络员。")
    contact.delete()


# --- the pipeline ---------------------------------------------------------------------------

def case_for(campaign: Campaign, enterprise: Enterprise) -> Case:
    return Case.objects.get_or_create(campaign=campaign, enterprise=enterprise)[0]


def _unionized_on(enterprise: Enterprise, on: dt.date) -> bool:
    return Coverage.objects.filter(union_rules.covers_q(on), enterprise=enterprise).exists()


@transaction.atomic
def move_stage(case: Case, stage: str, on: dt.date, note: str, *, by=None, by_name: str = "",
               flag: str | None = None, flag_reason: str = "") -> StageChange:
    """Record that the case reached `stage` on `on` (with a flag, or clearing it), and why.

    已建会 is never set by hand; an enterprise unionized on `on` is 已建会 by the data model.
    A change dated before the case's last one is history (a back-dated record): the current
    stage stays the latest change's.
    """
    Case.objects.select_for_update().filter(pk=case.pk).exists()
    note = (note or "").strip()
    if stage == Stage.FOUNDED:
        raise ValidationError("“已建会”由工会组织的数据决定（企业被工会组织覆盖即为已建会），不能手工设置："
                              "请在工会组织中登记新成立的工会或覆盖关系。")
    if stage not in Stage.values:
        raise ValidationError(f"无法识别的阶段“{stage}”。")
    if not note:
        raise ValidationError("请填写说明：为什么调整到这个阶段（例如走访情况、企业答复）。")
    if _unionized_on(case.enterprise, on):
        raise ValidationError(f"{case.enterprise.name}在 {on:%Y-%m-%d} 已建会，"
                              "阶段由工会组织的数据决定，无需调整。")
    flag = case.flag if flag is None else flag
    if flag and not (flag_reason or case.flag_reason).strip():
        raise ValidationError(f"标记为“{Flag(flag).label}”时请填写原因。")
    change = StageChange(case=case, on=on, stage=stage, flag=flag, note=note[:500], by=by,
                         by_name=by_name or (by.get_full_name() or by.username if by else ""))
    change.full_clean()
    change.save()
    last = case.changes.order_by("on", "recorded_at", "pk").last()
    case.stage, case.flag = last.stage, last.flag
    if flag_reason:
        case.flag_reason = flag_reason.strip()
    if not case.flag:
        case.flag_reason = ""
    case.full_clean()
    case.save()
    return change


@transaction.atomic
def set_concerns(case: Case, concerns: list[str], note: str = "") -> Case:
    case.concerns = list(dict.fromkeys(concerns))
    case.concern_note = note.strip()
    case.full_clean()
    case.save(update_fields=["concerns", "concern_note", "updated_at"])
    return case


@transaction.atomic
def record_survey(campaign: Campaign | None, enterprise: Enterprise, *, surveyed_on: dt.date,
                  employees: int, surveyor: str, willingness: str,
                  female_employees: int | None = None, migrant_workers: int | None = None,
                  has_party_org: bool | None = None, route: str = "",
                  federation: UnionOrganisation | None = None, note: str = "",
                  by=None) -> SurveyVisit:
    """A 摸底 visit: the survey's employee figures (the one the statistics use from that day)
    and what the visit learned; the case moves on to 已摸底 if it was not further, and a
    refusal is flagged."""
    survey = EmployeeSurvey(enterprise=enterprise, surveyed_on=surveyed_on, employees=employees,
                            female_employees=female_employees,
                            migrant_workers=migrant_workers, source="摸底走访",
                            note=note[:256])
    if EmployeeSurvey.objects.filter(enterprise=enterprise, surveyed_on=surveyed_on).exists():
        raise ValidationError({"surveyed_on": (
            f"{enterprise.name}在 {surveyed_on:%Y-%m-%d} 已有摸底记录：同一天只记一次，"
            "如需更正请修改原记录。")})
    _check_survey_counts(survey)
    survey.full_clean()
    survey.save()
    visit = SurveyVisit(survey=survey, campaign=campaign, surveyor=surveyor, by=by,
                        has_party_org=has_party_org, willingness=willingness, route=route,
                        federation=federation, note=note)
    visit.full_clean()
    visit.save()
    if campaign is not None and not _unionized_on(enterprise, surveyed_on):
        case = case_for(campaign, enterprise)
        from .stages import recorded_stages

        stage, flag = recorded_stages(campaign, surveyed_on, [enterprise.pk]).get(
            enterprise.pk, (Stage.UNSURVEYED, ""))
        refusing = willingness == Willingness.REFUSING
        if STAGE_ORDER[stage] < STAGE_ORDER[Stage.SURVEYED] or (refusing and not flag):
            move_stage(case, max(stage, Stage.SURVEYED, key=STAGE_ORDER.get), surveyed_on,
                       f"摸底：{surveyor}，意愿{Willingness(willingness).label}", by=by,
                       flag=Flag.REFUSED if refusing else flag,
                       flag_reason="摸底时企业表示拒绝建会" if refusing and not flag else "")
    return visit


def _check_survey_counts(survey: EmployeeSurvey) -> None:
    for name, label in (("female_employees", "女职工人数"), ("migrant_workers", "农民工人数")):
        value = getattr(survey, name)
        if value is not None and value > survey.employees:
            raise ValidationError({name: f"{label}（{value}）不能多于职工人数（{survey.employees}）。"})


@transaction.atomic
def record_outreach(**fields) -> Outreach:
    outreach = Outreach(**fields)
    outreach.full_clean()
    outreach.save()
    return outreach


@transaction.atomic
def complete_next_step(outreach: Outreach, on: dt.date) -> Outreach:
    outreach.next_done_on = on
    outreach.full_clean()
    outreach.save(update_fields=["next_done_on"])
    return outreach


@transaction.atomic
def record_founding_step(organisation: UnionOrganisation, step: str, done_on: dt.date, *,
                         note: str = "", evidence=None, by=None) -> FoundingStep:
    """Record (or correct) one step of a new union's checklist."""
    item = FoundingStep.objects.filter(organisation=organisation, step=step).first() or \
        FoundingStep(organisation=organisation, step=step)
    item.done_on, item.note, item.by = done_on, note, by
    if evidence is not None:
        item.evidence = evidence
    item.full_clean()
    item.save()
    return item


# --- trainings (专题培训) ----------------------------------------------------------------------

@transaction.atomic
def record_training(campaign: Campaign, attendees: list[tuple[str, Enterprise | None]],
                    **fields) -> Training:
    """A training or briefing with its attendees, each counted in their enterprise's
    jurisdiction (else the training's own). All or nothing."""
    training = Training(campaign=campaign, **fields)
    training.full_clean()
    training.save()
    Attendance.objects.bulk_create([
        Attendance(training=training, name=name[:64], enterprise=enterprise,
                   jurisdiction=enterprise.jurisdiction if enterprise else training.jurisdiction)
        for name, enterprise in attendees])
    return training
