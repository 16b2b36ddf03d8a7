from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Assignment


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fk_name = "user"


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class JianhuiUserAdmin(UserAdmin):
    inlines = [AssignmentInline]
