"""The figures of DOMAIN.md §2 for one jurisdiction's subtree on one date, and the tables of
them the pages and the CLI print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from jianhui.lib.numbers import rate
from jianhui.regions.models import Jurisdiction

RULE25_THRESHOLD = 25


@dataclass
class Figures:
    """Counts for one jurisdiction (its whole subtree) on one date."""

    enterprises: int = 0  # in scope
    unionized: int = 0
    standalone: int = 0  # covered by their own 基层工会委员会
    covered: int = 0  # 联合建会: covered by a joint union or a federation
    standalone_unions: int = 0  # alive organisations by kind (基层工会委员会)
    joint_unions: int = 0
    federations: int = 0
    employees: int = 0  # of all in-scope enterprises
    employees_unionized: int = 0
    members: int = 0
    rule25_warnings: int = 0

    @property
    def not_unionized(self) -> int:
        return self.enterprises - self.unionized

    @property
    def committees(self) -> int:
        """Alive 基层工会委员会 organisations (the JSON's `committees`)."""
        return self.standalone_unions

    @property
    def organisations(self) -> int:
        return self.standalone_unions + self.joint_unions + self.federations

    @property
    def establishment_rate(self) -> Fraction:
        return rate(self.unionized, self.enterprises)

    @property
    def membership_rate(self) -> Fraction:
        return rate(self.members, self.employees_unionized)

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def copy(self) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) for f in fields(self)})

    def as_json(self) -> dict[str, Any]:
        """The CLI's contract: these keys (extended, never renamed), unrounded numbers, rates as
        floats."""
        return {
            "enterprises": self.enterprises,
            "unionized": self.unionized,
            "standalone": self.standalone,
            "covered": self.covered,
            "not_unionized": self.not_unionized,
            "federations": self.federations,
            "joint_unions": self.joint_unions,
            "employees": self.employees,
            "employees_unionized": self.employees_unionized,
            "members": self.members,
            "establishment_rate": float(self.establishment_rate),
            "membership_rate": float(self.membership_rate),
            "rule25_warnings": self.rule25_warnings,
            "committees": self.committees,
        }


@dataclass
class Row:
    jurisdiction: Jurisdiction
    figures: Figures
    parent_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        j = self.jurisdiction
        return {
            "code": j.code, "name": j.name, "kind": j.get_kind_display(),
            "parent": self.parent_code, **self.figures.as_json(),
        }


@dataclass
class Table:
    as_of: dt.date
    total: Figures
    rows: list[Row] = field(default_factory=list)
    root: Jurisdiction | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total.as_json(),
            "jurisdictions": [r.as_json() for r in self.rows],
        }

    def row(self, code: str) -> Row | None:
        return next((r for r in self.rows if r.jurisdiction.code == code), None)
