"""会员: memberships, keyed by ID number + enterprise + joined date.

A row is checked as of its 入会日期: the enterprise must be in scope and covered by a living
organisation that day (DOMAIN.md §2). One person holds one membership at a time, checked after
the whole file is applied together with the memberships already in the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import (
    id_division_known,
    normalise_credit_code,
    normalise_id_number,
    normalise_mobile,
)
from jianhui.unions.models import Coverage, Member

from ..readers import Columns
from ..values import parse_date
from .base import Importer, RowReader, chunks, day


class Row(NamedTuple):
    number: int
    name: str
    id_number: str
    phone: str
    credit_code: str
    joined_on: dt.date
    left_on: dt.date | None


class Existing(NamedTuple):
    pk: int
    id_number: str
    name: str
    phone: str
    enterprise_id: int
    joined_on: dt.date
    left_on: dt.date | None
    version: int
    enterprise_name: str


class Firm(NamedTuple):
    pk: int
    name: str
    founded_on: dt.date | None
    deregistered_on: dt.date | None
    employees: int


def gender_of(id_number: str) -> str:
    """jianhui.lib.codes.id_gender for an already normalised number, without normalising it
    again (that costs more than the rest of the row); tests check the two agree."""
    return "男" if int(id_number[16]) % 2 else "女"


def birth_date_of(id_number: str) -> dt.date:
    """jianhui.lib.codes.id_birth_date for an already normalised (so valid) number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


@lru_cache(maxsize=4096)
def _division_known(division: str) -> bool:
    return id_division_known(division + "0" * 12)


