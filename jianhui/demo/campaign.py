"""The campaign behind the demo county's figures (2022-10-01 → 2023-09-30, its concentrated
action in the last two months): the leading group, targets for each area set at the start,
two leaders and an officer per area, and the two task forces of the concentrated action;
then its field work (demo/fieldwork.py: surveys, stage history, outreach, trainings, the new
unions' checklists).

Deterministic; loaded after the county and the demo accounts (officers are the demo users of
their areas). Run again, it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from jianhui.audit.log import operator, record
from jianhui.audit.models import Action
from jianhui.audit.tracking import untracked
from jianhui.campaign import services
from jianhui.campaign.models import (
    AreaContact,
    Campaign,
    CampaignArea,
    ContactRole,
    GroupRole,
    Strategy,
    Target,
    TargetKind,
    TaskForce,
)
from jianhui.regions.models import Jurisdiction

from .fieldwork import load_demo_fieldwork

KEY = "2023-zj"
NAME = "中江县产业园区建会入会集中攻坚行动"
START, DEADLINE = dt.date(2022, 10, 1), dt.date(2023, 9, 30)
ACTION_START, ACTION_END = dt.date(2023, 8, 1), dt.date(2023, 9, 28)

LEADING_GROUP = [
    ("县总工会党组书记、常务副主席", "陈建国", GroupRole.HEAD),
    ("县总工会党组成员、副主席", "刘志强", GroupRole.DEPUTY),
    ("县总工会党组成员、经费审查委员会主任", "王秀英", GroupRole.DEPUTY),
    ("县总工会组织民管部部长", "张明", GroupRole.MEMBER),
    ("县总工会办公室主任", "李静", GroupRole.MEMBER),
    ("县总工会权益保障部部长", "赵军", GroupRole.MEMBER),
]

# area code → strategy, what it is charged with, two leaders (name, title), officer user
AREAS = {
    "510623400": (Strategy.FOCUS, "园区企业多、规模大：领导包片、重点突破，推动会员满25人的联合建会企业单独建会，"
                  "攻坚尚未建会的企业。", [("陈建国", "县总工会党组书记"), ("刘志强", "县总工会副主席")],
                  "gaoxin"),
    "510623401": (Strategy.FOCUS, "新入驻企业集中：派驻专人常驻园区，企业投产一家、建会一家。",
                  [("王秀英", "县总工会经审会主任"), ("张明", "县总工会组织民管部部长")], "kaizhou"),
    "510623117": (Strategy.WHOLE, "小微企业为主：以镇工会联合会整体推进联合建会，抓好数据采集。",
                  [("李静", "县总工会办公室主任"), ("赵军", "县总工会权益保障部部长")], "jiqing"),
    "510623118": (Strategy.WHOLE, "小微企业为主：组建镇工会联合会，整体推进联合建会。",
                  [("赵军", "县总工会权益保障部部长"), ("李静", "县总工会办公室主任")], "xinglong"),
}

# Targets set at the start: per area the unionized enterprises and the members; for the county
# the establishment rate (98%) and the members (15,000).
TARGETS = {
    "510623": [(TargetKind.ESTABLISHMENT_RATE, Decimal("0.98")), (TargetKind.MEMBERS, 15000)],
    "510623400": [(TargetKind.UNIONIZED, 77), (TargetKind.MEMBERS, 10500)],
    "510623401": [(TargetKind.UNIONIZED, 24), (TargetKind.MEMBERS, 2450)],
    "510623117": [(TargetKind.UNIONIZED, 28), (TargetKind.MEMBERS, 720)],
    "510623118": [(TargetKind.UNIONIZED, 32), (TargetKind.MEMBERS, 1200)],
}

TASK_FORCES = [
    ("第一督导专班", "督导高新区、凯州新城：三天一督导，推动领导包片企业建会。",
     ["510623400", "510623401"], [("刘志强", "组长"), ("张明", "成员")], "zhuanban"),
    ("第二督导专班", "督导辑庆镇、兴隆镇：三天一督导，指导镇工会联合会吸纳企业、采集会员数据。",
     ["510623117", "510623118"], [("王秀英", "组长"), ("赵军", "成员")], None),
]


def load_demo_campaign() -> Campaign | None:
    """Load the campaign into the demo county; None when there is none or it exists already."""
    county = Jurisdiction.objects.filter(code="510623").first()
    if county is None or Campaign.objects.filter(key=KEY).exists():
        return None
    with transaction.atomic(), untracked():
        campaign = _load(county)
        fieldwork = load_demo_fieldwork(campaign)
        record(Action.IMPORT, model="campaign.Campaign", object_key=campaign.key,
               object_repr=campaign.name, username=operator(),
               detail={"kind": "demo_campaign", "targets": campaign.targets.count(),
                       "areas": campaign.areas.count(), **fieldwork})
    return campaign


def _load(county: Jurisdiction) -> Campaign:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["gaoxin", "kaizhou", "jiqing", "xinglong", "zhuanban"])}
    campaign = Campaign(key=KEY, name=NAME, jurisdiction=county, start_on=START,
                        deadline=DEADLINE, action_start=ACTION_START, action_end=ACTION_END,
                        note="到2023年9月底，园区和乡镇已建会企业建会率达到98%以上，会员达到1.5万人。")
    campaign.full_clean()
    campaign.save()
    for order, (title, name, role) in enumerate(LEADING_GROUP):
        campaign.leading_group.create(name=name, title=title, role=role, order=order)
    places = {j.code: j for j in Jurisdiction.objects.filter(code__in=[*AREAS, *TARGETS])}
    for order, (code, (strategy, duty, leaders, officer)) in enumerate(AREAS.items()):
        area = CampaignArea.objects.create(campaign=campaign, jurisdiction=places[code],
                                           strategy=strategy, responsibilities=duty, order=order)
        services.set_area_leaders(area, [services.Person(n, t) for n, t in leaders])
        user = users.get(officer)
        AreaContact.objects.create(area=area, role=ContactRole.OFFICER,
                                   name=user.first_name if user else officer,
                                   title="园区/乡镇工会干部", user=user)
    for code, targets in TARGETS.items():
        for kind, value in targets:
            target = Target(campaign=campaign, jurisdiction=places[code], kind=kind,
                            value=Decimal(value), start_on=START, deadline=DEADLINE)
            target.full_clean()
            target.save()
    for name, purpose, codes, members, user in TASK_FORCES:
        force = TaskForce.objects.create(campaign=campaign, name=name, purpose=purpose,
                                         start_on=ACTION_START, end_on=ACTION_END)
        force.areas.set([places[c] for c in codes])
        for n, (person, role) in enumerate(members):
            force.members.create(name=person, title=role,
                                 role=GroupRole.HEAD if n == 0 else GroupRole.MEMBER,
                                 user=users.get(user) if n == 1 else None)
    return campaign
