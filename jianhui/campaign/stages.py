"""Where each enterprise stands on a date: its stage in the organising pipeline.

On D an in-scope enterprise is at 已建会 when the data model says it is unionized that day
(unions/rules.py), whatever was recorded by hand; otherwise at the stage of its case's last
change on or before D (未摸底 when there is none), with the flag (拒绝/暂缓) of that change.
The funnel counts the in-scope enterprises of some jurisdictions per stage on D.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import paths_q
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage

from .models import Campaign, StageChange
from .models.pipeline import STAGE_ORDER, Flag, Stage


@dataclass(frozen=True)
class Standing:
    enterprise_id: int
    stage: str
    flag: str = ""

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def flag_label(self) -> str:
        return Flag(self.flag).label if self.flag else ""


def recorded_stages(campaign: Campaign, on: dt.date, enterprise_ids=None) -> dict[int, tuple]:
    """{enterprise id: (stage, flag)} of each case's last change on or before `on`."""
    changes = StageChange.objects.filter(case__campaign=campaign, on__lte=on)
    if enterprise_ids is not None:
        changes = changes.filter(case__enterprise_id__in=enterprise_ids)
    last: dict[int, tuple] = {}
    for enterprise_id, stage, flag in changes.order_by("on", "recorded_at", "pk").values_list(
            "case__enterprise_id", "stage", "flag"):
        last[enterprise_id] = (stage, flag)
    return last


def standings(campaign: Campaign, on: dt.date, enterprises) -> dict[int, Standing]:
    """The standing on `on` of each in-scope enterprise of the `enterprises` queryset."""
    rows = union_rules.with_union_status(
        enterprises.in_scope(on), on, Coverage._base_manager).values_list("pk", "cover_kind")
    status = dict(rows)
    recorded = recorded_stages(campaign, on, list(status))
    out = {}
    for pk, kind in status.items():
        if kind is not None:
            out[pk] = Standing(pk, Stage.FOUNDED)
        else:
            stage, flag = recorded.get(pk, (Stage.UNSURVEYED, ""))
            # A case whose enterprise is no longer unionized (its union dissolved) is back in
            # the pipeline at the last stage a person recorded.
            if stage == Stage.FOUNDED:
                stage = Stage.PREPARING
            out[pk] = Standing(pk, stage, flag)
    return out


def funnel(campaign: Campaign, on: dt.date, paths) -> dict[str, int]:
    """In-scope enterprises under `paths` per stage on `on`, every stage listed (a funnel)."""
    qs = Enterprise.objects.filter(paths_q("jurisdiction__path", paths))
    counts = Counter(s.stage for s in standings(campaign, on, qs).values())
    return {stage: counts.get(stage, 0) for stage in sorted(Stage, key=STAGE_ORDER.get)}


def funnels(campaign: Campaign, on: dt.date, roots: dict[str, str]) -> dict[str, dict[str, int]]:
    """The funnel of each subtree of `roots` ({key: path}) on `on`, from one pass of
    `standings` over all of them (the campaign page's areas)."""
    qs = Enterprise.objects.filter(paths_q("jurisdiction__path", list(roots.values())))
    where = dict(qs.values_list("pk", "jurisdiction__path"))
    stages = sorted(Stage, key=STAGE_ORDER.get)
    out = {key: dict.fromkeys(stages, 0) for key in roots}
    for pk, standing in standings(campaign, on, qs).items():
        for key, path in roots.items():
            if where[pk].startswith(path):
                out[key][standing.stage] += 1
    return out
