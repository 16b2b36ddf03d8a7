"""会员: memberships, keyed by ID number + enterprise + joined date.

A row is checked as of its 入会日期: the enterprise must be in scope and covered by a living
organisation that day (DOMAIN.md §2). One person holds one membership at a time, checked after
the whole file is applied together with the memberships already in the database.

Speed (issue 4 §8): a row is kept as one small tuple; the common row is parsed without
per-cell bookkeeping, and credit codes and dates, which repeat, are parsed once each; the
database is asked in batches; new memberships are written with COPY on PostgreSQL
(`imports.bulk.insert_rows`). `benchmarks/import_bench.py` measures it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from jianhui.enterprises import rules as enterprise_rules
from jianhui.enterprises.models import Enterprise
from jianhui.lib.codes import (
    CodeError,
    id_division_known,
    normalise_credit_code,
    normalise_id_number,
    normalise_mobile,
    to_half_width,
)
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member

from ..bulk import insert_rows
from ..readers import Columns
from ..values import ValueProblem, parse_date, visible_text
from .base import Importer, Memo, RowReader, chunks

CREATE, UPDATE = 1, 2
NAME_LENGTH = Member._meta.get_field("name").max_length
NEW_FIELDS = ("name", "id_number", "gender", "birth_date", "phone", "enterprise", "joined_on",
              "left_on")
ID_BATCH = 10_000  # ID numbers per lookup query (one array parameter on PostgreSQL)


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
    jurisdiction_id: int


class Firm(NamedTuple):
    pk: int
    name: str
    founded_on: dt.date | None
    deregistered_on: dt.date | None
    revoked_on: dt.date | None
    employees: int


def gender_of(id_number: str) -> str:
    """jianhui.lib.codes.id_gender for an already normalised number, without normalising it
    again (that costs more than the rest of the row); tests check the two agree."""
    return "男" if int(id_number[16]) % 2 else "女"


def birth_date_of(id_number: str) -> dt.date:
    """jianhui.lib.codes.id_birth_date for an already normalised (so valid) number."""
    digits = id_number[6:14]
    birth = _BIRTH_DATES.get(digits)
    if birth is None:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if len(_BIRTH_DATES) < 100_000:
            _BIRTH_DATES[digits] = birth
    return birth


_BIRTH_DATES: dict[str, dt.date] = {}


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
        self.first: dict[str, int] = {}  # ID number → index in rows of its first row
        self.repeated: set[str] = set()  # ID numbers on more than one row
        self.keys: dict[tuple[str, str, dt.date], int] = {}  # natural keys of repeated IDs → row
        self.actions = bytearray()  # per row in rows: CREATE, UPDATE or 0 (unchanged/refused)
        self.firm_pk: dict[str, int] = {}
        self.updates: list[tuple[int, str, str, dt.date | None, int]] = []
        self.credit_code = Memo(normalise_credit_code)
        self.date = Memo(parse_date)

    # ------------------------------------------------------------ rows
    def add(self, number: int, cells: dict[str, object]) -> None:
        row = self._parse_plain(number, cells) or self._parse(number, cells)
        if row is None:
            return
        id_number = row.id_number
        first = self.first.get(id_number)
        if first is None:
            self.first[id_number] = len(self.rows)
        elif not self._distinct(row, self.rows[first], cells):
            return
        if not _division_known(id_number[:6]):
            self.warn(number, "公民身份号码", id_number,
                      f"身份证号的行政区划代码「{id_number[:6]}」不在国家标准代码表中："
                      "可能是已撤并的旧区划，请核对身份证号是否录入正确。")
        self.rows.append(row)

    def _parse_plain(self, number: int, cells: dict[str, object]) -> Row | None:
        """The common row, all cells as expected, parsed without per-cell bookkeeping; None
        for anything else, which `_parse` then reads cell by cell and reports."""
        get = cells.get
        name, id_number, phone = get("姓名"), get("公民身份号码"), get("手机号码")
        if type(name) is not str or type(id_number) is not str:
            return None
        name = to_half_width(name).strip()
        if not name or len(name) > NAME_LENGTH or not name.isprintable():
            return None
        if phone is None or phone == "":
            phone = ""
        elif not (type(phone) is str and len(phone) == 11 and phone.isascii()
                  and phone.isdigit() and phone[0] == "1"):
            return None
        joined, left = get("入会日期"), get("离会日期")
        try:
            id_number = normalise_id_number(id_number)
            code = self.credit_code(get("所在企业信用代码"))
            joined = self.date(joined) if joined is not None and joined != "" else None
            left = self.date(left) if left is not None and left != "" else None
        except (CodeError, ValueProblem):
            return None
        if joined is None or (left is not None and left <= joined):
            return None
        return Row(number, name, id_number, phone, code, joined, left)

    def _parse(self, number: int, cells: dict[str, object]) -> Row | None:
        r = RowReader(self, number, cells)
        name = r.get("姓名", visible_text("姓名"), required=True, max_length=NAME_LENGTH)
        id_number = r.get("公民身份号码", normalise_id_number, required=True)
        phone = r.get("手机号码", normalise_mobile) or ""
        code = r.get("所在企业信用代码", normalise_credit_code, required=True)
        joined = r.get("入会日期", parse_date, required=True)
        left = r.get("离会日期", parse_date)
        if joined and left and left <= joined:
            r.fail("离会日期", cells.get("离会日期"),
                   f"离会日期 {left:%Y-%m-%d} 必须晚于入会日期 {joined:%Y-%m-%d}"
                   "（离会日期是不再是会员的第一天）：请核对。")
        return Row(number, name, id_number, phone, code, joined, left) if r.ok else None

    def _distinct(self, row: Row, first: Row, cells: dict[str, object]) -> bool:
        """A repeated ID number is fine for another membership (another enterprise or join
        date: overlaps are checked later), not for the same one twice."""
        if row.id_number not in self.repeated:
            self.repeated.add(row.id_number)
            self.keys[(first.id_number, first.credit_code, first.joined_on)] = first.number
        key = (row.id_number, row.credit_code, row.joined_on)
        if key in self.keys:
            self.error(row.number, "公民身份号码", cells.get("公民身份号码"),
                       f"同一人在同一企业、同一入会日期的会籍在文件中重复（第 {self.keys[key]} 行已有）："
                       "请删除重复行。")
            return False
        self.keys[key] = row.number
        return True

    # ------------------------------------------------------------ checks
    def check(self) -> None:
        self.rows = self.drop_enterprises_outside(self.rows, "所在企业信用代码")
        firms = self._firms()
        self.firm_pk = {code: firm.pk for code, firm in firms.items()}
        covers = self._coverage([f.pk for f in firms.values()])
        existing = self._existing()
        by_key = {(m.id_number, m.enterprise_id, m.joined_on): m for m in existing}
        # Only people on several rows or already in the database can overlap themselves.
        watched = self.repeated | {m.id_number for m in existing}
        periods: dict[str, list[tuple[dt.date, dt.date | None, int | None, str]]] = defaultdict(list)
        matched: set[int] = set()
        open_delta: dict[int, int] = defaultdict(int)
        first_row: dict[int, int] = {}
        self.actions = actions = bytearray(len(self.rows))
        plain = self.mode != "update"  # a new membership may be created
        created = 0
        for i, row in enumerate(self.rows):
            firm = firms.get(row.credit_code)
            if firm is None:
                self.error(row.number, "所在企业信用代码", row.credit_code,
                           f"系统中没有统一社会信用代码为「{row.credit_code}」的企业：请核对代码，或先导入企业。")
                continue
            if not self._joinable(row, firm, covers.get(firm.pk, ())):
                continue
            if plain and row.id_number not in watched:  # most rows: a person new to the system
                created += 1
                actions[i] = CREATE
            else:
                old = by_key.get((row.id_number, firm.pk, row.joined_on))
                changed = old is not None and (old.name, old.phone, old.left_on) != (
                    row.name, row.phone, row.left_on)
                action = self.decide(row.number, "公民身份号码", row.id_number, old is not None,
                                     changed)
                if action is None:
                    continue
                if old is not None:
                    matched.add(old.pk)
                    open_delta[firm.pk] -= old.left_on is None
                periods[row.id_number].append((row.joined_on, row.left_on, row.number, firm.name))
                if action == "create":
                    actions[i] = CREATE
                elif action == "update":
                    actions[i] = UPDATE
                    self.updates.append((old.pk, row.name, row.phone, row.left_on, old.version + 1))
            if row.left_on is None:
                open_delta[firm.pk] += 1
            if firm.pk not in first_row:
                first_row[firm.pk] = row.number
        self.report.created += created
        for m in existing:
            if m.pk not in matched:
                # A membership outside the user's scope is named by no enterprise (None).
                name = m.enterprise_name if self.allows_jurisdiction(m.jurisdiction_id) else None
                periods[m.id_number].append((m.joined_on, m.left_on, None, name))
        self._check_one_at_a_time(periods)
        self._warn_more_members_than_employees(firms, open_delta, first_row)

    def _firms(self) -> dict[str, Firm]:
        codes = {row.credit_code for row in self.rows}
        firms: dict[str, Firm] = {}
        for batch in chunks(codes):
            for code, *rest in Enterprise.objects.filter(credit_code__in=batch).values_list(
                "credit_code", "pk", "name", "founded_on", "deregistered_on", "revoked_on",
                "employees"
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
        """The memberships in the database of everyone in the file, a batch of IDs a query."""
        found: list[Existing] = []
        for batch in chunks(self.first, ID_BATCH):
            found += [Existing(*v) for v in Member.objects.by_id_numbers(batch).order_by(
            ).values_list("pk", "id_number", "name", "phone", "enterprise_id", "joined_on",
                          "left_on", "version", "enterprise__name",
                          "enterprise__jurisdiction_id")]
        return found

    def _joinable(self, row: Row, firm: Firm, covers: list[tuple]) -> bool:
        on = row.joined_on
        if not enterprise_rules.in_scope(firm.founded_on, firm.deregistered_on, firm.revoked_on,
                                         on):
            self.error(row.number, "入会日期", row.joined_on, enterprise_rules.not_in_scope_message(
                firm.name, on, firm.founded_on, firm.deregistered_on, firm.revoked_on)
                + "请核对入会日期。")
            return False
        if any(union_rules.covers(start, end, founded, dissolved, on)
               for start, end, founded, dissolved in covers):
            return True
        self.error(row.number, "入会日期", row.joined_on,
                   union_rules.not_covered_message(firm.name, on))
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
                if a_name is None or b_name is None:  # the other membership is out of scope
                    mine = b_name if a_name is None else a_name
                    self.error(row, "公民身份号码", id_number,
                               f"此人在您管辖范围以外的企业已有会籍，与{mine}的会籍时间重叠：同一人同一时间"
                               "只能是一个工会组织的会员。请核对身份证号；如确为此人，请联系县总工会办理原会籍的离会。")
                    continue
                where = f"第 {a_row} 行" if a_row else "系统中已有"
                self.error(row, "公民身份号码", id_number,
                           f"此人（{where}）已是{a_name}的会员（{a_start:%Y-%m-%d} 入会"
                           + (f"，{a_end:%Y-%m-%d} 离会" if a_end else "，尚未离会")
                           + f"），与{b_name}自 {b_start:%Y-%m-%d} 的会籍重叠：同一人同一时间只能是"
                           "一个工会组织的会员。请先填写原会籍的离会日期，不晚于新的入会日期。")

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
                          f"导入后{firm.name}有 {total} 名在册会员，多于职工人数 {firm.employees}："
                          "请核对会员名单或更新企业的职工人数。")

    # ------------------------------------------------------------ writing
    def write(self) -> None:
        now = timezone.now()
        # Updates first: a file may close one membership and open the person's next one.
        for batch in chunks(self.updates, 1000):
            Member.objects.bulk_update([
                Member(pk=pk, name=name, phone=phone, left_on=left_on, version=version,
                       updated_at=now)
                for pk, name, phone, left_on, version in batch
            ], ["name", "phone", "left_on", "version", "updated_at"])
        insert_rows(Member, NEW_FIELDS, self._new_rows())

    def touched(self) -> tuple[set[int], set[int]]:
        firms = set(Member.objects.filter(pk__in=[u[0] for u in self.updates])
                    .values_list("enterprise_id", flat=True)) if self.updates else set()
        firms |= {self.firm_pk[row[4]] for row, action in zip(self.rows, self.actions,
                                                               strict=True) if action == CREATE}
        return firms, set()

    def _new_rows(self) -> Iterator[tuple]:
        """The rows to create as tuples of NEW_FIELDS, made as they are written."""
        firm_pk = self.firm_pk
        for (_, name, n, phone, code, joined, left), action in zip(self.rows, self.actions,
                                                                   strict=True):
            if action == CREATE:
                yield (name, n, gender_of(n), birth_date_of(n), phone,
                       firm_pk[code], joined, left)
