"""The assessment's core on a hand-built county small enough to compute by hand: every formula,
the weights rule, caps, ranking with the tie-break rule, grades, the review steps and the locked
assessment that data corrections cannot change.

The county 测试县 has two towns, both areas of a campaign that starts on 2023-01-01; the
assessment date is 2023-06-30.

甲镇: e1 (50 employees, own union u1 founded 2021, 30 members before the campaign, 10 more on
      2023-03-01), e2 (20 employees, no union), e3 (30 employees, joined the town federation f
      founded 2023-02-01, 15 members on 2023-03-01). On D: 3 in scope, 2 unionized,
      employees 100 (80 unionized), members 55; at the start 30 members.
乙镇: e4 (40 employees, own union u4 founded 2021, 20 members before, 16 more on 2023-04-01).
      On D: 1 in scope, 1 unionized, employees 40, members 36; at the start 20.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from jianhui.assessment import ranking, report, scoring, services
from jianhui.assessment.formulas import REGISTRY, Context
from jianhui.assessment.models import (
    AppliesTo,
    Grade,
    GradingMode,
    Indicator,
    Method,
    Outcome,
    Role,
    Scheme,
    Status,
    UnitKind,
)
from jianhui.campaign.models import (
    Campaign,
    CampaignArea,
    FoundingStep,
    Step,
    Target,
    TargetKind,
    Training,
)
from jianhui.unions.models import OrganisationKind
from jianhui.unions.services import enrol, found_organisation

START, D = dt.date(2023, 1, 1), dt.date(2023, 6, 30)
EARLY = dt.date(2021, 1, 1)


def _members(build, enterprise, n, joined_on):
    for i in range(n):
        enrol(name=f"会员{i}", id_number=build.id_number(), enterprise=enterprise,
              joined_on=joined_on)


@pytest.fixture
def world(build):
    county = build.jurisdiction("测试县")
    a, b = build.jurisdiction("甲镇", county), build.jurisdiction("乙镇", county)
    e1 = build.enterprise(a, employees=50)
    build.enterprise(a, employees=20)
    e3 = build.enterprise(a, employees=30)
    e4 = build.enterprise(b, employees=40)
    u1 = found_organisation(name="一号企业工会", kind=OrganisationKind.STANDALONE, jurisdiction=a,
                            founded_on=EARLY, enterprises=[e1])
    f = found_organisation(name="甲镇工会联合会", kind=OrganisationKind.FEDERATION,
                           jurisdiction=a, founded_on=dt.date(2023, 2, 1), enterprises=[e3])
    u4 = found_organisation(name="四号企业工会", kind=OrganisationKind.STANDALONE,
                            jurisdiction=b, founded_on=EARLY, enterprises=[e4])
    _members(build, e1, 30, dt.date(2022, 1, 1))
    _members(build, e1, 10, dt.date(2023, 3, 1))
    _members(build, e3, 15, dt.date(2023, 3, 1))
    _members(build, e4, 20, dt.date(2022, 1, 1))
    _members(build, e4, 16, dt.date(2023, 4, 1))
    campaign = Campaign.objects.create(key="t-2023", name="测试行动", jurisdiction=county,
                                       start_on=START, deadline=dt.date(2023, 12, 31))
    for order, j in enumerate((a, b)):
        CampaignArea.objects.create(campaign=campaign, jurisdiction=j, order=order)
    for j, kind, value in ((a, TargetKind.UNIONIZED, 3), (a, TargetKind.MEMBERS, 60),
                           (b, TargetKind.MEMBERS, 40)):
        Target.objects.create(campaign=campaign, jurisdiction=j, kind=kind, value=value,
                              start_on=START, deadline=dt.date(2023, 12, 31))
    for on in (dt.date(2023, 3, 1), dt.date(2023, 7, 10)):  # the second is after D
        Training.objects.create(campaign=campaign, on=on, place="镇会议室", topic="建会政策",
                                organiser="甲镇工会", jurisdiction=a)
    for step, on in ((Step.COMMITTEE, dt.date(2023, 2, 1)), (Step.ASSEMBLY, dt.date(2023, 3, 1)),
                     (Step.RULES, dt.date(2023, 6, 30)), (Step.PREMISES, dt.date(2023, 7, 1))):
        FoundingStep.objects.create(organisation=u1, step=step, done_on=on)
    return {"county": county, "a": a, "b": b, "campaign": campaign, "u1": u1, "f": f, "u4": u4,
            "e1": e1}


AREA_LINES = [  # code, formula, weight, full at
    ("completion", "completion", 40, "1"), ("establishment", "establishment_rate", 20, "0.8"),
    ("membership", "membership_rate", 20, None), ("trainings", "trainings", 10, "4"),
    ("recruited", "members_per_100", 10, "20"),
]
ORG_LINES = [("org_membership", "membership_rate", 60, None),
             ("org_recruited", "members_per_100", 20, "50"),
             ("founding", "founding_steps", 20, None)]


def make_scheme(campaign, key="t2023", **extra) -> Scheme:
    scheme = Scheme.objects.create(key=key, name="测试考核", year=2023, campaign=campaign,
                                   as_of=D, **extra)
    for order, (code, formula, weight, full_at) in enumerate(AREA_LINES + ORG_LINES):
        Indicator.objects.create(
            scheme=scheme, code=code, name=code, formula=formula, weight=weight,
            full_at=Decimal(full_at) if full_at else None, order=order,
            applies_to=AppliesTo.AREA if (code, formula, weight, full_at) in AREA_LINES
            else AppliesTo.ORGANISATION)
    Indicator.objects.create(scheme=scheme, code="honours", name="荣誉表彰", role=Role.BONUS,
                             method=Method.MANUAL, cap=3, order=20)
    return scheme


def _measures(world, scheme):
    units = scoring.draw_units(scheme)
    ctx = Context(world["campaign"], D, units)
    by = {u.code: u for u in units}
    return lambda formula, code: REGISTRY[formula].compute(ctx, by[code])


# --- every formula, by hand ----------------------------------------------------------------

def test_statistics_formulas_of_an_area(world):
    m = _measures(world, make_scheme(world["campaign"]))
    a = world["a"].code
    est = m("establishment_rate", a)
    assert est.value == Fraction(2, 3)
    assert est.inputs == {"enterprises": 3, "unionized": 2, "establishment_rate": 2 / 3}
    assert any("status=unionized" in url for _, url in est.links)
    mem = m("membership_rate", a)
    assert mem.value == Fraction(55, 80)
    assert (mem.inputs["members"], mem.inputs["employees_unionized"]) == (55, 80)
    per = m("members_per_100", a)
    assert per.value == Fraction(55 - 30, 100) * 100 == 25
    assert (per.inputs["members_at_start"], per.inputs["employees"]) == (30, 100)
    assert m("members_per_100", world["b"].code).value == Fraction(16, 40) * 100


def test_statistics_formulas_of_an_organisation(world):
    m = _measures(world, make_scheme(world["campaign"]))
    u1, f, u4 = world["u1"].key, world["f"].key, world["u4"].key
    assert m("membership_rate", u1).value == Fraction(40, 50)
    assert m("membership_rate", f).value == Fraction(15, 30)
    assert m("membership_rate", u4).inputs == {"members": 36, "employees": 40, "enterprises": 1,
                                               "membership_rate": 0.9}
    assert m("members_per_100", u1).value == Fraction(10, 50) * 100
    assert m("members_per_100", f).value == 50  # founded during the campaign: 15 of 30 new


def test_campaign_formulas(world):
    m = _measures(world, make_scheme(world["campaign"]))
    a, b = world["a"].code, world["b"].code
    done = m("completion", a)  # unionized (2−1)/(3−1) = 1/2, members (55−30)/(60−30) = 5/6
    assert done.value == (Fraction(1, 2) + Fraction(5, 6)) / 2
    assert [t["completion"] for t in done.inputs["targets"]] == [0.5, 5 / 6]
    assert m("completion", b).value == Fraction(16, 20)
    assert m("trainings", a).value == 1 and m("trainings", b).value == 0
    steps = m("founding_steps", world["u1"].key)  # three done by D, the fourth after
    assert steps.value == Fraction(3, 6)
    assert steps.inputs["done"] == sorted([Step.COMMITTEE, Step.ASSEMBLY, Step.RULES])


def test_run_totals_ranks_and_grades(world):
    scheme = make_scheme(world["campaign"])
    units = {u.code: u for u in scoring.run(scheme)}
    a, b = units[world["a"].code], units[world["b"].code]
    # 甲镇 40×2/3 + 20×(2/3 ÷ 0.8) + 20×55/80 + 10×1/4 + 10×min(25/20, 1)
    assert a.total == Decimal("26.66666667") + Decimal("16.66666667") + Decimal("13.75") + \
        Decimal("2.5") + 10
    # 乙镇 40×4/5 + 20 + 20×0.9 + 0 + 10
    assert b.total == 80
    assert (b.rank, a.rank) == (1, 2)
    assert (b.grade, a.grade) == (Grade.GOOD, Grade.PASS)  # 80 ≥ 80; 69.58 ≥ 60
    u1, f, u4 = (units[world[k].key] for k in ("u1", "f", "u4"))
    assert (u1.total, f.total, u4.total) == (48 + 8 + 10, 30 + 20, 54 + 16)
    assert (u4.rank, u1.rank, f.rank) == (1, 2, 3)
    assert f.grade == Grade.FAIL
    data = report.as_json(scheme)
    assert set(data) == {"scheme", "as_of", "status", "results"}
    row = data["results"][0]
    assert set(row) == {"rank", "unit", "code", "kind", "total", "grade", "scores"}
    assert (row["code"], row["kind"], row["grade"]) == (world["b"].code, "area", "良好")
    assert set(row["scores"][0]) == {"indicator", "points", "max", "inputs"}
    for r in data["results"]:
        assert r["total"] == pytest.approx(sum(s["points"] for s in r["scores"]))


def test_a_manual_bonus_counts_up_to_its_cap_and_needs_a_reason(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_DIR = tmp_path
    scheme = make_scheme(world["campaign"])
    scoring.run(scheme)
    honours = scheme.indicators.get(code="honours")
    u1 = scheme.units.get(code=world["u1"].key)
    with pytest.raises(ValidationError, match="0 至 3"):
        services.set_manual_score(honours, u1, points=Decimal(5), assessor="陈建国", reason="市级")
    with pytest.raises(ValidationError, match="评分理由"):
        services.set_manual_score(honours, u1, points=Decimal(2), assessor="陈建国", reason=" ")
    services.set_manual_score(honours, u1, points=Decimal(3), assessor="陈建国",
                              reason="获市级模范职工之家",
                              files=[SimpleUploadedFile("表彰文件.pdf", b"%PDF-1.4")])
    scoring.run(scheme)
    u1.refresh_from_db()
    assert u1.total == 66 + 3 and u1.rank == 2  # u4 still first with 70
    score = u1.scores.get(indicator=honours)
    assert (score.assessor, score.inputs["evidence"]) == ("陈建国", ["表彰文件.pdf"])


def test_data_driven_bonus_and_deduction_are_capped(world):
    ind = Indicator(role=Role.BONUS, per_item=Decimal(2), cap=Decimal("1.5"))
    assert ind.points_for(Fraction(1)) == Fraction(3, 2)  # 2 × 1 capped at 1.5
    assert ind.points_for(Fraction(0)) == 0
    ded = Indicator(role=Role.DEDUCTION, per_item=Decimal(1), cap=Decimal(5))
    assert ded.points_for(Fraction(3)) == -3
    assert ded.points_for(Fraction(9)) == -5
    scored = Indicator(role=Role.SCORED, weight=Decimal(20), full_at=Decimal("0.8"))
    assert scored.points_for(Fraction(9, 10)) == 20  # above the full-score line: full points
    assert scored.points_for(Fraction(2, 5)) == 10


# --- the weights rule ----------------------------------------------------------------------

def test_weights_must_add_up_to_100_for_each_kind_of_unit(world):
    scheme = make_scheme(world["campaign"])
    assert scheme.weight_problems() == []
    Indicator.objects.filter(scheme=scheme, code="trainings").update(weight=5)
    problems = scheme.weight_problems()
    assert problems == ["适用于园区/乡镇的计分指标权重合计为 95，应为 100：请调整各指标的权重。"]
    with pytest.raises(ValidationError, match="合计为 95"):
        scoring.run(scheme)
    assert not scheme.units.exists() or not scheme.units.filter(total__isnull=False).exists()


def test_an_indicator_names_a_formula_from_the_registry(world):
    scheme = make_scheme(world["campaign"])
    bad = Indicator(scheme=scheme, code="x", name="x", formula="rumours", weight=1)
    with pytest.raises(ValidationError, match="请从系统提供的公式中选择"):
        bad.full_clean()
    area_only = Indicator(scheme=scheme, code="y", name="y", formula="establishment_rate",
                          weight=1, applies_to=AppliesTo.ORGANISATION)
    with pytest.raises(ValidationError, match="不适用于"):
        area_only.full_clean()


# --- ranking and grades --------------------------------------------------------------------

def test_ties_are_broken_by_the_named_indicators_then_shared():
    E = ranking.Entry
    entries = [E("a", Fraction(90), (Fraction(30),)), E("b", Fraction(90), (Fraction(35),)),
               E("c", Fraction(95), (Fraction(10),)), E("d", Fraction(90), (Fraction(30),)),
               E("e", Fraction(80), (Fraction(40),))]
    ranked = ranking.rank(entries)
    assert [(e.key, e.rank) for e in ranked] == [("c", 1), ("b", 2), ("a", 3), ("d", 3),
                                                 ("e", 5)]


@pytest.mark.parametrize(("tie_break", "first"), [
    ("org_recruited", "u4"),  # 16 points against u1's 8
    ("founding", "u1"),  # 10 points against u4's 0
    ("", None),  # no rule: they share first place
])
def test_tie_break_rule_of_a_scheme(world, tie_break, first):
    scheme = make_scheme(world["campaign"], tie_break=tie_break)
    honours = scheme.indicators.get(code="honours")
    honours.cap = 4
    honours.save()
    scoring.draw_units(scheme)
    u1 = scheme.units.get(code=world["u1"].key)
    services.set_manual_score(honours, u1, points=Decimal(4), assessor="陈建国", reason="省级表彰")
    scoring.run(scheme)
    ranks = {u.code: (u.total, u.rank) for u in scheme.units.filter(kind=UnitKind.ORGANISATION)}
    u1_key, u4_key = world["u1"].key, world["u4"].key
    assert ranks[u1_key][0] == ranks[u4_key][0] == 70
    if first is None:
        assert ranks[u1_key][1] == ranks[u4_key][1] == 1
        assert ranks[world["f"].key][1] == 3
    else:
        winner = world[first].key
        loser = u4_key if winner == u1_key else u1_key
        assert (ranks[winner][1], ranks[loser][1]) == (1, 2)


def test_grades_by_thresholds_and_by_quotas():
    assert ranking.grade_by_thresholds(Fraction(90), 90, 80, 60) == ranking.EXCELLENT
    assert ranking.grade_by_thresholds(Fraction(7999, 100), 90, 80, 60) == ranking.PASS
    assert ranking.grade_by_thresholds(Fraction(59), 90, 80, 60) == ranking.FAIL
    E = ranking.Entry
    ranked = ranking.rank([E(i, Fraction(t)) for i, t in enumerate([99, 95, 95, 90, 85, 80,
                                                                     75, 70, 65, 50])])
    ranking.grade_by_quotas(ranked, Fraction(1, 5), Fraction(3, 10), Fraction(60))
    # 2 优秀 places, 3 良好 places; the tie at rank 2 shares 优秀; 50 < 60 fails.
    assert [e.grade for e in ranked] == ["excellent", "excellent", "excellent", "good", "good",
                                         "pass", "pass", "pass", "pass", "fail"]


def test_quota_grading_in_a_run(world):
    scheme = make_scheme(world["campaign"], grading=GradingMode.QUOTAS,
                         excellent_share=Decimal("0.34"), good_share=Decimal("0.34"))
    scoring.run(scheme)
    orgs = {u.code: u.grade for u in scheme.units.filter(kind=UnitKind.ORGANISATION)}
    # three unions: floor(3 × 0.34) = 1 优秀, 1 良好; f has 50 < 60: 不合格
    assert orgs == {world["u4"].key: Grade.EXCELLENT, world["u1"].key: Grade.GOOD,
                    world["f"].key: Grade.FAIL}


# --- review: objections, locking, the snapshot ----------------------------------------------

def test_objection_round_trip_and_lock(world, user_in):
    from jianhui.accounts.models import Role as UserRole

    scheme = make_scheme(world["campaign"])
    party = Indicator.objects.create(scheme=scheme, code="party", name="党建带工建",
                                     method=Method.MANUAL, weight=10, applies_to=AppliesTo.AREA)
    Indicator.objects.filter(scheme=scheme, code="trainings").delete()  # keep areas at 100
    scoring.run(scheme)
    with pytest.raises(ValidationError, match="没有评分"):
        services.publish(scheme)
    a, b = (scheme.units.get(code=world[k].code) for k in ("a", "b"))
    for unit, points in ((a, 6), (b, 8)):
        services.set_manual_score(party, unit, points=Decimal(points), assessor="陈建国",
                                  reason="查阅资料")
    officer = user_in(world["a"], UserRole.AREA_OFFICER)
    with pytest.raises(ValidationError, match="公示期间"):
        services.file_objection(a, party, reason="有误", by=officer)
    services.publish(scheme)
    objection = services.file_objection(a, party, reason="联席会议纪要已补交", by=officer)
    assert objection.points_before == 6 and objection.is_open
    with pytest.raises(ValidationError, match="尚待答复"):
        services.file_objection(a, party, reason="再次提出", by=officer)
    with pytest.raises(ValidationError, match="1 条异议没有答复"):
        services.lock(scheme)
    total_before = scheme.units.get(pk=a.pk).total
    services.answer_objection(objection, outcome=Outcome.UPHELD, reply="纪要属实，更正为 9 分",
                              corrected_points=Decimal(9), assessor="陈建国")
    a.refresh_from_db()
    assert a.total == total_before + 3
    assert a.scores.get(indicator=party).reason == "异议复核：纪要属实，更正为 9 分"
    services.lock(scheme)
    scheme.refresh_from_db()
    assert scheme.status == Status.LOCKED
    with pytest.raises(ValidationError, match="已锁定"):
        services.set_manual_score(party, a, points=Decimal(10), assessor="x", reason="y")
    with pytest.raises(ValidationError, match="已.*锁定"):
        scoring.run(scheme)


def test_locked_assessment_is_unchanged_after_data_corrections(build, demo):
    """The demo's 2023 assessment is locked: members added and a union dissolved afterwards
    change the statistics but not one number of the assessment."""
    from jianhui import statistics
    from jianhui.unions.services import dissolve

    scheme = Scheme.objects.get(key="2023")
    assert scheme.status == Status.LOCKED
    before = report.as_json(scheme)
    gaoxin = scheme.units.get(kind=UnitKind.AREA, code="510623400").jurisdiction
    figures_before = statistics.figures([scheme.as_of], [gaoxin])[scheme.as_of, gaoxin.code]
    best = scheme.units.filter(kind=UnitKind.ORGANISATION, code__startswith="510623400-",
                               organisation__kind=OrganisationKind.STANDALONE
                               ).order_by("rank").first().organisation
    _members(build, best.coverages.first().enterprise, 5, dt.date(2023, 6, 1))
    dissolve(best, dt.date(2023, 7, 1))
    figures_after = statistics.figures([scheme.as_of], [gaoxin])[scheme.as_of, gaoxin.code]
    assert figures_after.unionized == figures_before.unionized - 1  # the data did change
    assert report.as_json(Scheme.objects.get(key="2023")) == before
    with pytest.raises(ValidationError, match="锁定"):
        scoring.run(scheme)


# --- Supervision's formulas ----------------------------------------------------------------

def _at(day, hour):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def supervised(world):
    """The concentrated action runs 2023-06-26 → 06-30 (five working days). 甲镇: reports on
    time on 26, 28, 30, late on 27, missing on 29; inspections 好 (26) and 一般 (29), one 差
    after D; a criticism and a talk confirmed, a rectification step only proposed, a withdrawn
    step; rectification items: one closed on time, one late, one open past due, one not yet
    due. 乙镇: every report on time, no inspection, no escalation, no item."""
    from jianhui.supervision.models import (
        DailyReport,
        Escalation,
        EscalationStep,
        Inspection,
        RectificationItem,
        StepKind,
        StepStatus,
        Trigger,
    )

    campaign, a, b = world["campaign"], world["a"], world["b"]
    campaign.action_start, campaign.action_end = dt.date(2023, 6, 26), dt.date(2023, 6, 30)
    campaign.save()
    days = [dt.date(2023, 6, d) for d in range(26, 31)]
    for day, hour in zip(days, (10, 20, 9, None, 17), strict=True):
        if hour is not None:
            DailyReport.objects.create(campaign=campaign, jurisdiction=a, on=day,
                                       submitted_at=_at(day, hour))
        DailyReport.objects.create(campaign=campaign, jurisdiction=b, on=day,
                                   submitted_at=_at(day, 12))
    for due, done, rating in ((days[0], days[0], "good"), (days[3], days[3], "fair"),
                              (dt.date(2023, 7, 3), dt.date(2023, 7, 3), "poor"),
                              (days[2], None, "")):
        Inspection.objects.create(campaign=campaign, jurisdiction=a, due_on=due, done_on=done,
                                  inspectors="刘志强" if done else "", rating=rating)
    esc = Escalation.objects.create(campaign=campaign, jurisdiction=a, trigger=Trigger.SLOW,
                                    opened_on=dt.date(2023, 6, 20))
    for kind, on, status in ((StepKind.CRITICISM, dt.date(2023, 6, 20), StepStatus.CONFIRMED),
                             (StepKind.TALK, days[2], StepStatus.CONFIRMED),
                             (StepKind.RECTIFY, days[4], StepStatus.PROPOSED)):
        EscalationStep.objects.create(escalation=esc, kind=kind, on=on, status=status,
                                      reason="日报迟报")
    withdrawn = Escalation.objects.create(campaign=campaign, jurisdiction=a,
                                          trigger=Trigger.STALLED, opened_on=days[1])
    EscalationStep.objects.create(escalation=withdrawn, kind=StepKind.CRITICISM, on=days[1],
                                  status=StepStatus.WITHDRAWN, reason="数据有误")
    june = lambda d: dt.date(2023, 6, d)  # noqa: E731
    for due, done, verified in ((june(20), june(19), june(21)), (june(25), june(27), june(28)),
                                (june(28), None, None), (dt.date(2023, 7, 10), None, None)):
        RectificationItem.objects.create(
            jurisdiction=a, escalation=esc, text="补报日报", owner="甲镇工会", due_on=due,
            done_on=done, verified_at=_at(verified, 9) if verified else None)
    return world


def test_supervision_formulas(supervised):
    m = _measures(supervised, make_scheme(supervised["campaign"]))
    a, b = supervised["a"].code, supervised["b"].code
    reports = m("reports_on_time", a)
    assert reports.value == Fraction(3, 5)
    assert (reports.inputs["due"], reports.inputs["submitted"], reports.inputs["on_time"]) == (
        5, 4, 3)
    assert reports.inputs["missing"] == ["2023-06-29"] and reports.inputs["late"] == ["2023-06-27"]
    assert m("reports_on_time", b).value == 1
    ratings = m("inspection_ratings", a)
    assert ratings.value == (1 + Fraction(3, 5)) / 2
    assert (ratings.inputs["good"], ratings.inputs["fair"], ratings.inputs["poor"]) == (1, 1, 0)
    assert m("inspection_ratings", b).value == 0
    steps = m("escalations", a)
    assert steps.value == 2 and [s["step"] for s in steps.inputs["steps"]] == ["criticism", "talk"]
    assert m("escalations", b).value == 0
    items = m("rectification_on_time", a)
    assert items.value == Fraction(1, 3)
    assert (items.inputs["due"], items.inputs["closed_on_time"]) == (3, 1)
    assert m("rectification_on_time", b).value == 1  # nothing due: full


def test_escalations_as_a_capped_deduction_in_a_run(supervised):
    scheme = make_scheme(supervised["campaign"])
    Indicator.objects.create(scheme=scheme, code="escalated", name="被督办", role=Role.DEDUCTION,
                             formula="escalations", applies_to=AppliesTo.AREA,
                             per_item=Decimal("1.5"), cap=Decimal(2), order=30)
    units = {u.code: u for u in scoring.run(scheme)}
    a = units[supervised["a"].code]
    score = a.scores.get(indicator__code="escalated")
    assert score.points == -2  # 2 steps × 1.5 = 3, capped at 2
    assert a.total == Decimal("69.58333334") - 2
    data = report.as_json(scheme)
    row = next(r for r in data["results"] if r["code"] == supervised["a"].code)
    entry = next(s for s in row["scores"] if s["indicator"] == "escalated")
    assert (entry["points"], entry["max"]) == (-2, 2)


def test_back_office_refuses_weights_not_adding_up_to_100(world, rf):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    from jianhui.assessment.admin import IndicatorInline

    scheme = make_scheme(world["campaign"])
    request = rf.post("/")
    request.user = get_user_model().objects.get(username="admin")
    FormSet = IndicatorInline(Scheme, admin.site).get_formset(request, scheme)
    lines = list(scheme.indicators.all())
    data = {"indicators-TOTAL_FORMS": len(lines), "indicators-INITIAL_FORMS": len(lines)}
    for n, ind in enumerate(lines):
        for field in ("order", "code", "name", "role", "method", "formula", "applies_to",
                      "weight", "cap", "description"):
            data[f"indicators-{n}-{field}"] = getattr(ind, field)
        data[f"indicators-{n}-full_at"] = ind.full_at or ""
        data[f"indicators-{n}-per_item"] = ind.per_item or ""
        data[f"indicators-{n}-id"] = ind.pk
        data[f"indicators-{n}-scheme"] = scheme.pk
    assert FormSet(data, instance=scheme).is_valid()
    data["indicators-0-weight"] = 35  # completion 40 → 35: the areas' lines add up to 95
    formset = FormSet(data, instance=scheme)
    assert not formset.is_valid()
    assert "适用于园区/乡镇的计分指标权重合计为 95" in str(formset.non_form_errors())
