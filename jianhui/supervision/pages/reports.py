"""The supervision overview (completeness and timeliness per area) and the daily report form
with the numbers the data knows beside the typed ones."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from jianhui.accounts.rights import right_required
from jianhui.campaign.models import Campaign
from jianhui.lib.workdays import holiday_name, is_working_day
from jianhui.regions.models import Jurisdiction
from jianhui.web.pages import as_of, get_scoped

from .. import reports
from ..bulletin import primary_progress
from ..models import DailyReport, Escalation, Inspection, SupervisionRules
from .common import VIEW_MESSAGE, Right, actor, campaign_for, can, parse_day


class DailyReportForm(forms.ModelForm):
    class Meta:
        model = DailyReport
        fields = ["new_unions", "new_members", "visits", "problems", "plan"]
        widgets = {"problems": forms.Textarea(attrs={"rows": 3}),
                   "plan": forms.Textarea(attrs={"rows": 3})}


@right_required(Right.VIEW, VIEW_MESSAGE)
def current(request):
    """The supervision of the campaign running today (else the latest begun)."""
    campaign = Campaign.objects.within(request.scope).for_date(timezone.localdate())
    if campaign is None:
        raise Http404("还没有建会入会行动。")
    return redirect("supervision:overview", key=campaign.key)


@right_required(Right.VIEW, VIEW_MESSAGE)
def overview(request, key: str):
    campaign = campaign_for(request, key)
    on = as_of(request)
    visible = {j.pk for j in Jurisdiction.objects.within(request.scope)}
    areas = [a for a in reports.areas(campaign) if a.pk in visible]
    rows = reports.completeness(campaign, on, only=areas)
    progress = primary_progress(campaign, on)
    today = set(DailyReport.objects.filter(campaign=campaign, on=on)
                .values_list("jurisdiction_id", flat=True))
    return render(request, "supervision/overview.html", {
        "campaign": campaign, "on": on, "due_today": reports.report_due(campaign, on),
        "rows": [(r, progress.get(r.area.code), r.area.pk in today,
                  can(request, Right.EDIT, r.area)) for r in rows],
        "cutoff": SupervisionRules.of(campaign).report_cutoff_hour,
        "overdue": Inspection.objects.within(request.scope).filter(campaign=campaign)
        .overdue(on).count(),
        "open_escalations": Escalation.objects.within(request.scope).open()
        .filter(campaign=campaign).count(),
        "latest": campaign.bulletins.order_by("-issue_no").first(),
    })


@right_required(Right.VIEW, VIEW_MESSAGE)
def daily_report(request, key: str, code: str, day: str):
    campaign = campaign_for(request, key)
    on = parse_day(day)
    area = get_scoped(Jurisdiction.objects, request.scope, code=code)
    if area not in reports.areas(campaign):
        raise Http404(f"{area.name}不是该行动的包片区域。")
    report = DailyReport.objects.filter(campaign=campaign, jurisdiction=area, on=on).first()
    editable = can(request, Right.EDIT, area)
    known = reports.prefilled(campaign, area, on)
    if report is None:
        initial = {"new_unions": max(known.new_unions, 0), "new_members": max(known.new_members, 0),
                   "visits": known.visits}
    else:
        initial = None
    form = DailyReportForm(request.POST or None, instance=report, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("只有本片区的干部、专班成员和县总工会管理员可以填报日报。")
        if form.is_valid():
            saved = form.save(commit=False)
            if report is None:
                saved.campaign, saved.jurisdiction, saved.on = campaign, area, on
                saved.submitted_at, saved.submitted_by = timezone.now(), actor(request)
            saved.save()
            messages.success(request, f"{area.name} {on:%Y-%m-%d} 日报已保存。")
            return redirect("supervision:overview", key=campaign.key)
    rows = [(form[name], getattr(known, name)) for name in ("new_unions", "new_members", "visits")]
    return render(request, "supervision/report.html", {
        "campaign": campaign, "area": area, "on": on, "form": form, "report": report,
        "known": known, "rows": rows, "editable": editable,
        "working_day": is_working_day(on), "holiday": holiday_name(on),
        "cutoff": SupervisionRules.of(campaign).report_cutoff_hour,
        "on_time": report.on_time(SupervisionRules.of(campaign).report_cutoff_hour)
        if report else None,
    })
