"""What the formulas of one scoring run share: the campaign, the assessment date, the units,
and each family of numbers fetched once for all units (one `statistics.figures` call for the
areas, one `campaign_progress` call, ...)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .base import AREA, ORGANISATION


class Context:
    def __init__(self, campaign, on: dt.date, units) -> None:
        self.campaign = campaign
        self.on = on
        self.units = list(units)
        self._cache: dict[str, Any] = {}

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def areas(self) -> list:
        return [u.jurisdiction for u in self.units if u.kind == AREA]

    def organisation_ids(self) -> list[int]:
        return [u.organisation_id for u in self.units if u.kind == ORGANISATION]

    def area_figures(self, day: dt.date):
        """{(day, code): Figures} of every area unit (statistics.figures, rolled up each subtree)."""
        from jianhui import statistics

        grid = self.once("area_grid", lambda: statistics.figures(
            sorted({self.on, self.campaign.start_on}), self.areas()))
        if (day, self.areas()[0].code) not in grid:
            grid.update(statistics.figures([day], self.areas()))
        return grid

    def organisation_figures(self, day: dt.date) -> dict:
        from jianhui import statistics

        return self.once(f"org_figures_{day}", lambda: statistics.organisation_figures(
            day, self.organisation_ids()))

    def progress(self) -> dict[str, list]:
        """{area code: its targets' Progress on the assessment date} (campaign/progress.py)."""
        from jianhui.campaign.progress import campaign_progress

        def make():
            out: dict[str, list] = {}
            codes = {j.code for j in self.areas()}
            for p in campaign_progress(self.campaign, self.on):
                if p.jurisdiction.code in codes:
                    out.setdefault(p.jurisdiction.code, []).append(p)
            return out

        return self.once("progress", make)
