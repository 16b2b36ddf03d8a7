"""Writing .xlsx files for users: streamed, Chinese headers, safe against formula injection.

    columns = [Column("企业名称"), Column("统一社会信用代码", CODE), Column("成立日期", DATE)]
    with TemporaryFile() as fh:
        rows = write_xlsx(fh, columns, ((e.name, e.credit_code, e.founded_on) for e in qs))

openpyxl's write-only mode writes each row as it comes, so memory stays flat however many
rows there are. Column widths must be written before the first row, so they are computed from
the first `SAMPLE_ROWS` rows (held back, then written).

Formula injection (OWASP "CSV injection"): a text cell beginning with = + - @ tab or CR is
stored as a plain string (never a formula element) with Excel's "quote prefix" cell style —
what Excel itself does when a user types '=… — so Excel, WPS and LibreOffice show the text, do
not evaluate it even when the cell is edited, and readers (our importer too) get the original
value back without a leading apostrophe to strip.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

TEXT, CODE, INT, NUMBER, DATE, PERCENT = "text", "code", "int", "number", "date", "percent"
POINTS = "points"  # scores with two decimals (考核得分)
FORMATS = {TEXT: "@", CODE: "@", INT: "0", NUMBER: "#,##0", DATE: "yyyy-mm-dd",
           PERCENT: "0.0%", POINTS: "0.00"}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SAMPLE_ROWS = 1000
MIN_WIDTH, MAX_WIDTH = 6, 50
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float | None = None  # fixed; None: from the header and the content
    wrap: bool = False  # long multi-line text: wrapped, top-aligned


@dataclass(frozen=True)
class Styled:
    """A value with its own look (a tree level's indent, a bold total row)."""

    value: Any
    indent: int = 0
    bold: bool = False


def needs_quote(value: object) -> bool:
    """Would a spreadsheet take this text for a formula (or strip its leading control)?"""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def display_width(value: object) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        value = f"{value:.1%}" if value <= 1 else f"{value:,.0f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def column_widths(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[float]:
    widths = []
    for i, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        content = max((_width_of(row[i]) for row in rows if i < len(row)), default=0)
        widest = max(display_width(column.header) + 2, content)  # +2: the filter button
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))))
    return widths


def _width_of(value: Any) -> int:
    if isinstance(value, Styled):
        return display_width(value.value) + 2 * value.indent
    return display_width(value)


class _Cells:
    """One reusable styled cell per (column, variant): write-only rows are written out as
    soon as they are appended, so a cell object can carry the next row's value."""

    def __init__(self, ws, columns: Sequence[Column]) -> None:
        self.ws = ws
        self.columns = columns
        self.cache: dict[tuple, WriteOnlyCell] = {}

    def get(self, i: int, value: Any) -> WriteOnlyCell | None:
        indent, bold = 0, False
        if isinstance(value, Styled):
            value, indent, bold = value.value, value.indent, value.bold
        if value is None or value == "":
            if not bold:
                return None
            value = None
        quoted = needs_quote(value)
        key = (i, quoted, indent, bold)
        cell = self.cache.get(key)
        if cell is None:
            column = self.columns[i]
            cell = self.cache[key] = WriteOnlyCell(self.ws)
            cell.number_format = FORMATS[column.kind]
            if quoted:
                cell.quotePrefix = True
            if indent or column.wrap:
                cell.alignment = Alignment(indent=indent, wrap_text=column.wrap or None,
                                           vertical="top" if column.wrap else None)
            if bold:
                cell.font = Font(bold=True)
        try:
            cell.value = value
        except IllegalCharacterError:  # control characters have no place in an xlsx file
            cell.value = value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if quoted:
            cell.data_type = "s"  # openpyxl made "=…" a formula: store it as text
        return cell


def write_xlsx(out: IO[bytes], columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
               sheet_title: str = "Sheet1", title: str | None = None,
               autofilter: bool = True) -> int:
    """Write `rows` under a bold, frozen header (with filter buttons unless `autofilter` is
    False, e.g. for a table whose total row must stay last); return the number of data rows.

    With `title`, row 1 is a bold title line and the header is row 2.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    rows = iter(rows)
    sample = [row for _, row in zip(range(SAMPLE_ROWS), rows, strict=False)]
    for i, width in enumerate(column_widths(columns, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if title else 1
    ws.freeze_panes = f"A{header_row + 1}"
    if title:
        cell = WriteOnlyCell(ws, title)
        cell.font = Font(bold=True, size=14)
        if needs_quote(title):
            cell.data_type, cell.quotePrefix = "s", True
        ws.append([cell])
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)
    cells = _Cells(ws, columns)
    count = 0
    for source in (sample, rows):
        for row in source:
            ws.append([cells.get(i, value) for i, value in enumerate(row)])
            count += 1
    if autofilter:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
    wb.save(out)
    return count


def safe_filename(name: str) -> str:
    """Characters Windows refuses in file names (a name may hold an enterprise's name)."""
    return _UNSAFE_IN_NAMES.sub("_", name).strip(" .") or "export.xlsx"


def content_disposition(filename: str) -> str:
    """RFC 6266 / RFC 5987: an ASCII fallback for old clients, then the UTF-8 name."""
    filename = safe_filename(filename)
    fallback = filename.encode("ascii", "ignore").decode().strip("_ ") or "export.xlsx"
    if not fallback.endswith(".xlsx"):
        fallback = "export.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(filename)}"


def xlsx_response(fh: IO[bytes], filename: str) -> FileResponse:
    """Send an open (temporary) file; the response closes it when done."""
    fh.seek(0)
    response = FileResponse(fh, content_type=XLSX_MIME)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"  # personal data must not sit in shared caches
    return response
