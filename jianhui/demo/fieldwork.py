"""The demo campaign's field work: a 摸底 visit for every one of the 164 enterprises, the stage
history of each enterprise organised during the campaign, outreach logs, two trainings, the
three refusing owners of 高新区 with their concerns, and the checklists of the new unions.

None of it changes a figure of `jianhui stats`: a visit is attached to the survey the county
already holds, and an enterprise without one (its union is older than the campaign) gets a
survey with its registered employee count, the figure the statistics used for it anyway.
Written in bulk (the rules are met by construction: 已建会 is never recorded, every change has
a note, dates run forward and stop before the union's founding). Deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.contrib.auth import get_user_model

from jianhui.campaign.models import (
    Attendance,
    Campaign,
    Case,
    Concern,
    Flag,
    FoundingStep,
    Outreach,
    OutreachKind,
    Route,
    Stage,
    StageChange,
    Step,
    SurveyVisit,
    Training,
    TrainingKind,
    Willingness,
)
from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.regions.models import Jurisdiction
from jianhui.unions import rules as union_rules
from jianhui.unions.choices import JOINT_KINDS
from jianhui.unions.models import Coverage, UnionOrganisation

SEED = 20230930
AS_OF = dt.date(2023, 9, 29)
OFFICERS = {"510623400": "gaoxin", "510623401": "kaizhou", "510623117": "jiqing",
            "510623118": "xinglong"}
FIELD_WORKERS = {"510623400": ["周丽", "杨帆"], "510623401": ["吴涛", "郑敏"],
                 "510623117": ["孙红", "马骏"], "510623118": ["胡燕", "郭强"]}
NOTES = {
    Stage.SURVEYED: "完成专题摸底：核实经营状态和职工人数",
    Stage.CONTACTED: "上门宣讲《工会法》和建会政策，与企业负责人对接",
    Stage.AGREED: "企业负责人同意建会，确定建会方式",
    Stage.PREPARING: "成立筹备组，征集会员、酝酿工会委员会人选",
}
# The three owners of 高新区 who refused, and what they said (in the order of their codes).
REFUSERS = [
    ([Concern.COST], "老板认为每月按工资总额2%拨缴经费负担重，经营困难期间不愿建会。"),
    ([Concern.OWNER_AWAY, Concern.COST], "实际控制人常驻成都，厂长无权决定；担心增加用工成本。"),
    ([Concern.HAS_CONGRESS], "企业已有职工代表大会，认为不需要再建工会。"),
]


def load_demo_fieldwork(campaign: Campaign) -> dict[str, int]:
    rng = random.Random(SEED)
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=list(OFFICERS.values()))}
    areas = {j.code: j for j in Jurisdiction.objects.filter(code__in=list(OFFICERS))}
    firms = list(Enterprise.objects.filter(jurisdiction__code__in=list(OFFICERS))
                 .in_scope(AS_OF).select_related("jurisdiction").order_by("credit_code"))
    start = campaign.start_on
    unionized_at_start = set(union_rules.with_union_status(
        Enterprise.objects.filter(pk__in=[f.pk for f in firms]), start, Coverage._base_manager)
        .filter(cover_kind__isnull=False).values_list("pk", flat=True))
    first_cover: dict[int, dt.date] = {}
    for enterprise_id, day in (Coverage.objects.filter(enterprise__in=firms, start_on__gte=start)
                               .order_by("start_on").values_list("enterprise_id", "start_on")):
        first_cover.setdefault(enterprise_id, day)
    federations = {org.jurisdiction_id: org for org in UnionOrganisation.objects.filter(
        kind__in=JOINT_KINDS, dissolved_on__isnull=True).order_by("founded_on")}
    surveys = _surveys(rng, firms)
    refusers = [f for f in firms if f.pk not in unionized_at_start and f.pk not in first_cover]
    counts = defaultdict(int)
    visits, cases, changes, outreach = [], [], [], []
    for f in firms:
        code = f.jurisdiction.path.strip("/").split("/")[1]
        officer, workers = users.get(OFFICERS[code]), FIELD_WORKERS[code]
        survey = surveys[f.pk]
        union_on = first_cover.get(f.pk)
        refusing = f in refusers
        willingness = (Willingness.REFUSING if refusing else Willingness.WILLING
                       if f.pk in unionized_at_start or rng.random() < 0.6
                       else Willingness.UNDECIDED)
        joint = f.employees < 25 and f.jurisdiction_id in federations
        visits.append(SurveyVisit(
            survey=survey, campaign=campaign, surveyor=rng.choice(workers), by=officer,
            has_party_org=rng.random() < (0.6 if f.employees >= 100 else 0.2),
            willingness=willingness, route=Route.JOINT if joint else Route.OWN,
            federation=federations.get(f.jurisdiction_id) if joint else None,
            note="" if not refusing else "企业负责人明确表示暂不建会。"))
        if f.pk in unionized_at_start:
            continue
        case = Case(campaign=campaign, enterprise=f)
        cases.append(case)
        if refusing:
            steps = _refuser(rng, campaign, case, f, survey.surveyed_on, officer, workers,
                             REFUSERS[refusers.index(f) % len(REFUSERS)], outreach)
        else:
            steps = _organised(rng, campaign, case, f, survey.surveyed_on, union_on, officer,
                               workers, outreach)
        changes.extend(steps)
        last = steps[-1] if steps else None
        case.stage = last.stage if last else Stage.UNSURVEYED
        case.flag = last.flag if last else ""
        counts["cases"] += 1
    SurveyVisit.objects.bulk_create(visits)
    Case.objects.bulk_create(cases)
    StageChange.objects.bulk_create(changes)
    Outreach.objects.bulk_create(outreach)
    counts.update(visits=len(visits), changes=len(changes), outreach=len(outreach),
                  attendees=_trainings(rng, campaign, areas, firms, refusers),
                  founding_steps=_founding(rng, campaign))
    return dict(counts)


def _surveys(rng: random.Random, firms: list[Enterprise]) -> dict[int, EmployeeSurvey]:
    """Each enterprise's first 摸底 survey; one with the registered count where it has none
    (an enterprise unionized before the campaign), so every figure stays as it was."""
    first: dict[int, EmployeeSurvey] = {}
    for s in EmployeeSurvey.objects.filter(enterprise__in=firms).order_by("surveyed_on"):
        first.setdefault(s.enterprise_id, s)
    missing = []
    for f in firms:
        if f.pk not in first:
            day = dt.date(2022, 10, 8) + dt.timedelta(days=rng.randint(0, 53))
            missing.append(EmployeeSurvey(
                enterprise=f, surveyed_on=day, employees=f.employees,
                female_employees=f.female_employees, migrant_workers=f.migrant_workers,
                source="专题摸底"))
    for s in EmployeeSurvey.objects.bulk_create(missing):
        first[s.enterprise_id] = s
    return first


def _change(case, on, stage, officer, worker, flag="", note=None) -> StageChange:
    return StageChange(case=case, on=on, stage=stage, flag=flag, note=note or NOTES[stage],
                       by=officer, by_name=worker)


def _organised(rng, campaign, case, f, surveyed_on, union_on, officer, workers, outreach):
    """Surveyed → contacted → agreed → preparing, spread before the union's founding."""
    if union_on is None:
        return []
    begin = max(surveyed_on if surveyed_on < union_on else campaign.start_on,
                f.founded_on or campaign.start_on)
    span = (union_on - dt.timedelta(days=1) - begin).days
    if span < 0:
        return []
    worker = rng.choice(workers)
    steps = []
    for stage, share in ((Stage.SURVEYED, 0), (Stage.CONTACTED, .35), (Stage.AGREED, .6),
                         (Stage.PREPARING, .85)):
        day = begin + dt.timedelta(days=round(span * share))
        steps.append(_change(case, day, stage, officer, worker))
    contacted, agreed, preparing = steps[1].on, steps[2].on, steps[3].on
    outreach.append(Outreach(
        campaign=campaign, enterprise=f, kind=OutreachKind.VISIT, on=contacted,
        by_name=worker, by=officer, contact_person=f.contact,
        outcome="宣讲建会政策和会员权益，企业负责人表示愿意了解建会程序。",
        next_step="征求职工意见，确定建会方式", next_due=agreed, next_done_on=agreed))
    outreach.append(Outreach(
        campaign=campaign, enterprise=f, kind=rng.choice([OutreachKind.PHONE,
                                                          OutreachKind.MEETING]),
        on=preparing, by_name=worker, by=officer, contact_person=f.contact,
        outcome="筹备组已成立，指导起草会员大会议程和选举办法。",
        next_step="召开会员大会，选举工会委员会", next_due=union_on, next_done_on=union_on))
    return steps


