"""The back office goes through the same scoping as the pages, and shows personal data masked."""

from __future__ import annotations

from django import forms
from django.contrib import admin


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


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
    return type("MaskedForm", (MaskedPIIForm,), {"masked": masked})

