from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render

from jianhui.lib.web import as_of, get_scoped, paginate
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import tree_order

from .models import Coverage, Member, OrganisationKind, UnionOrganisation
from .reveal import can_reveal


def organisation_list(request):
    on = as_of(request)
    qs = UnionOrganisation.objects.restrict(request.user).select_related("jurisdiction")
    if not request.GET.get("all"):
        qs = qs.alive(on)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper())
                       | Q(key__icontains=q))
    if (kind := request.GET.get("kind")) in OrganisationKind.values:
        qs = qs.filter(kind=kind)
    if code := request.GET.get("jurisdiction"):
        j = get_scoped(Jurisdiction.objects, request.user, code=code)
        qs = qs.filter(jurisdiction__path__startswith=j.path)
    active = Coverage.objects.active(on)
    qs = qs.annotate(
        enterprises_on=Count("coverages", filter=Q(coverages__in=active), distinct=True),
    ).order_by("jurisdiction__path", "kind", "name")
    return render(request, "unions/list.html", {
        "page": paginate(request, qs), "on": on, "kinds": OrganisationKind.choices,
        "jurisdictions": tree_order(Jurisdiction.objects.restrict(request.user)),
    })


def organisation_detail(request, key: str):
    on = as_of(request)
    org = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"), request.user,
                     key=key)
    coverages = (org.coverages.select_related("enterprise__jurisdiction")
                 .order_by("-start_on", "enterprise__name"))
    members = Member.objects.of_organisation(org, on).select_related("enterprise")
    counted_per_enterprise = dict(
        members.order_by().values_list("enterprise_id").annotate(n=Count("pk"))
    )
    return render(request, "unions/detail.html", {
        "org": org, "on": on, "warnings": org.coverage_warnings(on),
        "coverages": [(c, c.covers(on), counted_per_enterprise.get(c.enterprise_id, 0))
                      for c in coverages],
        "members": paginate(request, members.order_by("enterprise__name", "name")),
        "member_count": members.count(),
        "can_reveal": can_reveal(request.user, org.jurisdiction),
    })


