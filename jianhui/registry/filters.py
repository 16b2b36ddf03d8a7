"""The registry lists' filters: enterprises, union organisations, members."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, Q

from jianhui.enterprises.models import Enterprise, Scale
from jianhui.lib.codes import CodeError, normalise_id_number
from jianhui.lib.text import initials
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation
from jianhui.web.filters import ScopedFilterSet
from jianhui.web.pages import get_scoped

UNION_STATUS_CHOICES = [(key, label) for key, (label, _) in union_rules.UNION_STATUS.items()]


class EnterpriseFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="名称、信用代码或拼音首字母")
    status = django_filters.ChoiceFilter(choices=UNION_STATUS_CHOICES, method="union_status",
                                         label="建会情况")
    scale = django_filters.ChoiceFilter(choices=Scale.choices, method="of_scale", label="企业规模")

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Name, credit code or pinyin initials (e.g. “zjgx”)."""
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper())
                               | Q(name_initials__icontains=initials(q)))

    def union_status(self, queryset, name, value):
        return queryset.filter(union_rules.UNION_STATUS[value][1])

    def of_scale(self, queryset, name, value):
        return queryset.of_scale(value, self.on)


class OrganisationFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="名称、信用代码或组织编号")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label="组织类型")

    class Meta:
        model = UnionOrganisation
        fields: list[str] = []

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper())
                               | Q(key__icontains=q))


MEMBER_STATUSES = {"active": "在册", "left": "已离会", "all": "全部"}


class MemberFilter(ScopedFilterSet):
    jurisdiction_path = "enterprise__jurisdiction__path"

    q = django_filters.CharFilter(method="search", label="姓名或完整身份证号")
    status = django_filters.ChoiceFilter(choices=list(MEMBER_STATUSES.items()),
                                         method="membership", label="会籍状态")
    enterprise = django_filters.CharFilter(method="of_enterprise", label="企业信用代码")
    organisation = django_filters.CharFilter(method="of_organisation", label="工会组织编号")

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, request, queryset, on=None) -> None:
        super().__init__(request, queryset, on)
        self.chosen: dict = {}
        if not self.data.get("status"):  # the roster shows the active members by default
            self.data = self.data.copy()
            self.data["status"] = "active"

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        try:  # a full ID number is looked up exactly (the one lookup encryption can keep)
            return queryset.by_id_number(normalise_id_number(q))
        except CodeError:
            return queryset.filter(name__icontains=q)

    def membership(self, queryset, name, value):
        if value == "active":
            return queryset.active(self.on)
        if value == "left":
            return queryset.filter(left_on__lte=self.on)
        return queryset

    def of_enterprise(self, queryset, name, value):
        e = self.chosen["enterprise"] = get_scoped(Enterprise.objects, self.scope,
                                                   credit_code=value.strip().upper())
        return queryset.filter(enterprise=e)

    def of_organisation(self, queryset, name, value):
        org = self.chosen["organisation"] = get_scoped(UnionOrganisation.objects, self.scope,
                                                       key=value.strip())
        covered = union_rules.covering(Coverage._base_manager, self.on, "enterprise").filter(
            organisation=org)
        return queryset.filter(Exists(covered))
