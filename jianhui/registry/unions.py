from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.shortcuts import render

from jianhui.accounts.rights import Right, has_right
from jianhui.enterprises.models import Enterprise
from jianhui.imports import exports
from jianhui.lib.codes import CodeError, normalise_id_number
from jianhui.lib.editing import edit_page
from jianhui.lib.exporting import Export
from jianhui.lib.web import as_of, get_scoped, paginate
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import tree_order

from .forms import MemberForm, OrganisationForm
from .models import Coverage, Member, OrganisationKind, UnionOrganisation
from .reveal import can_reveal


def filtered_organisations(request, on):
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
    return qs.order_by("jurisdiction__path", "kind", "name")


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
        "jurisdictions": tree_order(Jurisdiction.objects.restrict(request.user)),
        "export": export,
    })


def organisation_detail(request, key: str):
    on = as_of(request)
    org = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"), request.user,
                     key=key)
    coverages = (org.coverages.select_related("enterprise__jurisdiction")
                 .order_by("-start_on", "enterprise__name"))
    members = (Member.objects.restrict(request.user).of_organisation(org, on)
               .select_related("enterprise"))
    counted_per_enterprise = dict(
        members.order_by().values_list("enterprise_id").annotate(n=Count("pk"))
    )
    return render(request, "unions/detail.html", {
        "org": org, "on": on, "warnings": org.coverage_warnings(on),
        "coverages": [(c, c.covers(on), counted_per_enterprise.get(c.enterprise_id, 0))
                      for c in coverages],
        "members": paginate(request, members.order_by("enterprise__name", "name")),
        "member_count": members.count(),
        "can_edit": has_right(request.user, Right.EDIT, org.jurisdiction, organisation=org),
        "can_reveal": can_reveal(request.user, org.jurisdiction, organisation=org),
    })


def organisation_edit(request, key: str):
    org = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"), request.user,
                     key=key)
    return edit_page(request, org, OrganisationForm, "unions/edit.html",
                     jurisdiction=org.jurisdiction, target={"organisation": org},
                     success_url=org.get_absolute_url())


def member_edit(request, key: str):
    member = get_scoped(Member.objects.select_related("enterprise__jurisdiction"), request.user,
                        public_key=key)
    return edit_page(request, member, MemberForm, "unions/member_edit.html",
                     jurisdiction=member.enterprise.jurisdiction,
                     target={"enterprise": member.enterprise},
                     success_url=member.enterprise.get_absolute_url())
MEMBER_STATUSES = {"active": "在册", "left": "已离会", "all": "全部"}


def filtered_members(request, on) -> tuple:
    """The roster with the request's filters, and the enterprise/organisation filtered on."""
    qs = Member.objects.restrict(request.user)
    if q := request.GET.get("q", "").strip():
        try:  # a full ID number is looked up exactly (the one lookup encryption can keep)
            qs = qs.by_id_number(normalise_id_number(q))
        except CodeError:
            qs = qs.filter(name__icontains=q)
    status = request.GET.get("status") or "active"
    if status == "active":
        qs = qs.active(on)
    elif status == "left":
        qs = qs.filter(left_on__lte=on)
    chosen: dict = {}
    if code := request.GET.get("enterprise", "").strip():
        chosen["enterprise"] = get_scoped(Enterprise.objects, request.user,
                                          credit_code=code.upper())
        qs = qs.filter(enterprise=chosen["enterprise"])
    if key := request.GET.get("organisation", "").strip():
        org = chosen["organisation"] = get_scoped(UnionOrganisation.objects, request.user, key=key)
        qs = qs.filter(Exists(Coverage.objects.active(on).filter(
            enterprise=OuterRef("enterprise"), organisation=org)))
    if code := request.GET.get("jurisdiction"):
        j = get_scoped(Jurisdiction.objects, request.user, code=code)
        qs = qs.filter(enterprise__jurisdiction__path__startswith=j.path)
    order = ("enterprise__jurisdiction__path", "enterprise__name", "name", "joined_on", "pk")
    return qs.order_by(*order), chosen


def member_list(request):
    on = as_of(request)
    qs, chosen = filtered_members(request, on)
    export = Export(request)
    if export.ready():
        about = chosen.get("enterprise") or chosen.get("organisation")
        name = "_".join(["会员名单", *([about.name] if about else []), f"{on:%Y-%m-%d}.xlsx"])
        return export.send(name, exports.member_columns(export.reveal),
                           exports.member_rows(qs, export.reveal),
                           model="unions.Member", sheet="会员名单")
    cover = Coverage.objects.active(on).filter(enterprise=OuterRef("enterprise_id"))
    qs = qs.select_related("enterprise").annotate(
        org_name=Subquery(cover.values("organisation__name")[:1]),
        org_key=Subquery(cover.values("organisation__key")[:1]),
    )
    page = paginate(request, qs)
    return render(request, "unions/members.html", {
        "page": page, "on": on, "export": export, "chosen": chosen,
        "statuses": MEMBER_STATUSES, "status": request.GET.get("status") or "active",
        "jurisdictions": tree_order(Jurisdiction.objects.restrict(request.user)),
        "no_members": not page.object_list and not Member.objects.restrict(request.user).exists(),
    })
