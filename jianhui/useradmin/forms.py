"""The user-management forms: a new user with a first role, another role, a name."""

from __future__ import annotations

from django import forms

from jianhui.accounts.models import Role
from jianhui.accounts.services import grantable_jurisdictions, grantable_organisations
from jianhui.regions.models import Jurisdiction, tree_order
from jianhui.unions.models import UnionOrganisation


class _RoleFields(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    jurisdiction = forms.ModelChoiceField(
        label="辖区", queryset=Jurisdiction.objects.none(), to_field_name="code", required=False,
        empty_label="请选择", help_text="企业工会主席可不选，按所在工会组织的辖区。")
    organisation = forms.ModelChoiceField(
        label="工会组织（企业工会主席）", queryset=UnionOrganisation.objects.none(),
        to_field_name="key", required=False, empty_label="不适用")

    def __init__(self, *args, admin=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = grantable_jurisdictions(admin)
        self.fields["jurisdiction"].choices = [("", "请选择")] + [
            (j.code, ("　" * (j.depth - 1)) + j.name)
            for j in tree_order(grantable_jurisdictions(admin))]
        orgs = grantable_organisations(admin).select_related("jurisdiction").order_by(
            "jurisdiction__path", "name")
        self.fields["organisation"].queryset = orgs
        self.fields["organisation"].label_from_instance = (
            lambda o: f"{o.name}（{o.key}，{o.jurisdiction.name}）")

    def clean(self):
        data = super().clean()
        role, j, org = data.get("role"), data.get("jurisdiction"), data.get("organisation")
        if role == Role.UNION_CHAIR:
            if org is None:
                self.add_error("organisation", "企业工会主席须选择所在的工会组织。")
            elif j is None:
                data["jurisdiction"] = org.jurisdiction
        elif role and j is None:
            self.add_error("jurisdiction", "请选择辖区。")
        return data


class UserAddForm(_RoleFields):
    username = forms.CharField(label="用户名", max_length=150,
                               help_text="登录时使用；字母、数字和 @ . + - _，建议用姓名拼音。")
    name = forms.CharField(label="姓名", max_length=150)
    field_order = ["username", "name", "role", "jurisdiction", "organisation"]


class AssignmentAddForm(_RoleFields):
    pass


class NameForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=150)
