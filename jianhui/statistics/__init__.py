"""The figures of DOMAIN.md §2, as of any date, per jurisdiction and rolled up the tree.

Every page, CLI command, bulletin and score gets its numbers here and nowhere else, through
`figures(dates, jurisdictions)` and its views `table`, `totals` and `series` (query.py). The
direct definition is reference.py; the column labels are columns.py. This package never sees a
user, a request, rights or the audit log.

It is also a Django app (its precomputed facts are tables), so this file imports nothing at
load time: the names below are looked up on first use.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "percent": "jianhui.lib.numbers", "rate": "jianhui.lib.numbers",
    "RULE25_THRESHOLD": ".results", "Figures": ".results", "Row": ".results", "Table": ".results",
    "time_elapsed_progress": ".progress",
    "FigureGrid": ".query", "figures": ".query", "reference_figures": ".query", "rule25_list": ".query", "series": ".query", "table": ".query",
    "totals": ".query",
    "base_figures": ".reference", "enterprise_counts": ".reference",
    "member_counts": ".reference", "organisation_counts": ".reference",
    "rule25_enterprises": ".reference",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home, __name__)
    return getattr(module, name)
