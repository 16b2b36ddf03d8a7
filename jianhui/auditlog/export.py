"""The audit log as an .xlsx workbook, through the exports' writer (`jianhui.lib.xlsx`):
rows stream, memory stays flat, the header is bold and frozen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from django.utils import timezone

from jianhui.lib.xlsx import Column, needs_quote, write_xlsx

from .search import EventView

MAX_ROWS = 200_000
SHEET = "审计日志"
# Column, value of one row. Long multi-line columns wrap.
COLUMNS = [
    (Column("时间", width=20), lambda v: f"{timezone.localtime(v.event.at):%Y-%m-%d %H:%M:%S}"),
    (Column("用户", width=14), lambda v: v.event.username),
    (Column("IP地址", width=16), lambda v: v.event.ip or ""),
    (Column("操作", width=14), lambda v: v.event.get_action_display()),
    (Column("数据类型", width=12), lambda v: v.model_name),
    (Column("对象", width=30), lambda v: v.event.object_key),
    (Column("对象名称", width=30), lambda v: v.event.object_repr),
    (Column("变更内容", width=60, wrap=True), lambda v: v.changes_text),
    (Column("理由", width=30), lambda v: v.event.reason),
    (Column("详情", width=40, wrap=True), lambda v: v.detail_text),
    (Column("请求编号", width=34), lambda v: v.event.request_id),
]


def neutralise(value: str) -> str:
    """Logged text that a spreadsheet would take for a formula, shown with a leading
    apostrophe: the auditor sees that the text was written so (the writer stores it as
    text as well)."""
    return "'" + value if needs_quote(value) else value


def write_events(out: IO[bytes], rows: Iterable[EventView]) -> int:
    """Write the events to `out`; return how many."""
    return write_xlsx(out, [column for column, _ in COLUMNS],
                      ([neutralise(str(value(row))) for _, value in COLUMNS] for row in rows),
                      sheet_title=SHEET)
