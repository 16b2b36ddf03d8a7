"""The back office goes through the same scoping as the pages."""

from __future__ import annotations

from django.contrib import admin


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)
