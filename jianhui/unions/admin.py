from django.contrib import admin

from jianhui.lib.admin import VersionedAdmin
from jianhui.lib.codes import mask_id_number, mask_phone

from .models import Coverage, Member, UnionOrganisation


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0
    autocomplete_fields = ("enterprise",)


@admin.register(UnionOrganisation)
class UnionOrganisationAdmin(VersionedAdmin):
    list_display = ("name", "key", "kind", "jurisdiction", "founded_on", "dissolved_on", "chair")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "key", "credit_code")
    inlines = [CoverageInline]
    list_select_related = ("jurisdiction",)


@admin.register(Member)
class MemberAdmin(VersionedAdmin):
    """ID numbers and phones never appear in clear in lists; the change form needs them."""

    list_display = ("name", "masked_id", "gender", "masked_phone", "enterprise", "joined_on",
                    "left_on")
    list_filter = ("gender", "enterprise__jurisdiction")
    search_fields = ("name", "enterprise__name", "=id_number")
    autocomplete_fields = ("enterprise",)
    list_select_related = ("enterprise",)
    readonly_fields = ("gender", "birth_date")

    @admin.display(description="公民身份号码")
    def masked_id(self, obj: Member) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Member) -> str:
        return mask_phone(obj.phone)
