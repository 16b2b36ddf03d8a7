"""The enterprise list, an enterprise's page and its edit page."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import render

from jianhui.accounts.rights import Right
from jianhui.enterprises.models import Enterprise, Scale
from jianhui.imports import exports
from jianhui.regions.models import Jurisdiction
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member
from jianhui.web.editing import edit_page
from jianhui.web.exporting import Export
from jianhui.web.pages import as_of, get_scoped, paginate

from .filters import UNION_STATUS_CHOICES, EnterpriseFilter
from .forms import EnterpriseForm


def filtered(request, on):
    """The list's enterprises with the request's filters, in the list's order."""
    qs = Enterprise.objects.within(request.scope).select_related("jurisdiction")
    if not request.GET.get("all"):
        qs = qs.in_scope(on)
    qs = union_rules.with_union_status(qs.with_employees(on), on, Coverage._base_manager)
    return EnterpriseFilter(request, qs, on).qs.order_by(
        "jurisdiction__order", "jurisdiction__path", "name")


def enterprise_list(request):
    on = as_of(request)
    qs = filtered(request, on)
    export = Export(request)
    if export.ready():
        return export.send(f"企业名录_{on:%Y-%m-%d}.xlsx",
                           exports.enterprise_columns(export.reveal),
                           exports.enterprise_rows(qs, export.reveal),
                           model="enterprises.Enterprise")
    return render(request, "enterprises/list.html", {
        "page": paginate(request, qs, large_order=("-pk",)), "on": on, "export": export,
        "jurisdictions": Jurisdiction.objects.within(request.scope).in_tree_order(),
        "statuses": dict(UNION_STATUS_CHOICES), "scales": Scale.choices,
    })


def enterprise_detail(request, credit_code: str):
    on = as_of(request)
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.scope,
                            credit_code=credit_code.upper())
    coverages = (Coverage.objects.filter(enterprise=enterprise)
                 .select_related("organisation").order_by("start_on"))
    current = next((c for c in coverages if c.covers(on)), None)
    # Through the request's scope: a union chair sees the members of their own organisation's
    # time, not those who joined after the enterprise moved on to another union.
    roster = Member.objects.within(request.scope).filter(enterprise=enterprise)
    members = paginate(request, roster
                       .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "name"))
    employees_on = Enterprise.objects.with_employees(on).get(pk=enterprise.pk).employees_on
    scope = request.scope
    return render(request, "enterprises/detail.html", {
        "e": enterprise, "on": on, "coverages": coverages, "current": current,
        "members": members, "counted": roster.counted(on).count(),
        "employees_on": employees_on, "scale_on": enterprise.scale_on(employees_on),
        "in_scope": enterprise.in_scope(on),
        "surveys": enterprise.surveys.order_by("-surveyed_on"),
        "ancestors": enterprise.jurisdiction.ancestors(),
        "can_edit": scope.holds(Right.EDIT, enterprise.jurisdiction, enterprise=enterprise),
        "can_reveal": scope.holds(Right.REVEAL_PII, enterprise.jurisdiction,
                                  enterprise=enterprise),
    })


def enterprise_edit(request, credit_code: str):
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.scope,
                            credit_code=credit_code.upper())
    return edit_page(request, enterprise, EnterpriseForm, "enterprises/edit.html",
                     jurisdiction=enterprise.jurisdiction, target={"enterprise": enterprise},
                     success_url=enterprise.get_absolute_url())



