"""企业: the enterprise register, keyed by unified social credit code."""

from __future__ import annotations

import copy

from django.utils import timezone

from jianhui.enterprises.models import Enterprise, OperatingStatus
from jianhui.lib.codes import normalise_credit_code
from jianhui.lib.text import initials

from ..readers import Columns
from ..values import SCALE, STATUS, parse_date, parse_int, text, visible_text
from .base import OUTSIDE, Importer, JurisdictionIndex, RowReader, chunks

# column → model field; the order is the template's
FIELDS = {
    "企业名称": "name", "统一社会信用代码": "credit_code", "所属辖区": "jurisdiction",
    "行业": "industry", "企业规模": "scale_override", "职工人数": "employees",
    "女职工人数": "female_employees", "农民工人数": "migrant_workers", "经营状态": "status",
    "法定代表人": "legal_representative", "联系人": "contact", "联系电话": "phone",
    "地址": "address", "成立日期": "founded_on", "注销日期": "deregistered_on",
    "吊销日期": "revoked_on",
}
COLUMN_OF = {f: c for c, f in FIELDS.items()}
PARSERS = {
    "统一社会信用代码": normalise_credit_code, "企业规模": SCALE, "职工人数": parse_int,
    "女职工人数": parse_int, "农民工人数": parse_int, "经营状态": STATUS,
    "成立日期": parse_date, "注销日期": parse_date, "吊销日期": parse_date,
    **{column: visible_text(column) for column in ("企业名称", "法定代表人", "联系人")},
}
BLANK = {"scale_override": "", "female_employees": None, "migrant_workers": None,
         "founded_on": None, "deregistered_on": None, "revoked_on": None}


class EnterpriseImporter(Importer):
    kind = "enterprises"
    label = "企业"
    columns = Columns(
        names=tuple(FIELDS),
        required=("企业名称", "统一社会信用代码", "所属辖区", "职工人数"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[int, dict, dict]] = []  # (row, field values, raw cells)
        self.seen: dict[str, int] = {}
        self.jurisdictions = JurisdictionIndex(self.scope)
        self.to_create: list[Enterprise] = []
        self.to_update: list[Enterprise] = []
        self.changed_fields: set[str] = set()

    def add(self, number: int, cells: dict[str, object]) -> None:
        r = RowReader(self, number, cells)
        values: dict[str, object] = {}
        for column, name in FIELDS.items():
            if not r.has(column):
                continue
            if column == "所属辖区":
                value = r.get(column, self.jurisdictions.resolve, required=True)
            else:
                parse = PARSERS.get(column, text)
                length = Enterprise._meta.get_field(name).max_length
                value = r.get(column, parse, required=column in self.columns.required,
                              max_length=length if parse is text else None)
            values[name] = BLANK.get(name, "") if value is None else value
        code = values.get("credit_code")
        if code:
            if code in self.seen:
                r.fail("统一社会信用代码", code,
                       f"统一社会信用代码「{code}」在文件中重复（第 {self.seen[code]} 行已有）："
                       "同一企业只能出现一次，请删除重复行。")
            else:
                self.seen[code] = number
        if r.ok:
            self.rows.append((number, values, cells))

    def check(self) -> None:
        existing: dict[str, Enterprise] = {}
        for batch in chunks(self.seen):
            existing.update(
                (e.credit_code, e) for e in Enterprise.objects.filter(credit_code__in=batch)
            )
        for number, values, cells in self.rows:
            old = existing.get(values["credit_code"])
            if old is not None and not self.allows_jurisdiction(old.jurisdiction_id):
                self.error(number, "统一社会信用代码", old.credit_code,
                           f"统一社会信用代码为「{old.credit_code}」的企业已登记在其他辖区，{OUTSIDE}")
                continue
            self._check_row(number, values, cells, old)

    def _check_row(self, number: int, values: dict, cells: dict, old: Enterprise | None) -> None:
        status = values.get("status")
        if not status:  # blank or absent: follow the dates, keep a non-deregistered status
            if values.get("deregistered_on"):
                status = OperatingStatus.DEREGISTERED
            elif values.get("revoked_on"):
                status = OperatingStatus.REVOKED
            elif old and old.status != OperatingStatus.DEREGISTERED:
                status = old.status
            else:
                status = OperatingStatus.OPERATING
        values["status"] = status
        if old is None:
            candidate = Enterprise(**values)
            changed = True
        else:
            candidate = copy.copy(old)
            changed = False
            for name, value in values.items():
                if getattr(old, name if name != "jurisdiction" else "jurisdiction_id") != (
                    value.pk if name == "jurisdiction" else value
                ):
                    setattr(candidate, name, value)
                    self.changed_fields.add(name)
                    changed = True
        if not self.model_errors(number, candidate, COLUMN_OF, cells):
            return
        action = self.decide(number, "统一社会信用代码", values["credit_code"], old is not None,
                             changed)
        if action == "create":
            self.to_create.append(candidate)
        elif action == "update":
            self.to_update.append(candidate)

    def touched(self) -> tuple[set[int], set[int]]:
        return {e.pk for e in [*self.to_create, *self.to_update]}, set()

    def write(self) -> None:
        now = timezone.now()
        for e in self.to_create:
            e.name_initials = initials(e.name)
        Enterprise.objects.bulk_create(self.to_create, batch_size=500)
        if not self.to_update:
            return
        fields = self.changed_fields | {"version", "updated_at"}
        if "name" in fields:
            fields.add("name_initials")
        for e in self.to_update:
            e.name_initials = initials(e.name)
            e.version += 1
            e.updated_at = now
        Enterprise.objects.bulk_update(self.to_update, sorted(fields), batch_size=500)
