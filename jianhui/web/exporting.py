"""Exports from pages: who may export, the reveal form, the audit event, the file.

A page exports what it shows, with its filters, at the same URL plus ``?export=xlsx``:

    export = Export(request)
    if export.ready():
        return export.send(f"企业名录_{on:%Y-%m-%d}.xlsx", COLUMNS, rows(qs, export.reveal),
                           model="enterprises.Enterprise")
    return render(request, ..., {"export": export})

A GET always exports masked personal data (an idempotent download anyone with the export
right may repeat). Revealing ID numbers and phones takes a POST (CSRF-protected) from the
page's export form, the REVEAL_PII right and a stated reason; every export is audited.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest

from jianhui.accounts.rights import Right
from jianhui.accounts.scope import scope_of
from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.lib.xlsx import Column, write_xlsx, xlsx_response
from jianhui.regions.models import Jurisdiction

NOT_FILTERS = ("export", "page")


class ExportForm(forms.Form):
    reveal = forms.BooleanField(label="导出完整号码（身份证号、电话号码不脱敏）", required=False)
    reason = forms.CharField(
        label="导出理由", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：向市总工会报送会员实名制台账"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("reveal") and not data["reason"]:
            self.add_error("reason", "导出完整号码时，请填写导出理由（将记入审计日志）。"
                                     "如不需要完整号码，请取消勾选后导出脱敏文件。")
        return data


class Export:
    def __init__(self, request: HttpRequest, pii: bool = True) -> None:
        self.request = request
        self.pii = pii
        self.requested = request.GET.get("export") == "xlsx"
        self.scope = scope_of(request.user)
        self.can_export = self.scope.holds(Right.EXPORT)
        self.can_reveal = pii and self.can_export and self.scope.holds(Right.REVEAL_PII)
        if self.requested and not self.can_export:
            raise PermissionDenied("您没有导出数据的权限。")
        posted = self.requested and request.method == "POST"
        self.form = ExportForm(request.POST if posted else None)
        self.reveal = False
        self.reason = ""

    def ready(self) -> bool:
        """Should a file be sent now? False also when the posted form has errors to show."""
        if not self.requested:
            return False
        if self.request.method != "POST":
            return True  # a GET never reveals
        if not self.form.is_valid():
            return False
        if self.form.cleaned_data["reveal"]:
            if not self.can_reveal:
                raise PermissionDenied("您没有导出完整个人信息的权限。")
            if not self._reveals_everywhere():
                raise PermissionDenied(
                    "您只在部分辖区有查看完整个人信息的权限，而导出的数据包含其他辖区："
                    "请先按“辖区”筛选到您有该权限的辖区，再导出完整号码。")
            self.reveal = True
        self.reason = self.form.cleaned_data["reason"]
        return True

    def _reveals_everywhere(self) -> bool:
        """Does the user hold the reveal right wherever the exported rows can lie? The rows
        are the user's whole view scope, or the subtree of the page's `jurisdiction` filter
        (a union chair's own rows reach no further than their organisation)."""
        allowed = self.scope.right_paths(Right.REVEAL_PII)
        if allowed is None:
            return True
        wanted = self.scope.paths or ()
        if code := self.request.GET.get("jurisdiction"):
            wanted = list(Jurisdiction.objects.filter(code=code).values_list("path", flat=True))
        return all(any(p.startswith(a) for a in allowed) for p in wanted)

    @property
    def show_form(self) -> bool:
        """Open the export form when it came back with errors."""
        return self.form.is_bound and bool(self.form.errors)

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in self.request.GET.items() if k not in NOT_FILTERS and v}

    def send(self, filename: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
             model: str, title: str | None = None, sheet: str | None = None,
             autofilter: bool = True) -> FileResponse:
        fh = tempfile.TemporaryFile()  # on disk past a few MB: memory stays flat
        try:
            count = write_xlsx(fh, columns, rows, sheet_title=sheet or filename.split("_")[0],
                               title=title, autofilter=autofilter)
        except BaseException:
            fh.close()
            raise
        record(Action.EXPORT, model=model, object_repr=filename, reason=self.reason,
               detail={"rows": count, "filters": self.filters(), "revealed": self.reveal})
        return xlsx_response(fh, filename)
