"""Back office: each campaign's supervision thresholds (the daily report cut-off hour, the
inspection interval, the escalation triggers), and the issued bulletins, read-only (frozen)."""

from __future__ import annotations

from django.contrib import admin

from .models import Bulletin, SupervisionRules


@admin.register(SupervisionRules)
class SupervisionRulesAdmin(admin.ModelAdmin):
    list_display = ("campaign", "report_cutoff_hour", "inspection_every", "slow_reports",
                    "stalled_days", "lagging_bulletins", "escalate_after_days")


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    """Issued bulletins never change: a correction is a new issue (the bulletin page)."""

    list_display = ("campaign", "issue_no", "on", "corrects", "issued_at", "issued_by_name")
    list_filter = ("campaign",)
    exclude = ("document",)
    readonly_fields = ("campaign", "issue_no", "on", "content", "names", "corrects",
                       "correction_note", "issued_by", "issued_by_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
