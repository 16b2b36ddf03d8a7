"""Edit forms for union organisations and members (rules in the models' clean())."""

from __future__ import annotations

from jianhui.accounts.rights import Right, has_right
from jianhui.enterprises.forms import JurisdictionChoice
from jianhui.lib.editing import DateInput, EditForm, editable_jurisdictions

from .models import Member, UnionOrganisation


class OrganisationForm(EditForm):
    replace_only = frozenset({"chair_phone"})
    clearable = frozenset({"chair_phone"})
    field_order = ["name", "kind", "jurisdiction", "credit_code", "founded_on", "dissolved_on",
                   "chair", "chair_phone", "chair_phone_clear"]

    class Meta:
        model = UnionOrganisation
        fields = ["name", "kind", "jurisdiction", "credit_code", "founded_on", "dissolved_on",
                  "chair"]
        field_classes = {"jurisdiction": JurisdictionChoice}
        widgets = {"founded_on": DateInput(), "dissolved_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = editable_jurisdictions(
            self.user, self.instance.jurisdiction if self.instance.pk else None)
        self.fields["jurisdiction"].empty_label = None
        self.order_fields(self.field_order)


class MemberForm(EditForm):
    """A membership's own facts. The enterprise is not editable: moving to another enterprise
    is leaving this membership and joining anew (a second row), see unions/services.py."""

    replace_only = frozenset({"id_number", "phone"})
    clearable = frozenset({"phone"})
    field_order = ["name", "id_number", "phone", "phone_clear", "joined_on", "left_on"]

    class Meta:
        model = Member
        fields = ["name", "joined_on", "left_on"]
        widgets = {"joined_on": DateInput(), "left_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.editor = self.user  # the model's errors name only what the user may see
        self.order_fields(self.field_order)

    def may_replace(self, name: str) -> bool:
        if name == "id_number":
            return has_right(self.user, Right.REVEAL_PII, self.instance.enterprise.jurisdiction,
                             enterprise=self.instance.enterprise)
        return True
