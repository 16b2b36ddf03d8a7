"""The demo's 2023 assessment (专项考核) of the campaign 2023-zj: the four areas and their
grassroots unions, scored as of 2023-12-31; the areas' 党建带工建 mechanism scored by hand,
one union's municipal award as a bonus, one objection filed and answered, then locked.

Deterministic; loaded after the campaign. Run again, it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from jianhui.assessment import scoring, services
from jianhui.assessment.models import (
    AppliesTo,
    Grade,
    Indicator,
    Measure,
    Method,
    Outcome,
    Role,
    Scheme,
    Unit,
    UnitKind,
)
from jianhui.audit.tracking import untracked
from jianhui.campaign.models import Campaign

KEY = "2023"
CAMPAIGN = "2023-zj"
AS_OF = dt.date(2023, 12, 31)

# code, name, role, method, formula, applies to, weight, full at, per item, cap, standard
INDICATORS = [
    ("completion", "目标任务完成进度", Role.SCORED, Method.FORMULA, "completion", AppliesTo.AREA,
     40, "1.06", None, 0, "完成县总工会下达的建会、会员目标；超额完成 6% 及以上得满分。"),
    ("establishment", "建会率", Role.SCORED, Method.FORMULA, "establishment_rate",
     AppliesTo.AREA, 15, "0.95", None, 0, "建会率达到 95% 得满分，低于的按比例得分。"),
    ("membership", "入会率", Role.SCORED, Method.FORMULA, "membership_rate", AppliesTo.AREA,
     10, "0.70", None, 0, "已建会企业职工入会率达到 70% 得满分。"),
    ("recruited", "每百名职工新增会员", Role.SCORED, Method.FORMULA, "members_per_100",
     AppliesTo.AREA, 10, "30", None, 0, "行动期间每百名职工新增会员 30 名得满分。"),
    ("party", "党建带工建工作机制", Role.SCORED, Method.MANUAL, "", AppliesTo.AREA, 15, None,
     None, 0, "党工共建联席会议、党组织书记包联企业、阵地共建共享，由考核组查阅资料评分。"),
    ("reports", "日报按时报送", Role.SCORED, Method.FORMULA, "reports_on_time", AppliesTo.AREA,
     5, "0.80", None, 0, "集中行动期间日报按时报送率达到 80% 得满分。"),
    ("rectification", "整改按期办结", Role.SCORED, Method.FORMULA, "rectification_on_time",
     AppliesTo.AREA, 5, None, None, 0, "督导和督办提出的整改事项按期办结并经专班核验。"),
    ("escalated", "被督办扣分", Role.DEDUCTION, Method.FORMULA, "escalations", AppliesTo.AREA,
     0, None, "0.5", 1, "被书面通报批评、主席约谈、限期整改的，每次扣 0.5 分，最多扣 1 分。"),
    ("org_membership", "入会率", Role.SCORED, Method.FORMULA, "membership_rate",
     AppliesTo.ORGANISATION, 75, "0.90", None, 0, "覆盖企业职工入会率达到 90% 得满分。"),
    ("org_recruited", "每百名职工新增会员", Role.SCORED, Method.FORMULA, "members_per_100",
     AppliesTo.ORGANISATION, 25, "60", None, 0, "行动期间每百名职工新增会员 60 名得满分。"),
    ("honours", "荣誉表彰", Role.BONUS, Method.MANUAL, "", AppliesTo.BOTH, 0, None, None, 3,
     "获市级及以上工会表彰的加分，最多加 3 分。"),
]

# area code → (points, reason) for 党建带工建, by the assessment group's head
PARTY_SCORES = {
    "510623117": ("14", "镇党委每季度召开党工共建联席会议，镇工会联合会阵地与党群服务中心共建共享，资料齐全。"),
    "510623401": ("13.5", "新城党工委书记包联重点企业，驻企指导员制度落实；联席会议记录缺 1 次。"),
    "510623118": ("13.5", "镇党委将建会纳入党建述职，联席会议按季度召开；阵地共建尚在推进。"),
    "510623400": ("13", "园区党工委与工会联合会建立联席会议制度，但企业党组织书记兼任工会主席比例偏低。"),
}
ASSESSOR = "陈建国"


def load_demo_assessment() -> Scheme | None:
    """Load the 2023 assessment; None when the campaign is missing or it exists already."""
    campaign = Campaign.objects.filter(key=CAMPAIGN).first()
    if campaign is None or Scheme.objects.filter(key=KEY).exists():
        return None
    with transaction.atomic(), untracked():
        return _load(campaign)


def make_scheme(campaign: Campaign, key: str = KEY) -> Scheme:
    """The 2023 scheme with its indicators (also the tests' realistic fixture)."""
    scheme = Scheme(key=key, name="2023年度建会入会专项考核", year=2023, campaign=campaign,
                    as_of=AS_OF, tie_break="completion,establishment,org_membership", tilt_top_n=3,
                    excellent_min=Decimal(90), good_min=Decimal(75), pass_min=Decimal(60),
                    note="考核结果纳入年终目标考核；排名前三的基层工会给予人员和经费倾斜。")
    scheme.full_clean()
    scheme.save()
    for order, (code, name, role, method, formula, applies, weight, full_at, per_item, cap,
                text) in enumerate(INDICATORS):
        ind = Indicator(scheme=scheme, code=code, name=name, role=role, method=method,
                        formula=formula, applies_to=applies, weight=Decimal(weight),
                        full_at=Decimal(full_at) if full_at else None,
                        per_item=Decimal(per_item) if per_item else None, cap=Decimal(cap),
                        description=text, order=order)
        ind.full_clean()
        ind.save()
    return scheme


def _load(campaign: Campaign) -> Scheme:
    User = get_user_model()
    admin, leader = User.objects.filter(username="admin").first(), User.objects.filter(
        username="leader").first()
    officer = User.objects.filter(username="jiqing").first()
    scheme = make_scheme(campaign)
    scoring.draw_units(scheme)
    party = scheme.indicators.get(code="party")
    for code, (points, reason) in PARTY_SCORES.items():
        unit = scheme.units.get(kind=UnitKind.AREA, code=code)
        services.set_manual_score(party, unit, points=Decimal(points), assessor=ASSESSOR,
                                  reason=reason, by=admin)
    honoured = scheme.units.filter(kind=UnitKind.ORGANISATION).order_by("order").first()
    services.set_manual_score(scheme.indicators.get(code="honours"), honoured,
                              points=Decimal(2), assessor=ASSESSOR,
                              reason="2023 年获德阳市总工会“模范职工之家”称号（德工发〔2023〕18 号）。",
                              by=admin)
    services.publish(scheme, by=admin, objection_deadline=dt.date(2024, 1, 15))
    jiqing = Unit.objects.get(scheme=scheme, kind=UnitKind.AREA, code="510623117")
    objection = services.file_objection(
        jiqing, party, by=officer, on=dt.date(2024, 1, 10),
        reason="镇党委 2023 年召开党工共建联席会议 4 次，第四季度会议纪要已补充上传，请复核。")
    services.answer_objection(
        objection, outcome=Outcome.UPHELD, by=admin, corrected_points=Decimal("14.5"),
        assessor=ASSESSOR,
        reply="经复核，第四季度联席会议纪要属实，党建带工建工作机制得分由 14 分更正为 14.5 分。")
    services.lock(scheme, by=leader)
    _date_the_steps(scheme, objection)
    for unit in services.tilt_candidates(scheme):  # tied units get the same
        services.set_tilt(unit, staff_positions=1, funds=Decimal(60000 - 10000 * unit.rank),
                          note="用于职工之家建设和工会专职工作人员补助。", by=admin)
    for unit in scheme.units.filter(kind=UnitKind.ORGANISATION, grade=Grade.FAIL):
        services.hold_accountable(
            unit, measure=Measure.RECTIFY, decided_on=dt.date(2024, 1, 20), by=leader,
            note=f"考核得分 {unit.total:.2f} 分，入会率偏低：限 2024 年 3 月底前完成会员发展整改。",
            escalations=[e.pk for e in services.escalations_of(unit)])
    return scheme


def _date_the_steps(scheme: Scheme, objection) -> None:
    """The steps as they happened in January 2024, not on the day the demo was loaded: scored
    and published on the 8th, the objection answered (and the scores run again) on the 12th,
    locked on the 18th."""
    from django.utils import timezone

    from jianhui.assessment.models import ManualScore, Objection

    def at(day: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime(2024, 1, day, hour))

    Scheme.objects.filter(pk=scheme.pk).update(ran_at=at(12, 16), published_at=at(8, 17),
                                               locked_at=at(18, 10))
    ManualScore.objects.filter(indicator__scheme=scheme).update(recorded_at=at(5, 15))
    Objection.objects.filter(pk=objection.pk).update(filed_at=at(10, 9), replied_at=at(12, 15))
    scheme.refresh_from_db()
