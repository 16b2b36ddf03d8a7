from __future__ import annotations

from django.db.models import F, Q
from django.shortcuts import render

from jianhui import statistics
from jianhui.accounts.rights import Right, has_right
from jianhui.imports import exports
from jianhui.lib.editing import edit_page
from jianhui.lib.exporting import Export
from jianhui.lib.text import initials
from jianhui.lib.web import as_of, get_scoped, paginate
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import UNION_STATUS_FILTERS
from jianhui.unions.models import Coverage, Member
from jianhui.unions.reveal import can_reveal

from .forms import EnterpriseForm
from .models import Enterprise, Scale

STATUS_LABELS = {"unionized": "已建会", "standalone": "单独建会", "covered": "联合建会",
                 "not_unionized": "未建会"}


def search(qs, q: str):
    """Name, credit code or pinyin initials (e.g. “zjgx”)."""
    q = q.strip()
    if not q:
        return qs
    return qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper())
                     | Q(name_initials__icontains=initials(q)))


def filtered(request, on):
    """The list's enterprises with the request's filters, in the list's order."""
    qs = Enterprise.objects.restrict(request.user).select_related("jurisdiction")
    if not request.GET.get("all"):
        qs = qs.in_scope(on)
    qs = statistics.with_union_status(search(qs, request.GET.get("q", "")), on)
    if code := request.GET.get("jurisdiction"):
        j = get_scoped(Jurisdiction.objects, request.user, code=code)
        qs = qs.filter(jurisdiction__path__startswith=j.path)
    if (status := request.GET.get("status")) in UNION_STATUS_FILTERS:
        qs = qs.filter(UNION_STATUS_FILTERS[status])
    if (scale := request.GET.get("scale")) in Scale.values:
        qs = qs.of_scale(scale)
    return qs.order_by("jurisdiction__order", "jurisdiction__path", "name")


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
        "page": paginate(request, qs), "on": on, "export": export,
        "jurisdictions": statistics.tree_order(Jurisdiction.objects.restrict(request.user)),
        "statuses": STATUS_LABELS, "scales": Scale.choices,
    })


def enterprise_detail(request, credit_code: str):
    on = as_of(request)
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.user,
                            credit_code=credit_code.upper())
    coverages = (Coverage.objects.filter(enterprise=enterprise)
                 .select_related("organisation").order_by("start_on"))
    current = next((c for c in coverages if c.covers(on)), None)
    # Through the user's scope: a union chair sees the members of their own organisation's
    # time, not those who joined after the enterprise moved on to another union.
    roster = Member.objects.restrict(request.user).filter(enterprise=enterprise)
    members = paginate(request, roster
                       .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "name"))
    return render(request, "enterprises/detail.html", {
        "e": enterprise, "on": on, "coverages": coverages, "current": current,
        "members": members, "counted": roster.counted(on).count(),
        "employees_on": Enterprise.objects.with_employees(on).get(pk=enterprise.pk).employees_on,
        "surveys": enterprise.surveys.order_by("-surveyed_on"),
        "ancestors": enterprise.jurisdiction.ancestors(),
        "can_edit": has_right(request.user, Right.EDIT, enterprise.jurisdiction,
                              enterprise=enterprise),
        "can_reveal": can_reveal(request.user, enterprise.jurisdiction, enterprise=enterprise),
    })


def enterprise_edit(request, credit_code: str):
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.user,
                            credit_code=credit_code.upper())
    return edit_page(request, enterprise, EnterpriseForm, "enterprises/edit.html",
                     jurisdiction=enterprise.jurisdiction, target={"enterprise": enterprise},
                     success_url=enterprise.get_absolute_url())
