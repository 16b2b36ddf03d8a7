"""Finding and reading audit events: the auditor's filter form and how an event reads.

Shared by the page and the xlsx export, so that the export holds exactly what the page shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from jianhui.audit.models import Action, AuditEvent
from jianhui.audit.tracking import TRACKED
from jianhui.imports.kinds import KINDS
from jianhui.lib.codes import is_valid_id_number, mask_id_number

DEFAULT_DAYS = 30
EMPTY = "（空）"
# Keys other parts of the system put in `detail`, as the auditor reads them.
DETAIL_LABELS = {
    "rows": "行数", "file": "文件", "file_name": "文件", "kind": "类型", "mode": "方式",
    "created": "新增", "updated": "更新", "unchanged": "未变", "errors": "错误",
    "warnings": "警告", "filters": "筛选条件", "format": "格式", "before": "截止日期",
    "deleted": "删除条数", "retention_days": "保留天数", "sha256": "文件校验值",
    "path": "路径", "count": "条数", "field": "字段", "fields": "字段", "reason": "理由",
    "dry_run": "试运行", "written": "已写入",
    "op": "操作", "old": "原值", "new": "新值", "attempts": "清除的失败记录",
    "enterprise": "企业信用代码", "revealed": "含完整号码", "second_factor": "第二步验证",
    "failures": "失败次数", "record": "导入记录编号", "failure": "失败原因", "size": "大小（字节）",
    "engine": "数据库", "files": "文件数", "row_counts": "各表行数", "external_keys": "外部密钥",
    "backup_created_at": "备份时间", "forced": "强制恢复", "set_aside": "原数据移至",
    "migrations_applied": "补做的迁移", "mismatches": "不一致项",
}
# Code values other parts put in `detail`, as the auditor reads them.
DETAIL_VALUES = {
    "op": {"create": "新建用户", "add_role": "增加角色", "remove_role": "移除角色",
           "rename": "修改姓名", "enable": "启用账号", "disable": "停用账号",
           "reset_password": "重置密码", "unlock": "解除锁定", "totp_enabled": "启用两步验证",
           "totp_disabled": "关闭两步验证", "backup": "备份", "restore": "恢复"},
    "mode": {"upsert": "新增或更新", "create": "仅新增", "update": "仅更新"},
    "second_factor": {"totp": "动态验证码"},
}
# A code with its name beside it ("jurisdiction" and "jurisdiction_name") reads as one line.
PAIRED = {"role": "角色", "jurisdiction": "辖区", "organisation": "工会组织"}
FILTER_LABELS = {
    "user": "用户", "action": "操作", "date_from": "开始日期", "date_to": "结束日期",
    "model": "数据类型", "object": "对象", "request_id": "请求编号", "ip": "IP地址",
}


def model_label(label: str) -> str:
    """"enterprises.Enterprise" → "企业" (the label itself if the model is gone)."""
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def field_label(model: str, name: str) -> str:
    if name == "password":
        return "密码"
    try:
        return str(apps.get_model(model)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def shown(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, FILTER_LABELS.get(k, k))}：{shown(v)}"
                        for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(shown(v) for v in value)
    return str(value)


def model_choices() -> list[tuple[str, str]]:
    labels = set(TRACKED) | set(
        AuditEvent.objects.order_by().exclude(model="").values_list("model", flat=True).distinct()
    )
    return sorted(((label, model_label(label)) for label in labels), key=lambda c: c[1])


class EventFilter(forms.Form):
    user = forms.CharField(label="用户", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部"), *Action.choices])
    date_from = forms.DateField(label="开始日期", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    model = forms.ChoiceField(label="数据类型", required=False)
    object = forms.CharField(label="对象", required=False, max_length=100,
                             help_text="编号、信用代码、名称，或完整身份证号（按脱敏后的号码查找）")
    request_id = forms.CharField(label="请求编号", required=False, max_length=32)
    ip = forms.GenericIPAddressField(label="IP地址", required=False,
                                     error_messages={"invalid": "请输入有效的IP地址，如 10.1.2.3。"})

    def __init__(self, data: QueryDict, *args, **kwargs) -> None:
        data = data.copy()
        today = timezone.localdate()
        # Absent (first visit) means the last 30 days; a field cleared by the user means open.
        if "date_from" not in data:
            data["date_from"] = (today - dt.timedelta(days=DEFAULT_DAYS)).isoformat()
        if "date_to" not in data:
            data["date_to"] = today.isoformat()
        super().__init__(data, *args, **kwargs)
        self.fields["model"].choices = [("", "全部"), *model_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters (invalid ones are shown as errors and not applied)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "") and k not in self.errors}

    def error_list(self) -> list[tuple[str, str]]:
        return [(FILTER_LABELS.get(name, "条件"), message)
                for name, messages in self.errors.items() for message in messages]

    def describe(self) -> dict[str, str]:
        """The applied filters as the auditor reads them (for the export's own audit event)."""
        choices = {"action": dict(Action.choices), "model": dict(self.fields["model"].choices)}
        return {FILTER_LABELS[k]: str(choices.get(k, {}).get(v, v)) for k, v in
                self.filters().items()}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if user := filters.get("user"):
        qs = qs.filter(username__icontains=user.strip())
    if action := filters.get("action"):
        qs = qs.filter(action=action)
    if start := filters.get("date_from"):
        qs = qs.filter(at__gte=_day_start(start))
    if end := filters.get("date_to"):
        qs = qs.filter(at__lt=_day_start(end + dt.timedelta(days=1)))
    if model := filters.get("model"):
        qs = qs.filter(model=model)
    if text := (filters.get("object") or "").strip():
        q = Q(object_key__icontains=text) | Q(object_repr__icontains=text)
        if is_valid_id_number(text):
            # Events hold only masked ID numbers: look for the masked form.
            q |= Q(object_key__icontains=mask_id_number(text))
        qs = qs.filter(q)
    if request_id := (filters.get("request_id") or "").strip().lower():
        qs = qs.filter(request_id=request_id)
    if ip := filters.get("ip"):
        qs = qs.filter(ip=ip)
    return qs


TAGS = {Action.CREATE: "green", Action.UPDATE: "blue", Action.DELETE: "red",
        Action.LOGIN_FAILED: "red", Action.LOCKED_OUT: "red", Action.REVEAL: "red"}


@dataclass
class EventView:
    """An event as the auditor reads it."""

    event: AuditEvent
    model_name: str
    changes: list[tuple[str, str, str]]
    detail: list[tuple[str, str]]

    @property
    def values_only(self) -> str:
        """"after" for a creation, "before" for a deletion: one column is enough."""
        if self.changes and all(b == EMPTY for _, b, _ in self.changes):
            return "after"
        if self.changes and all(a == EMPTY for _, _, a in self.changes):
            return "before"
        return ""

    @property
    def tag(self) -> str:
        return TAGS.get(self.event.action, "grey")

    @property
    def changes_text(self) -> str:
        return "\n".join(f"{label}：{before} → {after}" for label, before, after in self.changes)

    @property
    def detail_text(self) -> str:
        return "\n".join(f"{label}：{value}" for label, value in self.detail)


def present(event: AuditEvent) -> EventView:
    changes = []
    for name, pair in (event.changes or {}).items():
        if isinstance(pair, list):
            before, after = (pair + [None, None])[:2]
        elif isinstance(pair, dict):
            before, after = pair.get("before"), pair.get("after")
        else:
            before, after = None, pair
        changes.append((field_label(event.model, name), shown(before), shown(after)))
    return EventView(event, model_label(event.model), changes, detail_lines(event))


def detail_lines(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's `detail` as (label, value) lines in Chinese: codes named, field names as
    their labels, a code and its name on one line."""
    detail = event.detail or {}
    lines = []
    for key, value in detail.items():
        if key.endswith("_name") and key[:-5] in PAIRED:
            continue
        if key in PAIRED and f"{key}_name" in detail:
            name = detail[f"{key}_name"]
            value = name if key == "role" or not value else f"{name}（{value}）"
            lines.append((PAIRED[key], shown(value)))
            continue
        if key in ("field", "fields") and event.model:
            names = value if isinstance(value, list) else [value]
            value = [field_label(event.model, str(n)) for n in names]
        elif key == "kind" and event.model == "imports.ImportJob":
            value = import_kind_label(value)
        elif isinstance(value, str) and key in DETAIL_VALUES:
            value = DETAIL_VALUES[key].get(value, value)
        lines.append((DETAIL_LABELS.get(key, key), shown(value)))
    return lines


def import_kind_label(kind: Any) -> Any:
    return KINDS[kind].label if kind in KINDS else kind
