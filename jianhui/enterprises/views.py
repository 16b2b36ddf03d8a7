from __future__ import annotations

from django.db.models import F, Q
from django.shortcuts import render

from jianhui import statistics
from jianhui.lib.text import initials
from jianhui.lib.web import as_of, get_scoped, paginate
from jianhui.regions.models import Jurisdiction
from jianhui.statistics import UNION_STATUS_FILTERS
from jianhui.unions.models import Coverage, Member
from jianhui.unions.reveal import can_reveal

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


def enterprise_list(request):
    on = as_of(request)
    visible = Jurisdiction.objects.restrict(request.user)
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
    page = paginate(request, qs.order_by("jurisdiction__order", "jurisdiction__path", "name"))
    return render(request, "enterprises/list.html", {
        "page": page, "on": on, "jurisdictions": statistics.tree_order(visible),
        "statuses": STATUS_LABELS, "scales": Scale.choices,
    })


def enterprise_detail(request, credit_code: str):
    on = as_of(request)
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.user,
                            credit_code=credit_code.upper())
    coverages = (Coverage.objects.filter(enterprise=enterprise)
                 .select_related("organisation").order_by("start_on"))
    current = next((c for c in coverages if c.covers(on)), None)
    members = paginate(request, Member.objects.filter(enterprise=enterprise)
                       .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "name"))
    return render(request, "enterprises/detail.html", {
        "e": enterprise, "on": on, "coverages": coverages, "current": current,
        "members": members, "counted": Member.objects.filter(enterprise=enterprise)
        .counted(on).count(),
        "employees_on": Enterprise.objects.with_employees(on).get(pk=enterprise.pk).employees_on,
        "surveys": enterprise.surveys.order_by("-surveyed_on"),
        "ancestors": enterprise.jurisdiction.ancestors(),
        "can_reveal": can_reveal(request.user, enterprise.jurisdiction),
    })
