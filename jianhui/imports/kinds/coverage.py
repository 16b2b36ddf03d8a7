"""覆盖关系: dated coverage of enterprises by organisations, keyed by organisation + enterprise +
start date. A file may end an old coverage and start a new one; overlaps are checked after the
whole file is applied together with the coverage already in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import normalise_credit_code
from jianhui.unions.models import Coverage, UnionOrganisation

from ..readers import Columns
from ..values import parse_date
from .base import OUTSIDE, Importer, RowReader, chunks
from .periods import Period, check_periods, existing_periods
from .unions import organisations, union_code

ORG_NAME, ORG_CODE, FIRM = "工会名称", "工会统一社会信用代码", "企业信用代码"


class Row(NamedTuple):
    number: int
    org_name: str | None
    org_code: str | None
    credit_code: str
    start: dt.date
    end: dt.date | None


class CoverageImporter(Importer):
    kind = "coverage"
    label = "覆盖关系"
    columns = Columns(
        names=(ORG_NAME, ORG_CODE, FIRM, "覆盖开始日期", "覆盖结束日期"),
        required=(FIRM, "覆盖开始日期"),
        one_of=((ORG_NAME, ORG_CODE),),
        aliases={"统一社会信用代码": FIRM, "企业统一社会信用代码": FIRM, "所在企业信用代码": FIRM,
                 "开始日期": "覆盖开始日期", "结束日期": "覆盖结束日期"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[Row] = []
        self.seen: dict[tuple, int] = {}
        self.to_create: list[Coverage] = []
        self.to_update: list[Coverage] = []

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        org_code = r.get(ORG_CODE, union_code)
        org_name = r.get(ORG_NAME)
        if not org_code and not org_name and r.ok:
            column = ORG_NAME if r.has(ORG_NAME) else ORG_CODE
            r.fail(column, "", "请填写工会名称或工会统一社会信用代码（至少一项）。")
        code = r.get(FIRM, normalise_credit_code, required=True)
        start = r.get("覆盖开始日期", parse_date, required=True)
        end = r.get("覆盖结束日期", parse_date)
        if start and end and end <= start:
            r.fail("覆盖结束日期", cells.get("覆盖结束日期"),
                   "覆盖结束日期必须晚于开始日期（结束日期是不再覆盖的第一天）：请核对。")
        if not r.ok:
            return
        key = (org_code or org_name, code, start)
        if key in self.seen:
            r.fail(FIRM, code, f"同一工会、企业和开始日期的覆盖关系在文件中重复（第 {self.seen[key]} 行已有）：请删除重复行。")
            return
        self.seen[key] = number
        self.rows.append(Row(number, org_name, org_code, code, start, end))

    def check(self) -> None:
        org_codes = {r.org_code for r in self.rows if r.org_code}
        org_names = {r.org_name for r in self.rows if r.org_name and not r.org_code}
        by_code: dict[str, UnionOrganisation] = {}
        by_name: dict[str, list[UnionOrganisation]] = {}
        for o in organisations(org_codes, org_names):
            if o.credit_code:
                by_code[o.credit_code] = o
            by_name.setdefault(o.name, []).append(o)
        firms: dict[str, tuple] = {}
        for batch in chunks({r.credit_code for r in self.rows}):
            firms.update((c, rest) for c, *rest in Enterprise.objects.filter(
                credit_code__in=batch).values_list("credit_code", "pk", "name", "founded_on"))
        resolved = []
        outside = self.enterprises_outside(firms)
        for row in self.rows:
            org = self._org(row, by_code, by_name)
            if org is not None and not self.allows_jurisdiction(org.jurisdiction_id):
                self.error(row.number, ORG_CODE if row.org_code else ORG_NAME,
                           row.org_code or row.org_name,  # as typed: never the other area's name
                           f"工会「{row.org_code or row.org_name}」{OUTSIDE}")
                org = None
            if row.credit_code in outside:
                self.error(row.number, FIRM, row.credit_code,
                           f"统一社会信用代码为「{row.credit_code}」的企业{OUTSIDE}")
                continue
            firm = firms.get(row.credit_code)
            if firm is None:
                self.error(row.number, FIRM, row.credit_code, f"系统中没有统一社会信用代码为「{row.credit_code}」的企业：请核对代码，或先导入企业。")
            if org and firm:
                resolved.append((row, org, firm))
        periods = existing_periods({f[0] for _, _, f in resolved}, {o.pk for _, o, _ in resolved})
        by_key = {(p.org, p.enterprise_id, p.start): p for p in periods}
        new: list[Period] = []
        for row, org, (pk, name, founded) in resolved:
            if row.start < org.founded_on:
                self.error(row.number, "覆盖开始日期", row.start, f"覆盖开始日期 {row.start:%Y-%m-%d} 早于{org.name}的成立日期 {org.founded_on:%Y-%m-%d}：请核对。")
                continue
            if founded and row.start < founded:
                self.error(row.number, "覆盖开始日期", row.start, f"覆盖开始日期 {row.start:%Y-%m-%d} 早于{name}的成立日期 {founded:%Y-%m-%d}：请核对。")
                continue
            old = by_key.get((org.pk, pk, row.start))
            action = self.decide(row.number, FIRM, row.credit_code, old is not None,
                                 old is not None and old.end != row.end)
            if old is not None:
                old.end, old.row, old.column, old.value = row.end, row.number, FIRM, row.credit_code
            else:
                new.append(Period(pk, name, org.pk, org.name, org.kind, row.start, row.end,
                                  row.number, FIRM, row.credit_code, org_dissolved=org.dissolved_on))
            if action == "create":
                self.to_create.append(Coverage(organisation_id=org.pk, enterprise_id=pk,
                                               start_on=row.start, end_on=row.end))
            elif action == "update":
                self.to_update.append(Coverage(pk=old.pk, end_on=row.end))
        check_periods(self, periods + new)

    def _org(self, row: Row, by_code: dict, by_name: dict) -> UnionOrganisation | None:
        if row.org_code:
            if row.org_code in by_code:
                return by_code[row.org_code]
            self.error(row.number, ORG_CODE, row.org_code, f"系统中没有统一社会信用代码为「{row.org_code}」的工会：请核对，或先导入工会组织。")
            return None
        found = by_name.get(row.org_name, [])
        if len(found) == 1:
            return found[0]
        if found:
            self.error(row.number, ORG_NAME, row.org_name, f"有 {len(found)} 个名为「{row.org_name}」的工会：请改填工会统一社会信用代码。")
        else:
            self.error(row.number, ORG_NAME, row.org_name, f"系统中没有名为「{row.org_name}」的工会：请核对名称，或先导入工会组织。")
        return None

    def touched(self) -> tuple[set[int], set[int]]:
        ends = Coverage.objects.filter(pk__in=[c.pk for c in self.to_update])
        return ({c.enterprise_id for c in self.to_create}
                | set(ends.values_list("enterprise_id", flat=True))), set()

    def write(self) -> None:
        # Ends first, so that a new open coverage never meets the old one still open.
        Coverage.objects.bulk_update(self.to_update, ["end_on"], batch_size=1000)
        Coverage.objects.bulk_create(self.to_create, batch_size=1000)
