"""Progress of targets on a date (DOMAIN.md §2), in one function that Supervision and
Assessment reuse: nothing else computes completion, 时序进度 or lagging.

For a target of a jurisdiction with period [start, deadline] on D:
- baseline: the target's figure on the start date; achieved: the figure on D (a count, or an
  exact rate), both from `jianhui.statistics`;
- completion = (achieved − baseline) / (target − baseline), and 1 when the target does not
  exceed the baseline; not clamped, so over-achievement shows above 100%;
- 时序进度 = (D − start + 1) / (deadline − start + 1), clamped to [0, 1];
- lagging: completion < 时序进度.
All figures of all targets come from one `statistics.figures` call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jianhui import statistics
from jianhui.lib.numbers import percent
from jianhui.regions.models import tree_order

from .models import Campaign, Target, TargetKind


def _number(value: Any) -> Fraction:
    return Fraction(value) if not isinstance(value, Fraction) else value


def completion_of(baseline: Fraction, achieved: Fraction, target: Fraction) -> Fraction:
    if target <= baseline:
        return Fraction(1)
    return (achieved - baseline) / (target - baseline)


@dataclass(frozen=True)
class Progress:
    target: Target
    on: dt.date
    baseline: Fraction  # counts are whole Fractions
    achieved: Fraction
    completion: Fraction
    time_progress: Fraction

    @property
    def lagging(self) -> bool:
        return self.completion < self.time_progress

    @property
    def jurisdiction(self):
        return self.target.jurisdiction

    @property
    def goal(self) -> Fraction:
        return _number(self.target.value)

    def shown(self, value: Fraction) -> str:
        """A baseline, goal or achieved value as a cadre reads it (98.2%, 15,028)."""
        if self.target.is_rate:
            return percent(value)
        return f"{int(value):,}"

    @property
    def gap(self) -> Fraction:
        """What is still missing to the goal (0 when reached)."""
        return max(self.goal - self.achieved, Fraction(0))

    def as_json(self) -> dict[str, Any]:
        """The `jianhui progress --json` row: unrounded numbers; counts as integers."""
        def number(value: Fraction) -> int | float:
            if not self.target.is_rate and value.denominator == 1:
                return int(value)
            return float(value)

        j = self.target.jurisdiction
        return {
            "code": j.code, "name": j.name, "target_kind": self.target.kind,
            "baseline": number(self.baseline), "target": number(self.goal),
            "achieved": number(self.achieved), "completion": float(self.completion),
            "time_progress": float(self.time_progress), "lagging": self.lagging,
        }


def figures_for(targets: Iterable[Target], on: dt.date, also: Iterable = ()):
    """The statistics the targets' progress on `on` reads (their jurisdictions on `on` and on
    their start dates), with the figures of `also` on the same dates, in one call."""
    targets = list(targets)
    jurisdictions = {t.jurisdiction.code: t.jurisdiction for t in targets}
    jurisdictions.update((j.code, j) for j in also)
    dates = {on} | {t.start_on for t in targets}
    return statistics.figures(sorted(dates), list(jurisdictions.values()))


def progress(targets: Iterable[Target], on: dt.date, grid=None) -> list[Progress]:
    """Progress of each target on `on`, in the order given. `grid`: the figures from
    `figures_for` when the caller needs more of them (a page's headline), else fetched here."""
    targets = list(targets)
    if not targets:
        return []
    if grid is None:
        grid = figures_for(targets, on)
    out = []
    for t in targets:
        baseline = _number(getattr(grid[t.start_on, t.jurisdiction.code], t.kind))
        achieved = _number(getattr(grid[on, t.jurisdiction.code], t.kind))
        out.append(Progress(
            target=t, on=on, baseline=baseline, achieved=achieved,
            completion=completion_of(baseline, achieved, _number(t.value)),
            time_progress=statistics.time_elapsed_progress(t.start_on, t.deadline, on),
        ))
    return out


def campaign_progress(campaign: Campaign, on: dt.date, scope=None,
                      kinds: Iterable[str] | None = None) -> list[Progress]:
    """Progress of a campaign's targets on `on` (within `scope` when given), in tree order of
    their jurisdictions, then by kind."""
    return progress(campaign_targets(campaign, scope, kinds), on)


def campaign_targets(campaign: Campaign, scope=None,
                     kinds: Iterable[str] | None = None) -> list[Target]:
    """A campaign's targets (within `scope` when given), in tree order of their
    jurisdictions, then by kind."""
    targets = campaign.targets.select_related("jurisdiction")
    if scope is not None:
        targets = targets.within(scope)
    if kinds is not None:
        targets = targets.filter(kind__in=list(kinds))
    order = {k: i for i, k in enumerate(TargetKind)}
    targets = list(targets)
    position = {j.pk: i for i, j in enumerate(tree_order({t.jurisdiction for t in targets}))}
    targets.sort(key=lambda t: (position[t.jurisdiction_id], order[t.kind]))
    return targets
