"""A hand-built campaign for the supervision tests: three towns with targets of 4, 2 and 5
unionized enterprises from a baseline of 0, over August 2023 (31 days, all of it the
concentrated action). By 8-10: 甲镇 2 (one on 8-10), 乙镇 0, 丙镇 1 (on 8-3)."""

from __future__ import annotations

import datetime as dt

from jianhui.campaign.models import Campaign, CampaignArea, Target, TargetKind
from jianhui.unions.models import OrganisationKind
from jianhui.unions.services import found_organisation

D = dt.date
START, DEADLINE = D(2023, 8, 1), D(2023, 8, 31)


def unionize(enterprise, on):
    return found_organisation(name=f"{enterprise.name}工会", kind=OrganisationKind.STANDALONE,
                              jurisdiction=enterprise.jurisdiction, founded_on=on,
                              enterprises=[enterprise])


def make_world(build):
    county = build.jurisdiction("测试县")
    towns = {name: build.jurisdiction(name, county) for name in ("甲镇", "乙镇", "丙镇")}
    campaign = Campaign.objects.create(key="t-sup", name="测试行动", jurisdiction=county,
                                       start_on=START, deadline=DEADLINE, action_start=START,
                                       action_end=DEADLINE)
    for order, (name, goal) in enumerate((("甲镇", 4), ("乙镇", 2), ("丙镇", 5))):
        CampaignArea.objects.create(campaign=campaign, jurisdiction=towns[name], order=order)
        Target.objects.create(campaign=campaign, jurisdiction=towns[name],
                              kind=TargetKind.UNIONIZED, value=goal, start_on=START,
                              deadline=DEADLINE)
    firms = {name: [build.enterprise(j, name=f"{name}企业{i}") for i in range(5)]
             for name, j in towns.items()}
    unionize(firms["甲镇"][0], D(2023, 8, 2))
    unionize(firms["甲镇"][1], D(2023, 8, 10))
    unionize(firms["丙镇"][0], D(2023, 8, 3))
    return campaign, towns, firms
