"""The fast path against the reference: every figure of every jurisdiction on the dates asked
(`jianhui stats --verify`, the property test)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from jianhui.regions.models import Jurisdiction

from .query import figures, reference_figures
from .results import Figures


@dataclass(frozen=True)
class Difference:
    on: dt.date
    code: str
    figure: str
    fast: int
    reference: int

    def as_json(self) -> dict:
        return {"date": self.on.isoformat(), "jurisdiction": self.code, "figure": self.figure,
                "fast": self.fast, "reference": self.reference}

    def __str__(self) -> str:
        return (f"{self.on:%Y-%m-%d} 辖区 {self.code} 的 {self.figure}："
                f"快速统计 {self.fast}，逐条核算 {self.reference}")


FIGURE_NAMES = [f.name for f in fields(Figures)]


def differences(dates: Iterable[dt.date],
                jurisdictions: Sequence[Jurisdiction] | None = None) -> list[Difference]:
    """Every (date, jurisdiction, figure) where the fast path and the reference disagree."""
    dates = list(dict.fromkeys(dates))
    js = list(Jurisdiction.objects.all()) if jurisdictions is None else list(jurisdictions)
    fast, ref = figures(dates, js), reference_figures(dates, js)
    out = []
    for on in dates:
        for j in js:
            a, b = fast[on, j.code], ref[on, j.code]
            out += [Difference(on, j.code, name, getattr(a, name), getattr(b, name))
                    for name in FIGURE_NAMES if getattr(a, name) != getattr(b, name)]
    return out


def rule25_differences(dates: Iterable[dt.date], paths=None) -> list[str]:
    """Where the list of 应单独建会 enterprises from the facts differs from the reference's."""
    from . import reference
    from .query import rule25_list

    out = []
    for on in dict.fromkeys(dates):
        fast = {tuple(sorted(r.items())) for r in rule25_list(on, paths)}
        ref = {tuple(sorted(r.items())) for r in reference.rule25_enterprises(on, paths)}
        out += [f"{on:%Y-%m-%d} 应单独建会名单：{'快速统计多出' if r in fast else '快速统计缺少'} {dict(r)}"
                for r in sorted(fast ^ ref)]
    return out


def stale_facts(enterprise_ids=None, organisation_ids=None) -> list[str]:
    """The enterprises and organisations (None: all) whose stored facts differ from the facts
    their rows give now: a write that did not reach sync.refresh (a bulk write without it)."""
    from . import facts, sync
    from .models import EnterpriseInterval, MemberInterval, OrganisationInterval

    fresh = facts.compute(enterprise_ids, organisation_ids)
    e_ids, o_ids = fresh.enterprise_ids, fresh.organisation_ids
    stored = {
        "pieces": sync._rows(EnterpriseInterval, sync.PIECE_FIELDS, "enterprise_id", e_ids),
        "counted": sync._rows(MemberInterval, sync.COUNTED_FIELDS, "enterprise_id", e_ids),
        "alive": sync._rows(OrganisationInterval, sync.ALIVE_FIELDS, "organisation_id", o_ids),
    }
    out = []
    for name, rows in stored.items():
        have, want = set(rows), set(getattr(fresh, name))
        for row in sorted(have ^ want, key=repr):
            owner = "工会组织" if name == "alive" else "企业"
            out.append(f"{owner} {row[0]} 的统计数据与业务数据不符：{'多出' if row in have else '缺少'} {row}")
    return out
