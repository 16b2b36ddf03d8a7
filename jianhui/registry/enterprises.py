"""The enterprise list, an enterprise's page and its edit page."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import render

from jianhui.accounts.rights import Right
from jianhui.enterprises.models import Enterprise, Scale
from jianhui.imports import exports
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member
from jianhui.web import fragments
from jianhui.web.editing import edit_page
from jianhui.web.exporting import Export
from jianhui.web.pages import as_of, get_scoped, jurisdiction_options, paginate

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
    export = Export(request)
    if export.ready():
        return export.send(f"企业名录_{on:%Y-%m-%d}.xlsx",
                           exports.enterprise_columns(export.reveal),
                           exports.enterprise_rows(filtered(request, on), export.reveal),
                           model="enterprises.Enterprise")
    return render(request, "enterprises/list.html", {
        "on": on, "export": export,
        "kept": fragments.kept(request, "enterprise list", on, lambda: _list_parts(request, on)),
    })


def _list_parts(request, on) -> dict:
    """The filters, the page of the list and its pager (kept until the next write)."""
    context = {
        "page": paginate(request, filtered(request, on), large_order=("-pk",)), "on": on,
        "jurisdictions": jurisdiction_options(request.scope),
        "statuses": dict(UNION_STATUS_CHOICES), "scales": Scale.choices,
    }
    return {"head": fragments.part("enterprises/_list_head.html", context, request),
            "body": fragments.part("enterprises/_list_body.html", context, request),
            "count": context["page"].paginator.count,
            "count_text": context["page"].paginator.count_text}


def enterprise_detail(request, credit_code: str):
    on = as_of(request)
    return render(request, "enterprises/detail.html", {
        "on": on,
        "kept": fragments.kept(request, "enterprise", on,
                               lambda: _detail_parts(request, credit_code, on)),
    })


def _detail_parts(request, credit_code: str, on) -> dict:
    """The whole page but its frame (kept until the next write)."""
    enterprise = get_scoped(Enterprise.objects.with_employees(on).select_related("jurisdiction"),
                            request.scope, credit_code=credit_code.upper())
    coverages = (Coverage.objects.filter(enterprise=enterprise)
                 .select_related("organisation").order_by("start_on"))
    current = next((c for c in coverages if c.covers(on)), None)
    # Through the request's scope: a union chair sees the members of their own organisation's
    # time, not those who joined after the enterprise moved on to another union.
    roster = Member.objects.within(request.scope).filter(enterprise=enterprise)
    members = paginate(request, roster
                       .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "name"))
    employees_on = enterprise.employees_on
    scope = request.scope
    context = {
        "e": enterprise, "on": on, "coverages": coverages, "current": current,
        "members": members, "counted": roster.counted(on).count(),
        "employees_on": employees_on, "scale_on": enterprise.scale_on(employees_on),
        "in_scope": enterprise.in_scope(on),
        "surveys": enterprise.surveys.order_by("-surveyed_on"),
        "ancestors": enterprise.jurisdiction.ancestors(),
        "can_edit": scope.holds(Right.EDIT, enterprise.jurisdiction, enterprise=enterprise),
        "can_reveal": scope.holds(Right.REVEAL_PII, enterprise.jurisdiction,
                                  enterprise=enterprise),
    }
    return {"title": enterprise.name,
            "content": fragments.part("enterprises/_detail.html", context, request)}


def enterprise_edit(request, credit_code: str):
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.scope,
                            credit_code=credit_code.upper())
    return edit_page(request, enterprise, EnterpriseForm, "enterprises/edit.html",
                     jurisdiction=enterprise.jurisdiction, target={"enterprise": enterprise},
                     success_url=enterprise.get_absolute_url())



