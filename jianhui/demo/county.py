"""The demo county: 中江县's campaign year, ending on 2023-09-29 with the seed's figures.

Deterministic (a fixed seed for `random` and Faker zh_CN) and fictitious: names, credit codes
and ID numbers are generated, with valid check characters. On 2023-09-29 and after, the four
areas hold 164 enterprises in scope, 161 unionized (96 with their own 基层工会委员会, 65
covered by 3 工会联合会) and 15,028 members. Along the way the data exercises every rule the
statistics know: unions founded month by month, coverage moving from a federation to an
enterprise's own new union, a joint union dissolved into a town federation, an enterprise
deregistered, members who left, employee counts from surveys, and two federated enterprises
past the 25-member rule.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from faker import Faker

from jianhui.enterprises.models import EmployeeSurvey, Enterprise, OperatingStatus
from jianhui.lib.codes import CREDIT_CODE_ALPHABET, make_credit_code, make_id_number
from jianhui.lib.text import initials
from jianhui.regions.models import Jurisdiction, JurisdictionKind
from jianhui.statistics import sync
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation

SEED = 20230929
CAMPAIGN_START = dt.date(2022, 10, 1)
AS_OF = dt.date(2023, 9, 29)
TARGET_MEMBERS = 15028

COUNTY = ("510623", "中江县", "四川省德阳市中江县", JurisdictionKind.COUNTY)
# code, name, full name, kind, own unions, federated, refused, pre-campaign share of own unions
AREAS = [
    ("510623400", "高新区", "中江高新技术产业园区", JurisdictionKind.PARK, 58, 19, 3, 0.45),
    ("510623401", "凯州新城", "凯州新城", JurisdictionKind.PARK, 24, 0, 0, 0.15),
    ("510623117", "辑庆镇", "辑庆镇", JurisdictionKind.TOWN, 6, 22, 0, 0.5),
    ("510623118", "兴隆镇", "兴隆镇", JurisdictionKind.TOWN, 8, 24, 0, 0.5),
]
FEDERATIONS = {  # area code → (name, founded)
    "510623400": ("中江高新技术产业园区企业工会联合会", dt.date(2021, 6, 18)),
    "510623117": ("辑庆镇工会联合会", dt.date(2022, 11, 16)),
    "510623118": ("兴隆镇工会联合会", dt.date(2022, 12, 8)),
}
MOVERS = 4  # 高新区 enterprises that leave the federation for their own union in 2023
INDUSTRIES = [
    ("通用设备制造业", "机械"), ("食品制造业", "食品"), ("化学原料和化学制品制造业", "化工"),
    ("电气机械和器材制造业", "电气"), ("农副食品加工业", "农产品"), ("非金属矿物制品业", "建材"),
    ("金属制品业", "金属制品"), ("纺织服装、服饰业", "服饰"), ("医药制造业", "药业"),
    ("橡胶和塑料制品业", "塑胶"), ("交通运输、仓储和邮政业", "物流"), ("批发和零售业", "商贸"),
    ("汽车制造业", "汽车零部件"), ("计算机、通信和其他电子设备制造业", "电子科技"),
]
HOME_DIVISIONS = ["510623"] * 12 + ["510603", "510604", "510681", "510682", "510683",
                                     "510104", "511002", "510922", "511321", "510727"]


@dataclass
class Plan:
    area: str
    route: str  # standalone / federation / refused / deregistered
    employees: int
    founded_on: dt.date
    union_on: dt.date | None = None  # own union (standalone) or entering the federation
    federated_from: dt.date | None = None  # movers and joint-union history
    joint_until: dt.date | None = None
    members: int = 0
    enterprise: Enterprise | None = field(default=None, repr=False)


class DemoCounty:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_ids: set[str] = set()

    # --- random helpers ------------------------------------------------------------------
    def day_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, max((b - a).days, 0)))

    def campaign_day(self) -> dt.date:
        """A day in the campaign year, weighted towards the concentrated action (summer)."""
        month = self.rng.choices(range(12), weights=[2, 3, 3, 2, 2, 3, 4, 5, 6, 8, 9, 7])[0]
        first = dt.date(2022 + (9 + month) // 12, (9 + month) % 12 + 1, 1)
        last = min(AS_OF - dt.timedelta(days=3), first + dt.timedelta(days=27))
        return self.day_between(first, last)

    def credit_code(self, prefix: str) -> str:
        while True:
            body = "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(17 - len(prefix)))
            code = make_credit_code(prefix + body)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def enterprise_name(self, word: str) -> str:
        while True:
            place = self.rng.choice(["四川", "中江县", "德阳", "四川中江", ""])
            brand = self.fake.company_prefix()
            if not all("\u4e00" <= ch <= "\u9fff" for ch in brand):
                continue  # Faker mixes in Latin brands; county registers rarely have them
            name = f"{place}{brand}{word}有限公司"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def id_number(self, birth: dt.date) -> str:
        while True:
            value = make_id_number(self.rng.choice(HOME_DIVISIONS), birth, self.rng.randint(0, 999))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    # --- the plan ------------------------------------------------------------------------
    def plan(self) -> list[Plan]:
        plans: list[Plan] = []
        for code, _, _, kind, own, federated, refused, early in AREAS:
            park = kind == JurisdictionKind.PARK
            new_area = code == "510623401"  # 凯州新城: new entrants
            for i in range(own):
                if park and i < 2 and not new_area:
                    employees = self.rng.randint(1050, 1650)
                elif i < (10 if park and not new_area else 1):
                    employees = self.rng.randint(300, 720)
                else:
                    employees = self.rng.randint(26, 230 if park else 120)
                founded = (self.day_between(dt.date(2019, 3, 1), dt.date(2023, 3, 31)) if new_area
                           else self.day_between(dt.date(2004, 1, 1), dt.date(2021, 12, 31)))
                p = Plan(code, "standalone", employees, founded)
                if self.rng.random() < early and founded < dt.date(2022, 6, 1):
                    p.union_on = self.day_between(max(founded, dt.date(2012, 1, 1)) +
                                                  dt.timedelta(days=60), dt.date(2022, 9, 20))
                else:
                    p.union_on = max(self.campaign_day(), founded + dt.timedelta(days=30))
                plans.append(p)
            for i in range(federated):
                employees = self.rng.randint(31, 38) if code == "510623400" and i < 2 \
                    else self.rng.randint(4, 24)
                founded = self.day_between(dt.date(2008, 1, 1), dt.date(2021, 12, 31))
                fed_founded = FEDERATIONS[code][1]
                if fed_founded < CAMPAIGN_START and self.rng.random() < 0.5:
                    union_on = self.day_between(fed_founded, CAMPAIGN_START)
                else:
                    union_on = max(self.campaign_day(), fed_founded)
                union_on = max(union_on, founded + dt.timedelta(days=30))
                plans.append(Plan(code, "federation", employees, founded, union_on))
            for _ in range(refused):
                founded = self.day_between(dt.date(2010, 1, 1), dt.date(2020, 12, 31))
                plans.append(Plan(code, "refused", self.rng.randint(45, 160), founded))
        # 高新区: four enterprises were in the federation before founding their own union.
        movers = [p for p in plans if p.area == "510623400" and p.route == "standalone"
                  and p.union_on >= CAMPAIGN_START and p.employees < 300][:MOVERS]
        for p in movers:
            p.federated_from = self.day_between(
                max(FEDERATIONS[p.area][1], p.founded_on + dt.timedelta(days=30)),
                dt.date(2022, 9, 1))
            p.union_on = max(p.union_on, dt.date(2023, 3, 1))
        # 辑庆镇: two enterprises had a joint union, dissolved into the town federation.
        for p in [p for p in plans if p.area == "510623117" and p.route == "federation"][:2]:
            p.founded_on = min(p.founded_on, dt.date(2017, 3, 1))
            p.federated_from = dt.date(2019, 5, 20)
            p.joint_until = FEDERATIONS["510623117"][1]
            p.union_on = p.joint_until
        # 兴隆镇: one federated enterprise closed down in May 2023 (not among the 164).
        plans.append(Plan("510623118", "deregistered", 12, dt.date(2015, 4, 2),
                          dt.date(2022, 12, 8)))
        self._assign_members(plans)
        return plans

    def _assign_members(self, plans: list[Plan]) -> None:
        counted = [p for p in plans if p.route in ("standalone", "federation")]
        for p in counted:
            low = 0.82 if p.route == "standalone" else 0.7
            p.members = max(2, round(p.employees * self.rng.uniform(low, 0.95)))
        for p in counted:
            if p.route == "federation" and p.employees > 30:
                p.members = max(p.members, 26)  # the 25-member rule warnings
        # Hit the seed's total exactly, staying within each enterprise's employees.
        diff = TARGET_MEMBERS - sum(p.members for p in counted)
        adjustable = sorted((p for p in counted if p.route == "standalone"),
                            key=lambda p: -p.employees)
        i = 0
        while diff:
            p = adjustable[i % len(adjustable)]
            step = 1 if diff > 0 else -1
            if p.members + step <= p.employees and p.members + step >= 2:
                p.members += step
                diff -= step
            i += 1
        for p in plans:
            if p.route == "deregistered":
                p.members = 9

    # --- writing -------------------------------------------------------------------------
    @transaction.atomic
    def load(self) -> dict[str, int]:
        county = Jurisdiction(code=COUNTY[0], name=COUNTY[1], full_name=COUNTY[2],
                              kind=COUNTY[3], order=0)
        county.save()
        areas = {}
        for order, (code, name, full, kind, *_rest) in enumerate(AREAS, start=1):
            areas[code] = Jurisdiction(code=code, name=name, full_name=full, kind=kind,
                                       parent=county, order=order)
            areas[code].save()
        plans = self.plan()
        self._write_enterprises(plans, areas)
        orgs, coverages = self._write_unions(plans, areas)
        members = self._write_members(plans)
        return {"jurisdictions": 1 + len(areas), "enterprises": len(plans),
                "organisations": orgs, "coverages": coverages, "members": members}

    def _write_enterprises(self, plans: list[Plan], areas: dict[str, Jurisdiction]) -> None:
        rows, surveys = [], []
        for p in plans:
            industry, word = self.rng.choice(INDUSTRIES)
            name = self.enterprise_name(word)
            e = Enterprise(
                credit_code=self.credit_code("91510623MA6"), name=name, name_initials=initials(name),
                jurisdiction=areas[p.area], industry=industry, employees=p.employees,
                female_employees=round(p.employees * self.rng.uniform(0.2, 0.6)),
                migrant_workers=round(p.employees * self.rng.uniform(0.3, 0.8)),
                founded_on=p.founded_on, legal_representative=self.fake.name(),
                contact=self.fake.name(), phone=self.mobile(),
                address=f"{COUNTY[2]}{areas[p.area].name}{self.fake.street_name()}"
                        f"{self.rng.randint(1, 388)}号",
            )
            if p.route == "deregistered":
                e.status, e.deregistered_on = OperatingStatus.DEREGISTERED, dt.date(2023, 5, 10)
            p.enterprise = e
            rows.append(e)
        Enterprise.objects.bulk_create(rows)
        for p in plans:  # 摸底: the campaign surveyed everything without an old union
            if p.union_on and p.union_on < CAMPAIGN_START and not p.federated_from:
                continue
            first = self.day_between(dt.date(2022, 10, 8), dt.date(2022, 11, 30))
            earlier = max(1, p.employees + self.rng.randint(-8, 5))
            surveys.append(EmployeeSurvey(enterprise=p.enterprise, surveyed_on=first,
                                          employees=earlier, source="专题摸底"))
            if earlier != p.employees:
                surveys.append(EmployeeSurvey(
                    enterprise=p.enterprise, employees=p.employees, source="复核",
                    surveyed_on=self.day_between(dt.date(2023, 5, 4), dt.date(2023, 6, 30))))
        EmployeeSurvey.objects.bulk_create(surveys)

    def _org(self, key: str, name: str, kind: str, area: Jurisdiction, founded: dt.date,
             credit: bool, dissolved: dt.date | None = None) -> UnionOrganisation:
        return UnionOrganisation(
            key=key, name=name, kind=kind, jurisdiction=area, founded_on=founded,
            dissolved_on=dissolved, chair=self.fake.name(), chair_phone=self.mobile(),
            credit_code=self.credit_code("81510623MC") if credit else None,
        )

    def _write_unions(self, plans: list[Plan], areas: dict[str, Jurisdiction]) -> tuple[int, int]:
        seq: dict[str, int] = {}

        def key(area: str) -> str:
            seq[area] = seq.get(area, 0) + 1
            return f"{area}-{seq[area]:03d}"

        orgs, covers = [], []
        feds = {a: self._org(key(a), n, OrganisationKind.FEDERATION, areas[a], d, True)
                for a, (n, d) in FEDERATIONS.items()}
        orgs += feds.values()
        joint = self._org(key("510623117"), "辑庆镇食品企业联合基层工会", OrganisationKind.JOINT,
                          areas["510623117"], dt.date(2019, 5, 20), False,
                          dissolved=FEDERATIONS["510623117"][1])
        orgs.append(joint)
        own: dict[int, UnionOrganisation] = {}
        for p in sorted(plans, key=lambda p: (p.union_on or AS_OF, p.enterprise.name)):
            if p.route == "standalone":
                own[id(p)] = self._org(key(p.area), f"{p.enterprise.name}工会委员会",
                                       OrganisationKind.STANDALONE, areas[p.area], p.union_on,
                                       self.rng.random() < 0.5)
                orgs.append(own[id(p)])
        UnionOrganisation.objects.bulk_create(orgs)
        for p in plans:
            e = p.enterprise
            if p.joint_until:
                covers.append(Coverage(organisation=joint, enterprise=e,
                                       start_on=p.federated_from, end_on=p.joint_until))
            elif p.federated_from:
                covers.append(Coverage(organisation=feds[p.area], enterprise=e,
                                       start_on=p.federated_from, end_on=p.union_on))
            if p.route == "standalone":
                covers.append(Coverage(organisation=own[id(p)], enterprise=e, start_on=p.union_on))
            elif p.route == "federation":
                covers.append(Coverage(organisation=feds[p.area], enterprise=e, start_on=p.union_on))
            elif p.route == "deregistered":
                covers.append(Coverage(organisation=feds[p.area], enterprise=e,
                                       start_on=p.union_on, end_on=e.deregistered_on))
        Coverage.objects.bulk_create(covers)
        return len(orgs), len(covers)

    def _write_members(self, plans: list[Plan]) -> int:
        rows: list[Member] = []
        for p in plans:
            if not p.members:
                continue
            start = p.federated_from or p.union_on
            last = (p.enterprise.deregistered_on or AS_OF) - dt.timedelta(days=1)
            # Those who joined and later left (they do not count on AS_OF).
            leavers = round(p.members * 0.03) if p.route != "deregistered" else 0
            for n in range(p.members + leavers):
                if n < p.members * 0.55:
                    joined = start  # the founding assembly
                else:
                    joined = self.day_between(start, last)
                left = None
                if n >= p.members:
                    if (AS_OF - joined).days < 20:
                        joined = start
                    left = self.day_between(joined + dt.timedelta(days=10), AS_OF)
                elif p.route == "deregistered":
                    left = p.enterprise.deregistered_on
                rows.append(self._member(p.enterprise, joined, left))
        Member.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    def _member(self, enterprise: Enterprise, joined: dt.date, left: dt.date | None) -> Member:
        birth = self.day_between(dt.date(1965, 1, 1), dt.date(2004, 12, 31))
        id_number = self.id_number(birth)
        male = int(id_number[16]) % 2 == 1
        return Member(
            name=self.fake.name_male() if male else self.fake.name_female(),
            id_number=id_number, gender="男" if male else "女", birth_date=birth,
            phone=self.mobile() if self.rng.random() < 0.9 else "",
            enterprise=enterprise, joined_on=joined, left_on=left,
        )


def load_demo_county() -> dict[str, int] | None:
    """Load the demo county into an empty database; None if there is data already."""
    if Jurisdiction.objects.exists():
        return None
    with transaction.atomic():
        counts = DemoCounty().load()
        sync.rebuild()  # written in bulk, so the statistics' facts all at once
    return counts
