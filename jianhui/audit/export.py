"""The audit log as an .xlsx workbook (openpyxl, write-only: rows stream, memory stays flat)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .search import EventView

MAX_ROWS = 200_000
# Header, width, value of one row. Long multi-line columns wrap.
WRAPPED = {"变更内容", "详情"}
COLUMNS = [
    ("时间", 20, lambda v: f"{timezone.localtime(v.event.at):%Y-%m-%d %H:%M:%S}"),
    ("用户", 14, lambda v: v.event.username),
    ("IP地址", 16, lambda v: v.event.ip or ""),
    ("操作", 14, lambda v: v.event.get_action_display()),
    ("数据类型", 12, lambda v: v.model_name),
    ("对象", 30, lambda v: v.event.object_key),
    ("对象名称", 30, lambda v: v.event.object_repr),
    ("变更内容", 60, lambda v: v.changes_text),
    ("理由", 30, lambda v: v.event.reason),
    ("详情", 40, lambda v: v.detail_text),
    ("请求编号", 34, lambda v: v.event.request_id),
]
# A cell starting with one of these is a formula to Excel/WPS: never let logged text run.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def workbook_bytes(rows: Iterable[EventView]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A2"
    for i, (_, width, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3F4F6")
    header = []
    for title, _, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for title, _, value in COLUMNS:
            cell = WriteOnlyCell(ws, value=neutralise(str(value(row))))
            if title in WRAPPED:
                cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