class MemberImporter(Importer):
    kind = "members"
    label = "会员"
    columns = Columns(
        names=("姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期", "离会日期"),
        required=("姓名", "公民身份号码", "所在企业信用代码", "入会日期"),
        aliases={"企业信用代码": "所在企业信用代码", "统一社会信用代码": "所在企业信用代码",
                 "所在企业统一社会信用代码": "所在企业信用代码", "离会时间": "离会日期"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[Row] = []
        self.keys: dict[tuple[str, str, dt.date], int] = {}
        self.to_create: list[tuple[Row, int]] = []  # model objects are built per batch
        self.to_update: list[Member] = []

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        name = r.get("姓名", required=True, max_length=64)
        id_number = r.get("公民身份号码", normalise_id_number, required=True)
        phone = r.get("手机号码", normalise_mobile) or ""
        code = r.get("所在企业信用代码", normalise_credit_code, required=True)
        joined = r.get("入会日期", parse_date, required=True)
        left = r.get("离会日期", parse_date)
        if joined and left and left <= joined:
            r.fail("离会日期", cells.get("离会日期"),
                   f"离会日期 {left:%Y-%m-%d} 必须晚于入会日期 {joined:%Y-%m-%d}"
                   "(离会日期是不再是会员的第一天):请核对。")
        if not r.ok:
            return
        key = (id_number, code, joined)
        if key in self.keys:
            r.fail("公民身份号码", cells.get("公民身份号码"),
                   f"同一人在同一企业、同一入会日期的会籍在文件中重复(第 {self.keys[key]} 行已有):"
                   "请删除重复行。")
            return
        self.keys[key] = number
        if not _division_known(id_number[:6]):
            self.warn(number, "公民身份号码", id_number,
                      f"身份证号的行政区划代码「{id_number[:6]}」不在国家标准代码表中:"
                      "可能是已撤并的旧区划,请核对身份证号是否录入正确。")
        self.rows.append(Row(number, name, id_number, phone, code, joined, left))

    # ------------------------------------------------------------ checks
    def check(self) -> None:
        self.rows = self.drop_enterprises_outside(self.rows, "所在企业信用代码")
        firms = self._firms()
        covers = self._coverage([f.pk for f in firms.values()])
        existing = self._existing()
        by_key = {(m.id_number, m.enterprise_id, m.joined_on): m for m in existing}
        periods: dict[str, list[tuple[dt.date, dt.date | None, int | None, str]]] = defaultdict(list)
        matched: set[int] = set()
        open_delta: dict[int, int] = defaultdict(int)
        first_row: dict[int, int] = {}
        for row in self.rows:
            firm = firms.get(row.credit_code)
            if firm is None:
                self.error(row.number, "所在企业信用代码", row.credit_code,
                           f"系统中没有统一社会信用代码为「{row.credit_code}」的企业:请核对代码,或先导入企业。")
                continue
            if not self._joinable(row, firm, covers.get(firm.pk, ())):
                continue
            old = by_key.get((row.id_number, firm.pk, row.joined_on))
            changed = old is not None and (old.name, old.phone, old.left_on) != (
                row.name, row.phone, row.left_on)
            action = self.decide(row.number, "公民身份号码", row.id_number, old is not None, changed)
            if action is None:
                continue
            if old is not None:
                matched.add(old.pk)
                open_delta[firm.pk] -= old.left_on is None
            open_delta[firm.pk] += row.left_on is None
            first_row.setdefault(firm.pk, row.number)
            periods[row.id_number].append((row.joined_on, row.left_on, row.number, firm.name))
            if action == "create":
                self.to_create.append((row, firm.pk))
            elif action == "update":
                self.to_update.append(Member(
                    pk=old.pk, name=row.name, phone=row.phone, left_on=row.left_on,
                    version=old.version + 1,
                ))
        for m in existing:
            if m.pk not in matched:
                periods[m.id_number].append((m.joined_on, m.left_on, None, m.enterprise_name))
        self._check_one_at_a_time(periods)
        self._warn_more_members_than_employees(firms, open_delta, first_row)

    def _firms(self) -> dict[str, Firm]:
        codes = {row.credit_code for row in self.rows}
        firms: dict[str, Firm] = {}
        for batch in chunks(codes):
            for code, *rest in Enterprise.objects.filter(credit_code__in=batch).values_list(
                "credit_code", "pk", "name", "founded_on", "deregistered_on", "employees"
            ):
                firms[code] = Firm(*rest)
        return firms

    def _coverage(self, pks: list[int]) -> dict[int, list[tuple]]:
        covers: dict[int, list[tuple]] = defaultdict(list)
        for batch in chunks(pks):
            for enterprise_id, *period in Coverage.objects.filter(
                enterprise_id__in=batch
            ).values_list("enterprise_id", "start_on", "end_on", "organisation__founded_on",
                          "organisation__dissolved_on"):
                covers[enterprise_id].append(tuple(period))
        return covers

    def _existing(self) -> list[Existing]:
        ids = {row.id_number for row in self.rows}
        found: list[Existing] = []
        for batch in chunks(ids):
            found += [Existing(*v) for v in Member.objects.by_id_numbers(batch).values_list(
                "pk", "id_number", "name", "phone", "enterprise_id", "joined_on", "left_on",
                "version", "enterprise__name")]
        return found

    def _joinable(self, row: Row, firm: Firm, covers: list[tuple]) -> bool:
        on = row.joined_on
        if (firm.founded_on and firm.founded_on > on) or (
            firm.deregistered_on and firm.deregistered_on <= on
        ):
            self.error(row.number, "入会日期", row.joined_on,
                       f"{firm.name}在入会日期 {on:%Y-%m-%d} 尚未成立或已注销"
                       f"(成立 {day(firm.founded_on)},注销 {day(firm.deregistered_on)}),"
                       "不能在该日入会:请核对入会日期。")
            return False
        for start, end, founded, dissolved in covers:
            if start <= on and (end is None or end > on) and founded <= on and (
                dissolved is None or dissolved > on
            ):
                return True
        self.error(row.number, "入会日期", row.joined_on,
                   f"{firm.name}在入会日期 {on:%Y-%m-%d} 没有工会组织覆盖:请先建立工会或纳入联合会,"
                   "或把入会日期改为覆盖开始之后。")
        return False

    def _check_one_at_a_time(self, periods: dict[str, list[tuple]]) -> None:
        for id_number, spans in periods.items():
            if len(spans) < 2:
                continue
            spans.sort(key=lambda s: s[0])
            for (a_start, a_end, a_row, a_name), (b_start, _, b_row, b_name) in zip(
                spans, spans[1:], strict=False
            ):
                if a_end is not None and a_end <= b_start:
                    continue
                row = b_row or a_row
                if row is None:  # both already in the database: not this file's doing
                    continue
                where = f"第 {a_row} 行" if a_row else "系统中已有"
                self.error(row, "公民身份号码", id_number,
                           f"此人({where})已是{a_name}的会员({a_start:%Y-%m-%d} 入会"
                           + (f",{a_end:%Y-%m-%d} 离会" if a_end else ",尚未离会")
                           + f"),与{b_name}自 {b_start:%Y-%m-%d} 的会籍重叠:同一人同一时间只能是"
                           "一个工会组织的会员。请先填写原会籍的离会日期,不晚于新的入会日期。")

    def _warn_more_members_than_employees(self, firms: dict[str, Firm],
                                          delta: dict[int, int], first_row: dict[int, int]) -> None:
        if not delta:
            return
        counts: dict[int, int] = {}
        for batch in chunks(delta):
            counts.update(Member.objects.filter(enterprise_id__in=batch, left_on__isnull=True)
                          .values_list("enterprise_id").annotate(n=Count("pk")).values_list(
                              "enterprise_id", "n"))
        for code, firm in firms.items():
            if firm.pk not in delta:
                continue
            total = counts.get(firm.pk, 0) + delta[firm.pk]
            if total > firm.employees:
                self.warn(first_row[firm.pk], "所在企业信用代码", code,
                          f"导入后{firm.name}有 {total} 名在册会员,多于职工人数 {firm.employees}:"
                          "请核对会员名单或更新企业的职工人数。")

    # ------------------------------------------------------------ writing
    def write(self) -> None:
        now = timezone.now()
        # Updates first: a file may close one membership and open the person's next one.
        for m in self.to_update:
            m.updated_at = now
        for batch in chunks(self.to_update, 1000):
            Member.objects.bulk_update(
                batch, ["name", "phone", "left_on", "version", "updated_at"])
        for batch in chunks(self.to_create, 1000):
            Member.objects.bulk_create([Member(
                name=row.name, id_number=row.id_number, phone=row.phone,
                enterprise_id=enterprise_id, joined_on=row.joined_on, left_on=row.left_on,
                gender=gender_of(row.id_number), birth_date=birth_date_of(row.id_number),
            ) for row, enterprise_id in batch])
