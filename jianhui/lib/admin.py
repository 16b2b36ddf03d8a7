"""The back office goes through the same scoping, and the same optimistic locking, as the pages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from jianhui.lib.locking import ConcurrentEdit, VersionedForm


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


class AdminVersionedForm(VersionedForm):
    summary_in_errors = True  # the admin shows the changes in its error list


class VersionedAdmin(ScopedAdmin):
    """Change forms carry the row's version: saving a stale one re-shows the form with what
    the other editor changed (their changes merged where you left a field alone), and the
    save itself is the conditional UPDATE of lib/locking.py. The audit log records each
    change through its signal handlers (audit/tracking.py)."""

    form = AdminVersionedForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEdit as exc:
            # Only if someone saved between the form's check and our UPDATE (no row locks).
            self.message_user(request, f"{exc}请查看最新内容后重新修改。", messages.ERROR)
            return HttpResponseRedirect(request.path)
