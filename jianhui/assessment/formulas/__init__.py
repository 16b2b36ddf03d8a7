"""The formulas a scheme's data-driven indicators pick from (the county chooses, the code
provides). Each formula reads its numbers through the functions the rest of Jianhui uses —
`jianhui.statistics` for the figures, `jianhui.campaign.progress` for completion — and returns
a Measure: the value, its inputs (keys as in `jianhui stats --json` / `progress --json` where
the number is one of theirs), links to the rows behind them and the computation in words.

How a value becomes points is the indicator's business (Indicator.points_for).
"""

from __future__ import annotations

from . import campaign as _campaign  # noqa: F401  (registers its formulas)
from . import figures as _figures  # noqa: F401
from . import supervision as _supervision  # noqa: F401
from .base import AREA, ORGANISATION, REGISTRY, Formula, Measure, choices
from .context import Context

__all__ = ["AREA", "ORGANISATION", "REGISTRY", "Context", "Formula", "Measure", "choices"]
