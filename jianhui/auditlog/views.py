"""The auditor's pages: search the audit log and export what was found."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from jianhui.accounts.rights import Right, right_required
from jianhui.audit.log import record
from jianhui.audit.models import Action, AuditEvent
from jianhui.lib.xlsx import xlsx_response
from jianhui.web.pages import paginate

from .export import MAX_ROWS, write_events
from .search import EventFilter, filter_events, present

audit_required = right_required(Right.VIEW_AUDIT, "只有审计员可以查看审计日志。")


@audit_required
def events(request):
    form = EventFilter(request.GET)
    page = paginate(request, filter_events(form.filters()))
    return render(request, "audit/events.html", {
        "form": form, "page": page, "rows": [present(e) for e in page],
    })


@audit_required
def export(request):
    form = EventFilter(request.GET)
    events = filter_events(form.filters())
    count = events.count()
    if count > MAX_ROWS:
        messages.warning(request, f"符合条件的记录有 {count:,} 条，超过单次导出上限 {MAX_ROWS:,} 条："
                                  "请缩小日期范围或增加筛选条件后再导出。")
        return redirect(f"/audit/?{request.GET.urlencode()}")
    fh = tempfile.TemporaryFile()  # on disk past a few MB: memory stays flat
    try:
        write_events(fh, (present(e) for e in events.iterator(chunk_size=2000)))
    except BaseException:
        fh.close()
        raise
    record(Action.EXPORT, model=AuditEvent._meta.label, object_repr="审计日志",
           detail={"rows": count, "format": "xlsx", "filters": form.describe()})
    return xlsx_response(fh, f"audit-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx")
