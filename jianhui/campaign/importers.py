"""The campaign's two import kinds, through the import framework's path (preview, error
workbook, all or nothing): 摸底情况 (surveys) and 目标任务 (targets). Registered with
`jianhui.imports` when the app is ready (campaign/apps.py).

A survey row is written by services.record_survey, the one home of a survey's rules (one
record per enterprise and day, its employee figure for the statistics from that day, the case
moved on to 已摸底, a refusal flagged); `check` finds beforehand everything it would refuse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.imports.kinds.base import Importer, JurisdictionIndex, RowReader, chunks
from jianhui.imports.readers import Columns
from jianhui.imports.values import Choice, ValueProblem, parse_date, parse_int, text
from jianhui.lib.codes import normalise_credit_code
from jianhui.unions.choices import JOINT_KINDS
from jianhui.unions.models import UnionOrganisation

from . import services
from .models import Campaign, Route, Target, TargetKind, Willingness

WILLINGNESS = Choice("建会意愿", {label: value for value, label in Willingness.choices})
ROUTE = Choice("建议建会方式", {"单独建会": Route.OWN, "联合建会": Route.JOINT,
                             "单独": Route.OWN, "联合": Route.JOINT})
PARTY = Choice("有无党组织", {"有": "1", "是": "1", "没有": "0", "无": "0", "否": "0"})
TARGET_KIND = Choice("目标类型", {
    **{label: value for value, label in TargetKind.choices},
    "已建会企业": TargetKind.UNIONIZED, "建会企业数": TargetKind.UNIONIZED,
    "会员数": TargetKind.MEMBERS, "会员": TargetKind.MEMBERS,
})


def _campaigns() -> dict[str, Campaign]:
    return {c.key: c for c in Campaign.objects.select_related("jurisdiction")}


def campaign_key(value: object) -> str:
    return text(value).strip().lower()


# --- 摸底情况 ------------------------------------------------------------------------------

SURVEY_COLUMNS = {
    "统一社会信用代码": "credit_code", "摸底日期": "surveyed_on", "职工人数": "employees",
    "女职工人数": "female_employees", "农民工人数": "migrant_workers",
    "有无党组织": "has_party_org", "建会意愿": "willingness", "建议建会方式": "route",
    "拟加入的联合工会": "federation", "摸底人": "surveyor", "备注": "note",
    "行动编号": "campaign",
}
SURVEY_PARSERS = {
    "统一社会信用代码": normalise_credit_code, "摸底日期": parse_date, "职工人数": parse_int,
    "女职工人数": parse_int, "农民工人数": parse_int, "有无党组织": PARTY,
    "建会意愿": WILLINGNESS, "建议建会方式": ROUTE, "行动编号": campaign_key,
}


@dataclass
class SurveyRow:
    number: int
    credit_code: str
    values: dict
    cells: dict


class SurveyImporter(Importer):
    kind = "surveys"
    label = "摸底情况"
    columns = Columns(names=tuple(SURVEY_COLUMNS),
                      required=("统一社会信用代码", "摸底日期", "职工人数", "建会意愿", "摸底人"),
                      aliases={"摸底时间": "摸底日期", "意愿": "建会意愿", "调查人": "摸底人",
                               "走访人": "摸底人", "党组织": "有无党组织"})
    template_key = "统一社会信用代码 + 摸底日期（同一企业同一天只记一次，只能新增）"
    template_enums = {"建会意愿": WILLINGNESS, "建议建会方式": ROUTE, "有无党组织": PARTY}
    template_help = {
        "统一社会信用代码": ("被摸底企业的统一社会信用代码；企业须已登记，且在您的管辖范围内。",
                     "91510623MA6200001X"),
        "摸底日期": ("走访摸底的日期，不能晚于今天；从这一天起统计使用本次的职工人数。", "2023-03-15"),
        "职工人数": ("摸底核实的在职职工人数。", "86"),
        "女职工人数": ("不能多于职工人数。", "30"),
        "农民工人数": ("不能多于职工人数。", "50"),
        "有无党组织": ("有、没有；不清楚不填。", "有"),
        "建会意愿": ("愿意、观望、拒绝；拒绝的企业在工作台账中标记“拒绝”。", "观望"),
        "建议建会方式": ("单独建会（25人以上）或联合建会；不确定不填。", "单独建会"),
        "拟加入的联合工会": ("联合建会时拟加入的联合基层工会或工会联合会的名称。", ""),
        "摸底人": ("走访摸底的干部姓名。", "周丽"),
        "备注": ("其他情况。", ""),
        "行动编号": ("摸底所属的建会入会行动，如 2023-zj；不填时为摸底日期进行中的行动。", ""),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[SurveyRow] = []
        self.seen: dict[tuple[str, dt.date], int] = {}
        self.campaigns = _campaigns()
        self.ready: list[dict] = []

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        values = {}
        for column, name in SURVEY_COLUMNS.items():
            if r.has(column):
                values[name] = r.get(column, SURVEY_PARSERS.get(column, text),
                                     required=column in self.columns.required,
                                     max_length=64 if name in ("surveyor", "federation")
                                     else None)
        day = values.get("surveyed_on")
        if day and day > dt.date.today():
            r.fail("摸底日期", cells.get("摸底日期"), "摸底日期不能晚于今天：请核对日期。")
        key = values.get("campaign")
        if key and key not in self.campaigns:
            r.fail("行动编号", key, f"没有编号为“{key}”的行动：请核对，已有 "
                                   f"{'、'.join(self.campaigns) or '（尚无）'}。")
        code = values.get("credit_code")
        if code and day:
            if (code, day) in self.seen:
                r.fail("摸底日期", cells.get("摸底日期"),
                       f"同一企业同一天只记一次摸底：与第 {self.seen[code, day]} 行重复，请删除一行。")
            else:
                self.seen[code, day] = number
        if r.ok:
            self.rows.append(SurveyRow(number, code, values, cells))

    def check(self) -> None:
        rows = self.drop_enterprises_outside(self.rows, "统一社会信用代码")
        firms: dict[str, Enterprise] = {}
        for batch in chunks({r.credit_code for r in rows}):
            firms.update((e.credit_code, e) for e in Enterprise.objects.filter(
                credit_code__in=batch))
        taken = set()
        for batch in chunks([firms[r.credit_code].pk for r in rows if r.credit_code in firms]):
            taken |= set(EmployeeSurvey.objects.filter(enterprise_id__in=batch).values_list(
                "enterprise_id", "surveyed_on"))
        federations = {}
        for org in UnionOrganisation.objects.filter(kind__in=JOINT_KINDS):
            federations.setdefault(org.name, org)
        for r in rows:
            self._check_row(r, firms.get(r.credit_code), taken, federations)

    def _check_row(self, r: SurveyRow, firm, taken, federations) -> None:
        v = r.values
        if firm is None:
            self.error(r.number, "统一社会信用代码", r.credit_code,
                       f"找不到统一社会信用代码为「{r.credit_code}」的企业：请先导入企业名录。")
            return
        if (firm.pk, v["surveyed_on"]) in taken:
            self.error(r.number, "摸底日期", r.cells.get("摸底日期"),
                       f"{firm.name}在 {v['surveyed_on']:%Y-%m-%d} 已有摸底记录：同一天只记一次，"
                       "如需更正请在页面修改。")
            return
        for name, label in (("female_employees", "女职工人数"), ("migrant_workers", "农民工人数")):
            if v.get(name) is not None and v[name] > v["employees"]:
                self.error(r.number, label, v[name],
                           f"{label}（{v[name]}）不能多于职工人数（{v['employees']}）。")
                return
        federation = None
        if v.get("federation"):
            federation = federations.get(v["federation"])
            if federation is None:
                self.error(r.number, "拟加入的联合工会", v["federation"],
                           f"找不到名为「{v['federation']}」的联合基层工会或工会联合会：请核对名称。")
                return
            if v.get("route") != Route.JOINT:
                self.error(r.number, "拟加入的联合工会", v["federation"],
                           "只有建议“联合建会”时才填写拟加入的联合工会。")
                return
        campaign = (self.campaigns[v["campaign"]] if v.get("campaign")
                    else Campaign.objects.for_date(v["surveyed_on"]))
        self.report.created += 1
        self.ready.append({
            "campaign": campaign, "enterprise": firm, "surveyed_on": v["surveyed_on"],
            "employees": v["employees"], "surveyor": v["surveyor"],
            "willingness": v["willingness"], "female_employees": v.get("female_employees"),
            "migrant_workers": v.get("migrant_workers"),
            "has_party_org": None if not v.get("has_party_org") else v["has_party_org"] == "1",
            "route": v.get("route") or "", "federation": federation,
            "note": v.get("note") or "",
        })

    def write(self) -> None:
        for fields in self.ready:
            campaign = fields.pop("campaign")
            enterprise = fields.pop("enterprise")
            services.record_survey(campaign, enterprise, **fields)


# --- 目标任务 ------------------------------------------------------------------------------

TARGET_COLUMNS = ("行动编号", "辖区", "目标类型", "目标值", "起算日期", "完成时限")


def parse_target_value(value: object) -> Decimal:
    """A count (15000), a fraction (0.98) or a percentage (98%, 98.5%)."""
    raw = text(value).replace(",", "").replace("，", "").replace(" ", "")
    try:
        if raw.endswith(("%", "％")):
            return Decimal(raw[:-1]) / 100
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ValueProblem(f"目标值「{raw}」不是数字：人数、家数填整数，比率填 0.98 或 98%。") from exc


class TargetImporter(Importer):
    kind = "targets"
    label = "目标任务"
    columns = Columns(names=TARGET_COLUMNS, required=("行动编号", "辖区", "目标类型", "目标值"),
                      aliases={"所属辖区": "辖区", "片区": "辖区", "目标": "目标值",
                               "开始日期": "起算日期", "截止日期": "完成时限"})
    template_key = "行动编号 + 辖区 + 目标类型"
    template_enums = {"目标类型": TARGET_KIND}
    template_help = {
        "行动编号": ("目标所属的建会入会行动的编号。", "2023-zj"),
        "辖区": ("目标所在的辖区（名称或代码），须在行动范围和您的管辖范围之内。", "高新区"),
        "目标类型": ("已建会企业数、建会率、会员人数或入会率。", "已建会企业数"),
        "目标值": ("家数、人数填整数；比率填 0.98 或 98%。", "77"),
        "起算日期": ("进度从这一天起算（基数取这一天的统计）；不填为行动的开始日期。", ""),
        "完成时限": ("目标的完成时限；不填为行动的完成时限。", ""),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdictions = JurisdictionIndex(self.scope)
        self.campaigns = _campaigns()
        self.rows: list[tuple[int, dict, dict]] = []
        self.seen: dict[tuple, int] = {}
        self.to_create: list[Target] = []
        self.to_update: list[Target] = []

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        key = r.get("行动编号", campaign_key, required=True)
        campaign = self.campaigns.get(key) if key else None
        if key and campaign is None:
            r.fail("行动编号", key, f"没有编号为“{key}”的行动：请核对，已有 "
                                   f"{'、'.join(self.campaigns) or '（尚无）'}。")
        values = {
            "campaign": campaign,
            "jurisdiction": r.get("辖区", self.jurisdictions.resolve, required=True),
            "kind": r.get("目标类型", TARGET_KIND, required=True),
            "value": r.get("目标值", parse_target_value, required=True),
            "start_on": r.get("起算日期", parse_date) if r.has("起算日期") else None,
            "deadline": r.get("完成时限", parse_date) if r.has("完成时限") else None,
        }
        if not r.ok:
            return
        values["start_on"] = values["start_on"] or campaign.start_on
        values["deadline"] = values["deadline"] or campaign.deadline
        ident = (campaign.pk, values["jurisdiction"].pk, values["kind"])
        if ident in self.seen:
            r.fail("目标类型", cells.get("目标类型"),
                   f"同一行动、同一辖区的同类目标只能有一个：与第 {self.seen[ident]} 行重复。")
            return
        self.seen[ident] = number
        self.rows.append((number, values, cells))

    def check(self) -> None:
        existing = {(t.campaign_id, t.jurisdiction_id, t.kind): t for t in Target.objects.filter(
            campaign__in={v["campaign"] for _, v, _ in self.rows})}
        fields = {"value": "目标值", "deadline": "完成时限", "jurisdiction": "辖区",
                  "kind": "目标类型", "start_on": "起算日期"}
        for number, values, cells in self.rows:
            old = existing.get((values["campaign"].pk, values["jurisdiction"].pk, values["kind"]))
            candidate = Target(**values)
            if old is not None:
                candidate.pk = old.pk
            try:
                candidate.clean()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.error(number, fields.get(name, "目标值"),
                                   cells.get(fields.get(name, "目标值"), ""), message)
                continue
            changed = old is None or any(
                getattr(old, f) != getattr(candidate, f) for f in ("value", "start_on", "deadline"))
            action = self.decide(number, "目标类型", cells.get("目标类型"), old is not None, changed)
            if action == "create":
                self.to_create.append(candidate)
            elif action == "update":
                self.to_update.append(candidate)

    def write(self) -> None:
        Target.objects.bulk_create(self.to_create)
        Target.objects.bulk_update(self.to_update, ["value", "start_on", "deadline"])


IMPORTERS = (SurveyImporter, TargetImporter)