def _refuser(rng, campaign, case, f, surveyed_on, officer, workers, said, outreach):
    """A refusing owner: surveyed and flagged at once, visited again and again in the
    concentrated action; one of them agrees to talk again next year (暂缓)."""
    concerns, reason = said
    case.concerns, case.concern_note = [c.value for c in concerns], reason
    worker = workers[0]
    steps = [_change(case, surveyed_on, Stage.SURVEYED, officer, worker, Flag.REFUSED,
                     "摸底时企业负责人拒绝建会")]
    case.flag_reason = "摸底和走访中企业负责人均表示不同意建会。"
    visits = [dt.date(2023, 8, 8), dt.date(2023, 8, 29), dt.date(2023, 9, 19)]
    steps.append(_change(case, visits[0], Stage.CONTACTED, officer, "陈建国", Flag.REFUSED,
                         "包片领导带队上门，企业仍不同意建会"))
    for n, day in enumerate(visits):
        last = n == len(visits) - 1
        outreach.append(Outreach(
            campaign=campaign, enterprise=f, kind=OutreachKind.VISIT if n != 1 else
            OutreachKind.PHONE, on=day, by_name="陈建国、" + worker if n == 0 else worker,
            by=officer, contact_person=f.legal_representative,
            outcome=("包片领导上门宣讲建会政策。企业答复：" + reason) if n == 0 else
            "再次沟通，解答经费拨缴和职工入会的疑问，企业仍在观望。",
            next_step="邀请企业参加园区建会企业经验交流会" if not last else
            "年底前再次上门，请已建会企业负责人现身说法",
            next_due=day + dt.timedelta(days=14) if not last else dt.date(2023, 10, 20),
            next_done_on=visits[n + 1] if not last else None))
    if case.concerns == [Concern.HAS_CONGRESS.value]:
        steps.append(_change(case, dt.date(2023, 9, 19), Stage.CONTACTED, officer, worker,
                             Flag.DEFERRED, "企业同意明年一季度召开职代会时再议建会"))
        case.flag_reason = "企业同意明年一季度召开职代会时再议建会。"
    return steps


