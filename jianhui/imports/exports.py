"""Export rows in the importers' own columns, so that an exported file imports back unchanged.

The headers are the importer's column names (read from the kinds, not repeated here); each
value is written in a form the importer parses back to the stored value: enumerations by the
importer's own spelling, jurisdictions by name (by code where a name is ambiguous), dates as
Excel dates, codes as text. Personal numbers are masked unless `reveal`, under headers marked
（已脱敏）; a masked file is for reading, not for importing back.

Values are read through the model attributes, never raw SQL, so fields encrypted at rest
behind the same attributes keep working.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from jianhui.enterprises.models import Scale
from jianhui.lib.codes import mask_id_number, mask_phone
from jianhui.lib.periods import holds
from jianhui.lib.xlsx import CODE, DATE, INT, TEXT, Column
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, OrganisationKind, UnionOrganisation
from jianhui.unions.personal import personal_labels

from .kinds.base import chunks
from .kinds.enterprises import EnterpriseImporter
from .kinds.members import MemberImporter
from .kinds.unions import COVER, UnionImporter
from .values import STATUS

KIND_OF = {
    "统一社会信用代码": CODE, "工会统一社会信用代码": CODE, COVER: CODE, "所在企业信用代码": CODE,
    "公民身份号码": CODE, "联系电话": CODE, "手机号码": CODE, "所属辖区": TEXT,
    "职工人数": INT, "女职工人数": INT, "农民工人数": INT,
    "成立日期": DATE, "注销日期": DATE, "吊销日期": DATE, "撤销日期": DATE, "入会日期": DATE, "离会日期": DATE,
}
COVER_SEPARATOR = "、"
MASKED_MARK = "（已脱敏）"


def columns_of(importer, reveal: bool) -> list[Column]:
    """The importer's columns. Masked columns say so in their header, which the importer does
    not know: the members importer then refuses the file (its ID column is missing) and the
    enterprises importer leaves phone numbers as they are, instead of storing masked ones."""
    personal = personal_labels()  # the one list of personal fields (unions/personal.py)
    return [Column(name if reveal or name not in personal else name + MASKED_MARK,
                   KIND_OF.get(name, TEXT)) for name in importer.columns.names]


def enterprise_columns(reveal: bool) -> list[Column]:
    return columns_of(EnterpriseImporter, reveal)


def union_columns(reveal: bool) -> list[Column]:
    return columns_of(UnionImporter, reveal)


def member_columns(reveal: bool) -> list[Column]:
    return columns_of(MemberImporter, reveal)


# The importer's first spelling of each value: 停业/歇业 is shown as 停业 (the importer takes
# 停业 or 歇业, not the combined label).
STATUS_WORD = {value: word for word, value in reversed(STATUS.mapping.items())}
SCALE_WORD = dict(Scale.choices)
KIND_WORD = dict(OrganisationKind.choices)


def phone(value: str, reveal: bool) -> str:
    return value if reveal or not value else mask_phone(value)


class JurisdictionLabels:
    """How a jurisdiction is written so the importer finds it again: its name when no other
    jurisdiction has that name or full name (the importer's JurisdictionIndex looks up both),
    else its code."""

    def __init__(self) -> None:
        names = Jurisdiction.objects.values_list("pk", "code", "name", "full_name")
        counts = Counter(n for _, _, name, full in names for n in {name, full} - {""})
        self.labels = {pk: name if counts[name] == 1 else code for pk, code, name, _ in names}

    def __getitem__(self, pk: int) -> str:
        return self.labels[pk]


def enterprise_rows(qs, reveal: bool) -> Iterator[list[Any]]:
    where = JurisdictionLabels()
    for e in qs.iterator(chunk_size=2000):
        yield [
            e.name, e.credit_code, where[e.jurisdiction_id], e.industry,
            SCALE_WORD.get(e.scale_override, ""),  # only a manual scale; blank = by employees
            e.employees, e.female_employees, e.migrant_workers, STATUS_WORD[e.status],
            e.legal_representative, e.contact, phone(e.phone, reveal), e.address,
            e.founded_on, e.deregistered_on, e.revoked_on,
        ]


def covered_codes(organisations: list[UnionOrganisation], on: dt.date) -> dict[int, list[str]]:
    """Per organisation, the enterprises it covers on `on`; for one covering none that day
    (dissolved, or not yet founded) every enterprise it has covered, so the row still says
    what the organisation is (the importer requires at least one)."""
    alive = {o.pk: o.is_alive(on) for o in organisations}
    current: dict[int, list[str]] = defaultdict(list)
    ever: dict[int, list[str]] = defaultdict(list)
    for batch in chunks(list(alive)):
        for org, code, start, end in (
            Coverage.objects.filter(organisation_id__in=batch)
            .order_by("start_on", "enterprise__credit_code")
            .values_list("organisation_id", "enterprise__credit_code", "start_on", "end_on")
        ):
            if code not in ever[org]:
                ever[org].append(code)
            if alive[org] and holds(start, end, on):
                current[org].append(code)
    return {pk: current[pk] or ever[pk] for pk in alive}


def union_rows(qs, on: dt.date, reveal: bool) -> Iterator[list[Any]]:
    where = JurisdictionLabels()
    for batch in chunks(qs.iterator(chunk_size=2000), 1000):
        codes = covered_codes(batch, on)
        for o in batch:
            yield [
                o.name, KIND_WORD[o.kind], where[o.jurisdiction_id], o.founded_on,
                o.dissolved_on, o.chair, phone(o.chair_phone, reveal), o.credit_code,
                COVER_SEPARATOR.join(codes[o.pk]),
            ]


def member_rows(qs, reveal: bool) -> Iterator[list[Any]]:
    for m in qs.select_related("enterprise").iterator(chunk_size=2000):
        yield [
            m.name, m.id_number if reveal else mask_id_number(m.id_number),
            phone(m.phone, reveal), m.enterprise.credit_code, m.joined_on, m.left_on,
        ]
