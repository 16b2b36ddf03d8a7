"""The back office may look at the audit log, never change it: no add, change or delete for
anyone (superusers included), and viewing only with the auditor's right."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from jianhui.accounts.rights import Right, has_right
from jianhui.audit.models import AuditEvent

from .search import model_choices, present


class ModelFilter(admin.SimpleListFilter):
    title = "数据类型"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return model_choices()

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "ip", "action", "model_name", "object_key", "object_repr")
    list_filter = ("action", "at", ModelFilter)
    search_fields = ("username", "object_key", "object_repr", "request_id", "=ip")
    fields = ("at", "username", "user_id", "ip", "request_id", "action", "model_name",
              "object_key", "object_repr", "changes_table", "reason", "detail_text")
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a long log on every page

    def has_view_permission(self, request, obj=None) -> bool:
        return has_right(request.user, Right.VIEW_AUDIT)

    def has_module_permission(self, request) -> bool:
        return has_right(request.user, Right.VIEW_AUDIT)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="数据类型", ordering="model")
    def model_name(self, obj: AuditEvent) -> str:
        return present(obj).model_name

    @admin.display(description="变更内容")
    def changes_table(self, obj: AuditEvent) -> str:
        rows = present(obj).changes
        if not rows:
            return "—"
        body = format_html_join("", "<tr><th>{}</th><td>{}</td><td>→</td><td>{}</td></tr>", rows)
        return format_html("<table><thead><tr><th>字段</th><th>修改前</th><th></th><th>修改后</th>"
                           "</tr></thead><tbody>{}</tbody></table>", body)

    @admin.display(description="详情")
    def detail_text(self, obj: AuditEvent) -> str:
        return present(obj).detail_text or "—"
