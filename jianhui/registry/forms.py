"""The enterprise edit form (the registry's rules live in Enterprise.clean)."""

from __future__ import annotations

from django import forms

from jianhui.lib.editing import DateInput, EditForm, editable_jurisdictions

from .models import Enterprise, Scale


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return "\u3000" * obj.depth + obj.name


class EnterpriseForm(EditForm):
    replace_only = frozenset({"phone"})
    clearable = frozenset({"phone"})
    field_order = ["name", "jurisdiction", "industry", "status", "founded_on", "deregistered_on",
                   "employees", "female_employees", "migrant_workers", "scale_override",
                   "legal_representative", "contact", "phone", "phone_clear", "address"]

    class Meta:
        model = Enterprise
        fields = ["name", "jurisdiction", "industry", "status", "founded_on", "deregistered_on",
                  "employees", "female_employees", "migrant_workers", "scale_override",
                  "legal_representative", "contact", "address"]
        field_classes = {"jurisdiction": JurisdictionChoice}
        widgets = {"founded_on": DateInput(), "deregistered_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = editable_jurisdictions(
            self.user, self.instance.jurisdiction if self.instance.pk else None)
        self.fields["jurisdiction"].empty_label = None
        self.fields["scale_override"].choices = [("", "按职工人数自动划分"), *Scale.choices]
        self.order_fields(self.field_order)
