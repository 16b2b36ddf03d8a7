"""The back office goes through the same scoping and the same optimistic locking as the
pages, and shows personal data masked."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from jianhui.accounts.scope import scope_of
from jianhui.lib.versioning import ConcurrentEdit

from .locking import VersionedForm


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).within(scope_of(request.user))


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


class MaskedPIIForm(forms.ModelForm):
    """On an existing object, the personal fields in `masked` start empty and say the current
    value masked; left empty they keep it, filled in they replace it (validated by the model
    as usual). The clear value never reaches the page."""

    masked: dict[str, object] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, mask in self.masked.items():
            field = self.fields.get(name)
            if field is None:
                continue
            current = getattr(self.instance, name) or ""
            self.initial[name] = ""
            field.required = False
            field.widget.attrs.update(autocomplete="off", placeholder="留空则不修改")
            field.help_text = (f"当前：{mask(current) if current else '未填写'}。"
                               "留空则保持不变；如需更正，请填写完整的新值。")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            for name in self.masked:
                if name in self.fields and not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name)
        return cleaned


def masked_form(masked: dict[str, object]) -> type[MaskedPIIForm]:
    """A MaskedPIIForm for an admin: {field name: mask function}."""
    return type("MaskedForm", (MaskedPIIForm, AdminVersionedForm), {"masked": masked})

