"""The campaign's back office (superusers): setting up a campaign — its leading group,
targets, areas with the people responsible for them, and task forces. The two-leader rule is
the model's (CampaignArea.leader_problem), checked on the inline of an area's people."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from jianhui.web.admin import ScopedAdmin

from .models import (
    AreaContact,
    Campaign,
    CampaignArea,
    ContactRole,
    LeadingGroupMember,
    Target,
    TaskForce,
    TaskForceMember,
)


class LeadingGroupInline(admin.TabularInline):
    model = LeadingGroupMember
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    autocomplete_fields = ["jurisdiction"]


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    list_display = ("key", "name", "jurisdiction", "start_on", "deadline", "action_start",
                    "action_end")
    search_fields = ("key", "name")
    inlines = [LeadingGroupInline, TargetInline]
    autocomplete_fields = ["jurisdiction"]


class ContactFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        area = self.instance
        if area is None or not area.campaign_id or any(self.errors):
            return
        leaders = sum(1 for form in self.forms if form.cleaned_data
                      and not form.cleaned_data.get("DELETE")
                      and form.cleaned_data.get("role") == ContactRole.LEADER)
        problem = area.leader_problem(leaders)
        if problem:
            raise forms.ValidationError(problem)


class ContactInline(admin.TabularInline):
    model = AreaContact
    formset = ContactFormSet
    extra = 0


@admin.register(CampaignArea)
class CampaignAreaAdmin(ScopedAdmin):
    list_display = ("jurisdiction", "campaign", "strategy")
    list_filter = ("campaign", "strategy")
    inlines = [ContactInline]
    autocomplete_fields = ["jurisdiction"]


class TaskForceMemberInline(admin.TabularInline):
    model = TaskForceMember
    extra = 0


@admin.register(TaskForce)
class TaskForceAdmin(ScopedAdmin):
    list_display = ("name", "campaign", "start_on", "end_on")
    list_filter = ("campaign",)
    inlines = [TaskForceMemberInline]
    filter_horizontal = ("areas",)
