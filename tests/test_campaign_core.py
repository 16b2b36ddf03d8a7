"""The campaign's core: progress of targets (completion, 时序进度, lagging) against hand-computed
figures, the two-leader rule, the pipeline's stage history as of a date, and a survey's employee
count feeding the membership rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from jianhui import statistics
from jianhui.campaign import services
from jianhui.campaign.models import (
    Campaign,
    CampaignArea,
    ContactRole,
    Flag,
    Stage,
    Target,
    TargetKind,
    Willingness,
)
from jianhui.campaign.progress import completion_of, progress
from jianhui.campaign.stages import funnel, standings
from jianhui.enterprises.models import Enterprise
from jianhui.unions.models import OrganisationKind
from jianhui.unions.services import enrol, found_organisation

START, DEADLINE = dt.date(2023, 3, 1), dt.date(2023, 3, 10)  # a ten-day period
DAY = dt.timedelta(days=1)


@pytest.fixture
def county(build):
    return build.jurisdiction("测试县")


@pytest.fixture
def campaign(county):
    c = Campaign(key="t-2023", name="测试行动", jurisdiction=county, start_on=START,
                 deadline=DEADLINE)
    c.full_clean()
    c.save()
    return c


def standalone(enterprise, on):
    return found_organisation(name=f"{enterprise.name}工会", kind=OrganisationKind.STANDALONE,
                              jurisdiction=enterprise.jurisdiction, founded_on=on,
                              enterprises=[enterprise])


# --- 时序进度 and completion ----------------------------------------------------------------

@pytest.mark.parametrize(("on", "expected"), [
    (START - DAY, Fraction(0)),  # before the period: clamped to 0
    (START, Fraction(1, 10)),  # the first day counts: (D − start + 1) / 10
    (dt.date(2023, 3, 5), Fraction(5, 10)),
    (DEADLINE, Fraction(1)),
    (DEADLINE + 30 * DAY, Fraction(1)),  # after: clamped to 1
])
def test_time_progress_at_start_middle_end_and_outside(on, expected):
    assert statistics.time_elapsed_progress(START, DEADLINE, on) == expected


def test_completion_formula():
    assert completion_of(Fraction(10), Fraction(13), Fraction(20)) == Fraction(3, 10)
    assert completion_of(Fraction(10), Fraction(25), Fraction(20)) == Fraction(3, 2)  # not clamped
    assert completion_of(Fraction(10), Fraction(8), Fraction(20)) == Fraction(-1, 5)
    assert completion_of(Fraction(20), Fraction(5), Fraction(20)) == 1  # target ≤ baseline
    assert completion_of(Fraction(30), Fraction(5), Fraction(20)) == 1


def test_progress_of_a_count_target_and_lagging(build, county, campaign):
    town = build.jurisdiction("甲镇", county)
    firms = [build.enterprise(town, founded_on=dt.date(2020, 1, 1)) for _ in range(6)]
    standalone(firms[0], dt.date(2022, 5, 1))  # unionized before the start: the baseline is 1
    target = Target.objects.create(campaign=campaign, jurisdiction=town,
                                   kind=TargetKind.UNIONIZED, value=5, start_on=START,
                                   deadline=DEADLINE)
    standalone(firms[1], dt.date(2023, 3, 3))
    mid = dt.date(2023, 3, 5)  # 时序进度 5/10; one of the four more unions founded: 1/4
    [p] = progress([target], mid)
    assert (p.baseline, p.achieved, p.goal) == (1, 2, 5)
    assert p.completion == Fraction(1, 4) and p.time_progress == Fraction(1, 2) and p.lagging
    for firm, day in zip(firms[2:5], (3, 4, 5), strict=True):
        standalone(firm, dt.date(2023, 3, day))
    [p] = progress([target], mid)
    assert p.completion == 1 and not p.lagging
    standalone(firms[5], dt.date(2023, 3, 6))
    [p] = progress([target], dt.date(2023, 3, 8))  # over-achieved: 5/4, shown above 100%
    assert p.completion == Fraction(5, 4)
    assert p.as_json() == {
        "code": town.code, "name": "甲镇", "target_kind": "unionized", "baseline": 1,
        "target": 5, "achieved": 6, "completion": 1.25, "time_progress": 0.8, "lagging": False}


def test_progress_of_a_rate_target_uses_the_exact_rate(build, county, campaign):
    firms = [build.enterprise(county, founded_on=dt.date(2020, 1, 1)) for _ in range(4)]
    standalone(firms[0], dt.date(2022, 1, 1))
    target = Target.objects.create(campaign=campaign, jurisdiction=county,
                                   kind=TargetKind.ESTABLISHMENT_RATE, value=Decimal("0.75"),
                                   start_on=START, deadline=DEADLINE)
    standalone(firms[1], dt.date(2023, 3, 2))
    [p] = progress([target], DEADLINE)  # baseline 1/4, achieved 2/4, goal 3/4 → 1/2
    assert (p.baseline, p.achieved, p.completion) == (Fraction(1, 4), Fraction(1, 2),
                                                      Fraction(1, 2))
    assert p.lagging and p.shown(p.achieved) == "50.0%"
    assert p.as_json()["target"] == 0.75 and p.as_json()["achieved"] == 0.5


def test_a_survey_changes_the_membership_rate_as_defined(build, county, campaign):
    firm = build.enterprise(county, employees=40, founded_on=dt.date(2020, 1, 1))
    standalone(firm, dt.date(2022, 1, 1))
    for _ in range(10):
        enrol(name="会员", id_number=build.id_number(), enterprise=firm,
              joined_on=dt.date(2022, 2, 1))
    target = Target.objects.create(campaign=campaign, jurisdiction=county,
                                   kind=TargetKind.MEMBERSHIP_RATE, value=Decimal("0.5"),
                                   start_on=START, deadline=DEADLINE)
    assert progress([target], dt.date(2023, 3, 5))[0].achieved == Fraction(10, 40)
    # Surveyed on 3-5 with 20 employees: from that day the rate is 10/20, not before.
    services.record_survey(campaign, firm, surveyed_on=dt.date(2023, 3, 5), employees=20,
                           surveyor="李干事", willingness=Willingness.WILLING)
    before, on = progress([target], dt.date(2023, 3, 4))[0], progress([target], START + 4 * DAY)[0]
    assert before.achieved == Fraction(10, 40) and on.achieved == Fraction(1, 2)
    assert statistics.totals(dt.date(2023, 3, 5), county).membership_rate == Fraction(1, 2)


def test_target_values_are_checked():
    t = Target(kind=TargetKind.ESTABLISHMENT_RATE, value=Decimal("95"), start_on=START,
               deadline=DEADLINE)
    with pytest.raises(ValidationError, match="0.95"):
        t.clean()
    t = Target(kind=TargetKind.MEMBERS, value=Decimal("10.5"), start_on=START, deadline=DEADLINE)
    with pytest.raises(ValidationError, match="整数"):
        t.clean()


# --- 包片: two leaders per area ------------------------------------------------------------

def test_two_leader_rule(build, county, campaign):
    campaign.deadline = dt.date.today() + 30 * DAY  # active today
    campaign.save()
    town = build.jurisdiction("乙镇", county)
    area = CampaignArea.objects.create(campaign=campaign, jurisdiction=town)
    with pytest.raises(ValidationError, match="两名"):
        services.set_area_leaders(area, [services.Person("张书记")])
    services.set_area_leaders(area, [services.Person("张书记"), services.Person("王主席")])
    with pytest.raises(ValidationError, match="已有 2 名包片领导"):
        services.add_contact(area, ContactRole.LEADER, services.Person("第三人"))
    officer = services.add_contact(area, ContactRole.OFFICER, services.Person("李干事"))
    leader = area.leaders().first()
    with pytest.raises(ValidationError, match="须有两名包片领导"):
        services.remove_contact(leader)
    with pytest.raises(ValidationError, match="至少须有一名联络员"):
        services.remove_contact(officer)
    assert area.leaders().count() == 2
    # Once the campaign is over, the area may be left without them.
    campaign.deadline = dt.date.today() - DAY
    campaign.start_on = campaign.deadline - 10 * DAY
    campaign.save()
    area.refresh_from_db()
    services.remove_contact(area.leaders().first())
    assert area.leaders().count() == 1


# --- the pipeline --------------------------------------------------------------------------

def test_stage_history_as_of_a_date(build, county, campaign, user_in):
    firm = build.enterprise(county, founded_on=dt.date(2020, 1, 1))
    officer = user_in(county)
    case = services.case_for(campaign, firm)
    services.move_stage(case, Stage.SURVEYED, dt.date(2023, 3, 2), "摸底", by=officer)
    services.move_stage(case, Stage.CONTACTED, dt.date(2023, 3, 4), "宣讲政策", by=officer)
    services.move_stage(case, Stage.AGREED, dt.date(2023, 3, 6), "老板同意", by=officer)
    # A back-dated record: history, not the current stage.
    services.move_stage(case, Stage.CONTACTED, dt.date(2023, 3, 3), "电话补记", by=officer)
    case.refresh_from_db()
    assert case.stage == Stage.AGREED
    qs = Enterprise.objects.filter(pk=firm.pk)
    seen = {d: standings(campaign, dt.date(2023, 3, d), qs)[firm.pk].stage for d in (1, 2, 3, 5, 6)}
    assert seen == {1: Stage.UNSURVEYED, 2: Stage.SURVEYED, 3: Stage.CONTACTED,
                    5: Stage.CONTACTED, 6: Stage.AGREED}
    standalone(firm, dt.date(2023, 3, 8))  # 已建会 from the data model, on that day only
    assert standings(campaign, dt.date(2023, 3, 7), qs)[firm.pk].stage == Stage.AGREED
    assert standings(campaign, dt.date(2023, 3, 8), qs)[firm.pk].stage == Stage.FOUNDED
    assert funnel(campaign, dt.date(2023, 3, 8), [county.path])[Stage.FOUNDED] == 1
    assert funnel(campaign, dt.date(2023, 3, 7), [county.path])[Stage.AGREED] == 1


def test_founded_is_never_set_by_hand_and_a_change_needs_a_reason(build, county, campaign):
    firm = build.enterprise(county, founded_on=dt.date(2020, 1, 1))
    case = services.case_for(campaign, firm)
    with pytest.raises(ValidationError, match="不能手工设置"):
        services.move_stage(case, Stage.FOUNDED, START, "已建")
    with pytest.raises(ValidationError, match="请填写说明"):
        services.move_stage(case, Stage.SURVEYED, START, "  ")
    with pytest.raises(ValidationError, match="请填写原因"):
        services.move_stage(case, Stage.SURVEYED, START, "走访", flag=Flag.DEFERRED)
    standalone(firm, START)
    with pytest.raises(ValidationError, match="已建会"):
        services.move_stage(case, Stage.PREPARING, START + DAY, "筹备")


def test_a_refusing_survey_flags_the_case_and_funnel_counts_every_enterprise(build, county,
                                                                            campaign):
    refusing = build.enterprise(county, founded_on=dt.date(2020, 1, 1))
    quiet = build.enterprise(county, founded_on=dt.date(2020, 1, 1))
    build.enterprise(county, founded_on=dt.date(2024, 1, 1))  # not yet in scope
    services.record_survey(campaign, refusing, surveyed_on=START, employees=30,
                           surveyor="赵干事", willingness=Willingness.REFUSING)
    case = services.case_for(campaign, refusing)
    assert (case.stage, case.flag) == (Stage.SURVEYED, Flag.REFUSED)
    on = standings(campaign, START, Enterprise.objects.filter(pk__in=[refusing.pk, quiet.pk]))
    assert on[refusing.pk].flag == Flag.REFUSED and on[quiet.pk].stage == Stage.UNSURVEYED
    counts = funnel(campaign, START, [county.path])
    assert list(counts) == list(Stage) and sum(counts.values()) == 2
    with pytest.raises(ValidationError, match="同一天只记一次"):
        services.record_survey(campaign, refusing, surveyed_on=START, employees=31,
                               surveyor="赵干事", willingness=Willingness.REFUSING)


def test_copy_for_next_year(build, county, campaign):
    town = build.jurisdiction("丙镇", county)
    Target.objects.create(campaign=campaign, jurisdiction=town, kind=TargetKind.MEMBERS,
                          value=300, start_on=START, deadline=DEADLINE)
    area = CampaignArea.objects.create(campaign=campaign, jurisdiction=town)
    services.set_area_leaders(area, [services.Person("甲"), services.Person("乙")])
    campaign.leading_group.create(name="组长某", role="head")
    new = services.copy_campaign(campaign, key="t-2024", name="2024年行动")
    assert (new.start_on, new.deadline) == (dt.date(2024, 3, 1), dt.date(2024, 3, 10))
    assert new.targets.get().start_on == dt.date(2024, 3, 1) and new.copied_from == campaign
    assert [c.name for c in new.areas.get().leaders()] == ["甲", "乙"]
    assert new.leading_group.get().name == "组长某"


@pytest.mark.parametrize(("on", "founded", "lagging"), [
    (START - DAY, 0, False),  # before the period: 时序进度 0, nothing is late yet
    # First day: 1/10 of the time is gone and the baseline is that day's own figure, so any
    # target not met at the start is lagging on day one (a union founded that day is in the
    # baseline, not in the progress).
    (START, 0, True),
    (dt.date(2023, 3, 5), 2, False),  # middle: 2/4 = 5/10
    (dt.date(2023, 3, 6), 2, True),  # a day later: 2/4 < 6/10
    (DEADLINE, 3, True),  # end: 3/4 < 1
    (DEADLINE, 4, False),  # end: done
    (DEADLINE + 30 * DAY, 3, True),  # after: 时序进度 stays 1, still short
])
def test_lagging_at_start_middle_end_and_outside(build, county, campaign, on, founded, lagging):
    firms = [build.enterprise(county, founded_on=dt.date(2020, 1, 1)) for _ in range(4)]
    target = Target.objects.create(campaign=campaign, jurisdiction=county,
                                   kind=TargetKind.UNIONIZED, value=4, start_on=START,
                                   deadline=DEADLINE)
    for firm in firms[:founded]:
        standalone(firm, START + DAY)
    [p] = progress([target], on)
    assert p.baseline == 0 and p.completion == Fraction(founded, 4)
    assert p.time_progress == statistics.time_elapsed_progress(START, DEADLINE, on)
    assert p.lagging is lagging
