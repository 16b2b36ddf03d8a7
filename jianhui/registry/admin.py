"""The back office of the jurisdiction tree, the enterprise register and the unions: scoped and
versioned like the pages (web/admin.py), personal fields masked (unions/personal.py)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.lib.codes import is_valid_id_number, mask_id_number, mask_phone
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import Coverage, Member, UnionOrganisation
from jianhui.unions.personal import personal_fields
from jianhui.web.admin import VersionedAdmin, masked_form


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "order")
    list_filter = ("kind",)
    search_fields = ("name", "code", "full_name")
    ordering = ("path",)


class SurveyInline(admin.TabularInline):
    model = EmployeeSurvey
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(VersionedAdmin):
    list_display = ("name", "credit_code", "jurisdiction", "employees", "status", "founded_on",
                    "deregistered_on", "revoked_on")
    list_filter = ("jurisdiction", "status", "scale_override")
    search_fields = ("name", "credit_code", "name_initials")
    form = masked_form(personal_fields(Enterprise))
    inlines = [SurveyInline]
    list_select_related = ("jurisdiction",)


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0
    autocomplete_fields = ("enterprise",)


@admin.register(UnionOrganisation)
class UnionOrganisationAdmin(VersionedAdmin):
    list_display = ("name", "key", "kind", "jurisdiction", "founded_on", "dissolved_on", "chair")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "key", "credit_code")
    form = masked_form(personal_fields(UnionOrganisation))
    inlines = [CoverageInline]
    list_select_related = ("jurisdiction",)


@admin.register(Member)
class MemberAdmin(VersionedAdmin):
    """ID numbers and phones never appear in clear: masked in the list and the change form
    (where they can be corrected without being shown), revealed one member at a time with a
    reason through the reveal page. Search by a full ID number goes through its blind index."""

    list_display = ("name", "masked_id", "gender", "masked_phone", "enterprise", "joined_on",
                    "left_on", "reveal_link")
    list_filter = ("gender", "enterprise__jurisdiction")
    search_fields = ("name", "enterprise__name")
    search_help_text = "按姓名、企业名称或完整的18位身份证号搜索"
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise",)
    readonly_fields = ("public_key", "gender", "birth_date", "reveal_link")
    form = masked_form(personal_fields(Member))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if is_valid_id_number(term):
            return queryset.by_id_number(term), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="完整信息")
    def reveal_link(self, obj: Member) -> str:
        # The reveal page checks the right (403 without it) and asks for the reason.
        if obj.pk is None:
            return "—"
        url = reverse("member_reveal", args=[obj.public_key])
        return format_html('<a href="{}" title="需说明理由，记入审计日志">查看</a>', url)

    @admin.display(description="公民身份号码")
    def masked_id(self, obj: Member) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Member) -> str:
        return mask_phone(obj.phone)