def _trainings(rng, campaign, areas, firms, refusers) -> int:
    """Two trainings: cadres of every area in October 2022, and a briefing for the owners
    of the enterprises still to be organised at the start of the concentrated action."""
    county = campaign.jurisdiction
    cadres = Training.objects.create(
        campaign=campaign, kind=TrainingKind.TRAINING, on=dt.date(2022, 10, 12),
        place="县总工会三楼会议室", topic="建会入会专题业务培训（摸底方法、建会程序、数据采集）",
        organiser="县总工会组织民管部", jurisdiction=county)
    rows = []
    for code, names in FIELD_WORKERS.items():
        rows += [Attendance(training=cadres, name=n, jurisdiction=areas[code]) for n in names]
    briefing = Training.objects.create(
        campaign=campaign, kind=TrainingKind.BRIEFING, on=dt.date(2023, 8, 3),
        place="中江高新技术产业园区管委会会议室", topic="集中攻坚行动动员暨建会政策宣讲会",
        organiser="县总工会、高新区党工委", jurisdiction=areas["510623400"])
    not_yet = set(Coverage.objects.filter(start_on__gte=dt.date(2023, 8, 3))
                  .values_list("enterprise_id", flat=True)) | {f.pk for f in refusers}
    for f in firms:
        if f.pk in not_yet:
            rows.append(Attendance(training=briefing, name=f.contact or f.legal_representative,
                                   enterprise=f, jurisdiction=f.jurisdiction))
    Attendance.objects.bulk_create(rows)
    return len(rows)


def _founding(rng, campaign) -> int:
    """Checklists of the unions founded in the campaign: each step some days after the
    founding, those falling after 2023-09-29 not yet done (founded on paper only, so far)."""
    steps = []
    orgs = UnionOrganisation.objects.filter(founded_on__gte=campaign.start_on,
                                            founded_on__lte=AS_OF).order_by("key")
    for org in orgs:
        delays = {Step.COMMITTEE: 0, Step.ASSEMBLY: 0, Step.RULES: rng.randint(7, 40),
                  Step.PREMISES: rng.randint(15, 75), Step.FUNDS: rng.randint(10, 45),
                  Step.CREDIT_CODE: rng.randint(20, 90)}
        for step, days in delays.items():
            day = org.founded_on + dt.timedelta(days=days)
            if day > AS_OF or (step == Step.CREDIT_CODE and not org.credit_code):
                continue
            steps.append(FoundingStep(organisation=org, step=step, done_on=day,
                                      note="演示数据"))
    FoundingStep.objects.bulk_create(steps)
    return len(steps)
