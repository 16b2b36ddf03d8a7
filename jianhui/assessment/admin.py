"""The county configures schemes in the back office (no code change): the scheme, its
indicators inline (the formula picked from the registry's list), the weights rule checked on
save. A scheme that is no longer a draft is read-only: its published or locked results rest on
these lines."""

from __future__ import annotations

from django.contrib import admin

from jianhui.web.admin import ScopedAdmin

from .forms import INDICATOR_FIELDS as FIELDS
from .forms import IndicatorForm, IndicatorFormSet
from .models import Indicator, Scheme, Status


class IndicatorInline(admin.TabularInline):
    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    extra = 0
    fields = FIELDS


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    list_display = ["key", "name", "year", "campaign", "as_of", "status"]
    list_filter = ["status", "year"]
    inlines = [IndicatorInline]
    readonly_fields = ["status", "ran_at", "published_at", "locked_at", "locked_by",
                       "copied_from"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status == Status.LOCKED:
            return False
        return super().has_delete_permission(request, obj)
