"""Edit forms of the registry pages. The rules live in the models' clean() (and the rules
modules they call); personal fields are replace-only inputs (unions/personal.py)."""

from __future__ import annotations

from django import forms

from jianhui.accounts.rights import Right, has_right
from jianhui.accounts.scope import scope_of
from jianhui.enterprises.models import Enterprise, Scale
from jianhui.unions.models import Member, UnionOrganisation
from jianhui.unions.personal import personal_fields
from jianhui.web.editing import DateInput, EditForm, editable_jurisdictions


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return "\u3000" * obj.depth + obj.name


class PlacedForm(EditForm):
    """An edit form whose object sits in a jurisdiction the user may edit in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = editable_jurisdictions(
            self.user, self.instance.jurisdiction if self.instance.pk else None)
        self.fields["jurisdiction"].empty_label = None
        self.order_fields(self.field_order)


class EnterpriseForm(PlacedForm):
    replace_only = frozenset(personal_fields(Enterprise))
    clearable = frozenset({"phone"})
    visible = frozenset({"name", "legal_representative", "contact"})
    field_order = ["name", "jurisdiction", "industry", "status", "founded_on", "deregistered_on",
                   "revoked_on", "employees", "female_employees", "migrant_workers",
                   "scale_override", "legal_representative", "contact", "phone", "phone_clear",
                   "address"]

    class Meta:
        model = Enterprise
        fields = ["name", "jurisdiction", "industry", "status", "founded_on", "deregistered_on",
                  "revoked_on", "employees", "female_employees", "migrant_workers",
                  "scale_override", "legal_representative", "contact", "address"]
        field_classes = {"jurisdiction": JurisdictionChoice}
        widgets = {"founded_on": DateInput(), "deregistered_on": DateInput(),
                   "revoked_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale_override"].choices = [("", "按职工人数自动划分"), *Scale.choices]


class OrganisationForm(PlacedForm):
    replace_only = frozenset(personal_fields(UnionOrganisation))
    clearable = frozenset({"chair_phone"})
    visible = frozenset({"name", "chair"})
    field_order = ["name", "kind", "jurisdiction", "credit_code", "founded_on", "dissolved_on",
                   "chair", "chair_phone", "chair_phone_clear"]

    class Meta:
        model = UnionOrganisation
        fields = ["name", "kind", "jurisdiction", "credit_code", "founded_on", "dissolved_on",
                  "chair"]
        field_classes = {"jurisdiction": JurisdictionChoice}
        widgets = {"founded_on": DateInput(), "dissolved_on": DateInput()}


class MemberForm(EditForm):
    """A membership's own facts. The enterprise is not editable: moving to another enterprise
    is leaving this membership and joining anew (a second row), see unions/services.py."""

    replace_only = frozenset(personal_fields(Member))
    clearable = frozenset({"phone"})
    visible = frozenset({"name"})
    field_order = ["name", "id_number", "phone", "phone_clear", "joined_on", "left_on"]

    class Meta:
        model = Member
        fields = ["name", "joined_on", "left_on"]
        widgets = {"joined_on": DateInput(), "left_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's errors name only what the user may see.
        self.instance.editor_scope = scope_of(self.user)
        self.order_fields(self.field_order)

    def may_replace(self, name: str) -> bool:
        if name == "id_number":
            return has_right(self.user, Right.REVEAL_PII, self.instance.enterprise.jurisdiction,
                             enterprise=self.instance.enterprise)
        return True
