"""Column specifications: one declaration per list or figure table, read by the page, its
.xlsx export and the command line, so that labels and columns cannot drift apart (the netbox
habit of `tables.py`).

    FIGURES = Table([Field("enterprises", "企业", INT), Field("establishment_rate", "建会率", PERCENT)])
    FIGURES.headers()            # ["企业", "建会率"]
    FIGURES.texts(figures)       # ["164", "98.2%"]: what a page and the terminal show
    FIGURES.cells(figures)       # [164, 0.982]: what an Excel cell holds (rates as shown)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .numbers import percent, shown_rate
from .xlsx import CODE, DATE, INT, NUMBER, PERCENT, TEXT, Column

__all__ = ["CODE", "DATE", "INT", "NUMBER", "PERCENT", "TEXT", "Field", "Table"]


@dataclass(frozen=True)
class Field:
    key: str  # the attribute (or mapping key) read from a row
    label: str  # the Chinese header, the same everywhere
    kind: str = TEXT  # lib.xlsx kinds: how a value is shown and stored in Excel
    get: Callable[[Any], Any] | None = None  # how to read it, when not by `key`
    help: str = ""  # a tooltip / footnote

    def value(self, row: Any) -> Any:
        if self.get is not None:
            return self.get(row)
        if isinstance(row, dict):
            return row.get(self.key)
        return getattr(row, self.key)

    def text(self, row: Any, grouping: bool = True) -> str:
        """The value as a page shows it: 15,028 · 98.2% · 2023-09-29 · — (the terminal, for
        scripts that read it, without digit grouping: 15028)."""
        value = self.value(row)
        if value is None or value == "":
            return "—" if self.kind in (INT, NUMBER, PERCENT, DATE) else ""
        if self.kind == PERCENT:
            return percent(Fraction(value))
        if self.kind == NUMBER:
            return f"{int(value):,}" if grouping else str(int(value))
        if self.kind == DATE:
            return f"{value:%Y-%m-%d}"
        return str(value)

    def cell(self, row: Any) -> Any:
        """The value for an Excel cell: a rate exactly as shown (98.2% → 0.982)."""
        value = self.value(row)
        if self.kind == PERCENT and value is not None:
            return float(shown_rate(Fraction(value)))
        return value

    @property
    def column(self) -> Column:
        return Column(self.label, self.kind)


class Table(Sequence[Field]):
    def __init__(self, fields: Iterable[Field]) -> None:
        self.fields = list(fields)

    def __getitem__(self, index):
        return self.fields[index]

    def __len__(self) -> int:
        return len(self.fields)

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def headers(self) -> list[str]:
        return [f.label for f in self.fields]

    def columns(self) -> list[Column]:
        return [f.column for f in self.fields]

    def texts(self, row: Any, grouping: bool = True) -> list[str]:
        return [f.text(row, grouping) for f in self.fields]

    def cells(self, row: Any) -> list[Any]:
        return [f.cell(row) for f in self.fields]

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]
