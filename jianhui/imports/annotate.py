"""The user's own workbook with every problem marked where it is: a red cell with a comment for
each error, a yellow one for each warning, a column 导入检查结果 at the right of each row with
problems, and a sheet 问题清单 listing them all.

An .xlsx up to PRESERVE_MAX_BYTES is opened and marked as it is (formatting kept); larger
workbooks, .xls and .csv files are streamed cell by cell into a new .xlsx with the same rows
and columns, so that memory stays bounded. Row numbers are the ones the importer reports
(as Excel shows them, for a CSV the record's line), so they match the error table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .kinds import KINDS
from .readers import FileProblem, open_table, raw_rows

PRESERVE_MAX_BYTES = 5 * 1024 * 1024
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")  # red
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")  # yellow
NOTE_HEADER = "导入检查结果"
LIST_SHEET = "问题清单"
AUTHOR = "建会导入校验"
NOTE_WIDTH = 80
LEVELS = {"error": "错误", "warning": "提示"}


@dataclass(frozen=True)
class Mark:
    level: str  # "error" or "warning"
    column: str  # the header as in the user's file; "" for the whole row
    message: str


class Marks:
    """Issues placed on cells: row → column position (0-based; None: the row) → marks."""

    def __init__(self, kind: str, path: Path, issues: Iterable[tuple[str, int, str, str]]):
        self.issues = sorted(issues, key=lambda i: (i[1], i[0] != "error"))
        self.header_row = 0
        positions: dict[str, int] = {}
        try:
            table = open_table(path, KINDS[kind].columns)
        except FileProblem:
            pass
        else:
            self.header_row = table.header_row
            positions = {table.headers[name]: pos for name, pos in table.index.items()}
            positions.update({name: pos for name, pos in table.index.items()
                              if name not in positions})
        self.cells: dict[int, dict[int | None, list[Mark]]] = defaultdict(lambda: defaultdict(list))
        for level, row, column, message in self.issues:
            if row <= 0:
                continue
            self.cells[row][positions.get(column)].append(Mark(level, column, message))

    def row_note(self, row: int) -> str | None:
        marks = self.cells.get(row)
        if not marks:
            return None
        lines = [f"{LEVELS[m.level]}{f'[{m.column}]' if m.column else ''}：{m.message}"
                 for ms in marks.values() for m in ms]
        return "\n".join(lines)


def _fill(marks: list[Mark]) -> PatternFill:
    return ERROR_FILL if any(m.level == "error" for m in marks) else WARNING_FILL


def _comment(marks: list[Mark]) -> Comment:
    text = "\n".join(f"{LEVELS[m.level]}：{m.message}" for m in marks)
    comment = Comment(text, AUTHOR)
    comment.width = 360
    comment.height = min(60 + 40 * len(marks) + len(text) // 2, 400)
    return comment


def _safe(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    return value


def mark_workbook(kind: str, source: Path, issues: Iterable[tuple[str, int, str, str]],
                  target: Path, title: str = "数据") -> Path:
    """Write the marked copy of `source` to `target`; `title` names the sheet of a rebuilt
    copy (the user's file name, say)."""
    marks = Marks(kind, source, issues)
    if source.suffix.lower() == ".xlsx" and source.stat().st_size <= PRESERVE_MAX_BYTES:
        try:
            _mark_in_place(source, marks, target)
            return target
        except Exception:  # openpyxl cannot open some valid files (odd writers): rebuild
            pass
    _rebuild(source, marks, target, _sheet_title(title))
    return target


def _mark_in_place(source: Path, marks: Marks, target: Path) -> None:
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    note_column = ws.max_column + 1
    ws.column_dimensions[get_column_letter(note_column)].width = NOTE_WIDTH
    if marks.header_row:
        head = ws.cell(row=marks.header_row, column=note_column, value=NOTE_HEADER)
        head.font = Font(bold=True, color="C00000")
    for row, by_column in marks.cells.items():
        for position, ms in by_column.items():
            cell = ws.cell(row=row, column=(position or 0) + 1)
            cell.fill = _fill(ms)
            cell.comment = _comment(ms)
        ws.cell(row=row, column=note_column, value=marks.row_note(row))
    _issue_sheet(wb.create_sheet(_free_title(wb.sheetnames)), marks.issues)
    wb.save(target)


def _free_title(names: list[str]) -> str:
    title, n = LIST_SHEET, 1
    while title in names:
        n += 1
        title = f"{LIST_SHEET}{n}"
    return title


def _rows_width(source: Path) -> int:
    return max((len(r) for r in raw_rows(source)), default=0)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "数据"


def _rebuild(source: Path, marks: Marks, target: Path, title: str) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    width = _rows_width(source)
    ws.column_dimensions[get_column_letter(width + 1)].width = NOTE_WIDTH
    for number, values in enumerate(raw_rows(source), start=1):
        ws.append(list(_cells(ws, number, values, marks, width)))
    _issue_sheet(wb.create_sheet(LIST_SHEET), marks.issues, write_only=True)
    wb.save(target)


def _cells(ws, number: int, values: list[object], marks: Marks, width: int) -> Iterator:
    by_column = marks.cells.get(number, {})
    row_marks = by_column.get(None)
    for position in range(max(len(values), 1 if row_marks else 0)):
        value = values[position] if position < len(values) else None
        cell = WriteOnlyCell(ws, value=_safe(None if value == "" else value))
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # the user's text, never a formula
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        ms = by_column.get(position, []) + (row_marks or [] if position == 0 else [])
        if ms:
            cell.fill = _fill(ms)
            cell.comment = _comment(ms)
        yield cell
    if number == marks.header_row:
        yield from [None] * (width - len(values))
        head = WriteOnlyCell(ws, value=NOTE_HEADER)
        head.font = Font(bold=True, color="C00000")
        yield head
    elif note := marks.row_note(number):
        yield from [None] * (width - max(len(values), 1 if row_marks else 0))
        yield _safe(note)


def _issue_sheet(ws, issues: list[tuple[str, int, str, str]], write_only: bool = False) -> None:
    header = ["行号", "列", "类别", "说明"]
    if write_only:
        cells = []
        for text in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True)
            cells.append(cell)
        ws.append(cells)
    else:
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABCD", (8, 20, 8, 90), strict=True):
            ws.column_dimensions[letter].width = width
    for level, row, column, message in issues:
        ws.append([row or None, _safe(column) or None, LEVELS[level], _safe(message)])
