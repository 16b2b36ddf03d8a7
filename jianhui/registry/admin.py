from django.contrib import admin

from jianhui.lib.admin import VersionedAdmin, masked_form
from jianhui.lib.codes import mask_phone

from .models import EmployeeSurvey, Enterprise


class SurveyInline(admin.TabularInline):
    model = EmployeeSurvey
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(VersionedAdmin):
    list_display = ("name", "credit_code", "jurisdiction", "employees", "status", "founded_on",
                    "deregistered_on")
    list_filter = ("jurisdiction", "status", "scale_override")
    search_fields = ("name", "credit_code", "name_initials")
    form = masked_form({"phone": mask_phone})
    inlines = [SurveyInline]
    list_select_related = ("jurisdiction",)
