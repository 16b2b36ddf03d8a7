"""Write rows to .xlsx or .csv as users' files look (tests, benchmarks, templates later)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              encoding: str = "utf-8-sig", title: str | None = None) -> Path:
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]],
               title: str | None = None) -> Path:
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    if title:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path
