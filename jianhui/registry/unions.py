"""The union organisation list, an organisation's page and its edit page."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render

from jianhui.accounts.rights import Right
from jianhui.imports import exports
from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation
from jianhui.web.editing import edit_page
from jianhui.web.exporting import Export
from jianhui.web.pages import as_of, get_scoped, jurisdiction_options, paginate

from .filters import OrganisationFilter
from .forms import OrganisationForm


def filtered_organisations(request, on):
    qs = UnionOrganisation.objects.within(request.scope).select_related("jurisdiction")
    if not request.GET.get("all"):
        qs = qs.alive(on)
    return OrganisationFilter(request, qs, on).qs.order_by("jurisdiction__path", "kind", "name")


def organisation_list(request):
    on = as_of(request)
    qs = filtered_organisations(request, on)
    export = Export(request)
    if export.ready():
        return export.send(f"工会组织_{on:%Y-%m-%d}.xlsx", exports.union_columns(export.reveal),
                           exports.union_rows(qs, on, export.reveal),
                           model="unions.UnionOrganisation")
    active = Coverage.objects.active(on)
    qs = qs.annotate(
        enterprises_on=Count("coverages", filter=Q(coverages__in=active), distinct=True),
    )
    return render(request, "unions/list.html", {
        "page": paginate(request, qs), "on": on, "kinds": OrganisationKind.choices,
        "jurisdictions": jurisdiction_options(request.scope),
        "export": export,
    })


def organisation_detail(request, key: str):
    on = as_of(request)
    org = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"), request.scope,
                     key=key)
    coverages = (org.coverages.select_related("enterprise__jurisdiction", "organisation")
                 .order_by("-start_on", "enterprise__name"))
    members = (Member.objects.within(request.scope).of_organisation(org, on)
               .select_related("enterprise"))
    counted_per_enterprise = dict(
        members.order_by().values_list("enterprise_id").annotate(n=Count("pk"))
    )
    scope = request.scope
    return render(request, "unions/detail.html", {
        "org": org, "on": on, "warnings": org.coverage_warnings(on),
        "coverages": [(c, c.covers(on), counted_per_enterprise.get(c.enterprise_id, 0))
                      for c in coverages],
        "members": paginate(request, members.order_by("enterprise__name", "name"),
                            large_order=("-pk",)),
        "member_count": members.count(),
        "can_edit": scope.holds(Right.EDIT, org.jurisdiction, organisation=org),
        "can_reveal": scope.holds(Right.REVEAL_PII, org.jurisdiction, organisation=org),
    })


def organisation_edit(request, key: str):
    org = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"), request.scope,
                     key=key)
    return edit_page(request, org, OrganisationForm, "unions/edit.html",
                     jurisdiction=org.jurisdiction, target={"organisation": org},
                     success_url=org.get_absolute_url())
