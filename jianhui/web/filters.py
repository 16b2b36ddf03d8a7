"""List filters (django-filter FilterSets) that know the request's Scope and as-of date.

A jurisdiction filter names a jurisdiction by its code: one outside the Scope is a 404, as
everywhere, never a silently empty list. Values that do not validate (an unknown status, say)
are ignored, as the lists always did.
"""

from __future__ import annotations

import django_filters
from django.http import HttpRequest

from jianhui.regions.models import Jurisdiction

from .pages import as_of, get_scoped


class ScopedFilterSet(django_filters.FilterSet):
    jurisdiction_path = "jurisdiction__path"  # the lookup the jurisdiction filter narrows

    jurisdiction = django_filters.CharFilter(method="in_jurisdiction", label="辖区")

    def __init__(self, request: HttpRequest, queryset, on=None) -> None:
        self.scope = request.scope
        self.on = on or as_of(request)
        super().__init__(request.GET, queryset=queryset, request=request)

    def in_jurisdiction(self, queryset, name, value):
        j = get_scoped(Jurisdiction.objects, self.scope, code=value)
        return queryset.filter(**{f"{self.jurisdiction_path}__startswith": j.path})
