from django.contrib import admin

from .models import Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "order")
    list_filter = ("kind",)
    search_fields = ("name", "code", "full_name")
    ordering = ("path",)
