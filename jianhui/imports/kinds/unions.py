"""工会组织: union organisations and the enterprises they cover from their founding date.

Keyed by the union's credit code, else by name + jurisdiction. An enterprise listed for a new
organisation whose open coverage by another organisation began earlier moves, as in
`jianhui.unions.services.found_organisation`: the old coverage ends on the founding day (a
warning says so). A dissolved organisation's open coverage ends on its dissolution day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import CodeError, normalise_credit_code
from jianhui.unions import rules
from jianhui.unions.models import Coverage, OrganisationKind, UnionOrganisation

from ..readers import Columns
from ..values import ORGANISATION_KIND, ValueProblem, parse_date, split_codes, visible_text
from .base import OUTSIDE, Importer, JurisdictionIndex, RowReader, chunks
from .periods import Period, check_periods, existing_periods

FIELDS = ("name", "kind", "jurisdiction_id", "founded_on", "dissolved_on", "chair",
          "chair_phone", "credit_code")
COVER = "覆盖企业信用代码"
# Optional columns a file may leave out (e.g. a masked export without 联系电话): an existing
# organisation keeps what it has there, instead of having it blanked.
KEEP_WHEN_ABSENT = {"dissolved_on": "撤销日期", "chair": "工会主席", "chair_phone": "联系电话",
                    "credit_code": "工会统一社会信用代码"}


def organisations(codes: set[str], names: set[str]) -> list[UnionOrganisation]:
    """The organisations with any of these credit codes or names, a batch at a time."""
    found: dict[int, UnionOrganisation] = {}
    for lookup, values in (("credit_code__in", codes), ("name__in", names)):
        for batch in chunks(values):
            found.update((o.pk, o) for o in UnionOrganisation.objects.filter(**{lookup: batch}))
    return list(found.values())


def union_code(value: object) -> str:
    code = normalise_credit_code(value)
    if not code.startswith("81"):
        raise ValueProblem("工会的统一社会信用代码以“81”开头：请核对是否填成了企业的代码。")
    return code


@dataclass
class UnionRow:
    number: int
    values: dict
    codes: list[str]
    org: UnionOrganisation | None = None
    action: str | None = None
    new_periods: list[Period] = field(default_factory=list)


class UnionImporter(Importer):
    kind = "unions"
    label = "工会组织"
    columns = Columns(
        names=("工会名称", "组织类型", "所属辖区", "成立日期", "撤销日期", "工会主席", "联系电话",
               "工会统一社会信用代码", COVER),
        required=("工会名称", "组织类型", "所属辖区", "成立日期", COVER),
        aliases={"统一社会信用代码": "工会统一社会信用代码", "主席": "工会主席",
                 "覆盖企业": COVER, "企业信用代码": COVER, "覆盖企业统一社会信用代码": COVER,
                 "组织名称": "工会名称", "成立时间": "成立日期"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[UnionRow] = []
        self.seen: dict[tuple, int] = {}
        self.jurisdictions = JurisdictionIndex(self.scope)
        self.moved: list[Period] = []  # existing coverage whose end changes

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        v = {
            "name": r.get("工会名称", visible_text("工会名称"), required=True, max_length=128),
            "kind": r.get("组织类型", ORGANISATION_KIND, required=True),
            "jurisdiction": r.get("所属辖区", self.jurisdictions.resolve, required=True),
            "founded_on": r.get("成立日期", parse_date, required=True),
            "dissolved_on": r.get("撤销日期", parse_date),
            "chair": r.get("工会主席", visible_text("工会主席"), max_length=64) or "",
            "chair_phone": r.get("联系电话", max_length=32) or "",
            "credit_code": r.get("工会统一社会信用代码", union_code),
        }
        codes: list[str] = []
        for raw in split_codes(cells.get(COVER, "")):
            try:
                codes.append(normalise_credit_code(raw))
            except CodeError as exc:
                r.fail(COVER, raw, f"覆盖企业「{raw}」：{exc}")
        if not codes and r.ok:
            r.fail(COVER, "", f"{self.header(COVER)}为必填项：请填写所覆盖企业的统一社会信用代码。")
        if len(set(codes)) != len(codes):
            r.fail(COVER, cells.get(COVER), "覆盖企业信用代码中有重复的代码：请删除重复的代码。")
        if v["kind"] == OrganisationKind.STANDALONE and len(codes) > 1:
            r.fail(COVER, cells.get(COVER),
                   f"基层工会委员会只能覆盖一家企业，这里填了 {len(codes)} 家："
                   "多家企业联合建会请把组织类型改为联合基层工会或工会联合会。")
        if v["founded_on"] and v["dissolved_on"] and v["dissolved_on"] <= v["founded_on"]:
            r.fail("撤销日期", cells.get("撤销日期"), "撤销日期必须晚于成立日期：请核对。")
        if not r.ok:
            return
        v["jurisdiction_id"] = v.pop("jurisdiction").pk
        v["absent"] = {f for f, column in KEEP_WHEN_ABSENT.items() if column not in cells}
        key = ("code", v["credit_code"]) if v["credit_code"] else (
            "name", v["name"], v["jurisdiction_id"])
        if key in self.seen:
            column = "工会统一社会信用代码" if v["credit_code"] else "工会名称"
            r.fail(column, cells.get(column),
                   f"该工会在文件中重复（第 {self.seen[key]} 行已有）：请删除重复行。")
            return
        self.seen[key] = number
        self.rows.append(UnionRow(number, v, codes))

    def check(self) -> None:
        codes = {row.values["credit_code"] for row in self.rows} - {None}
        names = {row.values["name"] for row in self.rows}
        orgs = organisations(codes, names)
        by_code = {o.credit_code: o for o in orgs if o.credit_code}
        by_place = {(o.name, o.jurisdiction_id): o for o in orgs}
        firms: dict[str, tuple] = {}
        for batch in chunks({c for row in self.rows for c in row.codes}):
            firms.update((c, rest) for c, *rest in Enterprise.objects.filter(
                credit_code__in=batch).values_list("credit_code", "pk", "name", "founded_on"))
        for row in self.rows:
            v = row.values
            row.org = by_code.get(v["credit_code"]) or by_place.get((v["name"], v["jurisdiction_id"]))
        self.rows = self._drop_outside(self.rows)
        periods = existing_periods({f[0] for f in firms.values()},
                                   {row.org.pk for row in self.rows if row.org})
        by_org: dict[int, list[Period]] = defaultdict(list)
        by_firm: dict[int, list[Period]] = defaultdict(list)
        for p in periods:  # looked up per row: a dict, not a scan (files hold thousands)
            by_org[p.org].append(p)
            by_firm[p.enterprise_id].append(p)
        for row in self.rows:
            self._check_row(row, firms, by_org, by_firm)
        check_periods(self, periods + [p for row in self.rows for p in row.new_periods])

    def _drop_outside(self, rows: list[UnionRow]) -> list[UnionRow]:
        """Rows naming an organisation or enterprise outside the user's scope are errors and
        take no further part in the checks."""
        if self.scope is None:
            return rows
        outside = self.enterprises_outside(c for row in rows for c in row.codes)
        kept = []
        for row in rows:
            ok = True
            if row.org is not None and not self.allows_jurisdiction(row.org.jurisdiction_id):
                self.error(row.number, "工会统一社会信用代码", row.values["credit_code"],
                           f"工会「{row.values['credit_code'] or row.values['name']}」已登记在其他辖区，"
                           f"{OUTSIDE}")
                ok = False
            for code in row.codes:
                if code in outside:
                    self.error(row.number, COVER, code, f"统一社会信用代码为「{code}」的企业{OUTSIDE}")
                    ok = False
            if ok:
                kept.append(row)
        return kept

    def _check_row(self, row: UnionRow, firms: dict, by_org: dict[int, list[Period]],
                   by_firm: dict[int, list[Period]]) -> None:
        v, org, number = row.values, row.org, row.number
        for f in v.pop("absent", ()):
            if org is not None:
                v[f] = getattr(org, f)
        mine = by_org.get(org.pk, []) if org else []
        changed = org is None or any(getattr(org, f) != v[f] for f in FIELDS)
        early = [p for p in mine if p.start < v["founded_on"]]
        if early:
            self.error(number, "成立日期", v["founded_on"],
                       f"已有覆盖关系开始于成立日期之前（{early[0].start:%Y-%m-%d}）：请先调整覆盖关系或核对成立日期。")
            return
        ok = True
        for code in row.codes:
            firm = firms.get(code)
            if firm is None:
                self.error(number, COVER, code, f"系统中没有统一社会信用代码为「{code}」的企业：请核对代码，或先导入企业。")
                ok = False
                continue
            pk, name, founded = firm
            if any(p.enterprise_id == pk for p in mine):
                continue
            if founded and v["founded_on"] < founded:
                self.error(number, COVER, code, f"覆盖开始日期（工会成立日期）{v['founded_on']:%Y-%m-%d} 早于{name}的成立日期 {founded:%Y-%m-%d}：请核对。")
                ok = False
                continue
            for p in by_firm.get(pk, ()):  # coverage moves: the old open one ends on founding
                if p.end is None and p.start < v["founded_on"] and (
                        org is None or p.org != org.pk):
                    p.end = rules.coverage_end_on_move(v["founded_on"])
                    p.row, p.column, p.value = number, COVER, code
                    self.moved.append(p)
                    self.warn(number, COVER, code, f"{name}原由{p.org_name}覆盖，该覆盖将于 {v['founded_on']:%Y-%m-%d} 结束，企业转由{v['name']}覆盖。")
            row.new_periods.append(Period(pk, name, org.pk if org else row, v["name"], v["kind"], v["founded_on"],
                                          v["dissolved_on"], number, COVER, code,
                                          org_dissolved=v["dissolved_on"]))
            changed = True
        if v["dissolved_on"]:
            for p in mine:
                if p.end is None or p.end > v["dissolved_on"]:
                    p.end = rules.coverage_end_on_dissolution(v["dissolved_on"], p.start)
                    p.row, p.column, p.value = number, "撤销日期", v["dissolved_on"]
                    self.moved.append(p)
                    changed = True
        if ok:
            row.action = self.decide(number, "工会名称", v["name"], org is not None, changed)

    def write(self) -> None:
        now = timezone.now()
        new = [row for row in self.rows if row.action == "create"]
        keys = self._allocate_keys(new)
        orgs = [UnionOrganisation(key=keys[id(row)], **row.values) for row in new]
        UnionOrganisation.objects.bulk_create(orgs)
        for row, org in zip(new, orgs, strict=True):
            row.org = org
        changed = [row for row in self.rows if row.action == "update"]
        for row in changed:
            for f in FIELDS:
                setattr(row.org, f, row.values[f])
            row.org.version += 1
            row.org.updated_at = now
        UnionOrganisation.objects.bulk_update([r.org for r in changed], [*FIELDS, "version", "updated_at"])
        ends = {p.pk: p.end for p in self.moved}
        Coverage.objects.bulk_update(
            [Coverage(pk=pk, end_on=end) for pk, end in ends.items()], ["end_on"])
        Coverage.objects.bulk_create([
            Coverage(organisation=row.org, enterprise_id=p.enterprise_id, start_on=p.start,
                     end_on=p.end)
            for row in self.rows if row.action in ("create", "update") for p in row.new_periods
        ], batch_size=1000)

    def touched(self) -> tuple[set[int], set[int]]:
        firms = {p.enterprise_id for p in self.moved}
        firms |= {p.enterprise_id for row in self.rows for p in row.new_periods}
        orgs = {row.org.pk for row in self.rows if row.action in ("create", "update")}
        return firms, orgs

    def _allocate_keys(self, rows: list[UnionRow]) -> dict[int, str]:
        """A block of keys per jurisdiction, continuing next_organisation_key's sequence."""
        codes = dict(self.jurisdictions_by_pk({row.values["jurisdiction_id"] for row in rows}))
        keys: dict[int, str] = {}
        for pk, code in codes.items():
            prefix = f"{code}-"
            taken = UnionOrganisation.objects.filter(key__startswith=prefix).values_list("key", flat=True)
            n = max((int(k[len(prefix):]) for k in taken if k[len(prefix):].isdigit()), default=0)
            for row in rows:
                if row.values["jurisdiction_id"] == pk:
                    n += 1
                    keys[id(row)] = f"{prefix}{n:03d}"
        return keys

    def jurisdictions_by_pk(self, pks: set[int]):
        return ((j.pk, j.code) for j in self.jurisdictions.by_code.values() if j.pk in pks)
