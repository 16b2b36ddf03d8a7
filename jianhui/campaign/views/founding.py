"""New unions made real (建组织、建阵地、建制度): an area's unions founded during the campaign
with their checklist as of a date, unfinished ones first; recording a step with its evidence,
and serving the evidence after a scope check."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jianhui.accounts.rights import Right
from jianhui.lib.scoping import path_prefixes
from jianhui.unions.models import UnionOrganisation
from jianhui.web.attachments import check_upload, serve_attachment
from jianhui.web.editing import DateInput, require_edit
from jianhui.web.pages import get_scoped

from .. import services
from ..founding import new_unions
from ..models import FoundingStep, Step
from .common import actor, area_of, campaign_day, campaign_of


class StepForm(forms.Form):
    step = forms.ChoiceField(label="事项", choices=Step.choices)
    done_on = forms.DateField(label="完成日期", widget=DateInput())
    note = forms.CharField(label="说明", max_length=500, required=False)
    evidence = forms.FileField(label="佐证材料", required=False)

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > dt.date.today():
            raise forms.ValidationError("完成日期不能晚于今天。")
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and (problem := check_upload(upload)):
            raise forms.ValidationError(problem)
        return upload


def area_unions(request, key: str, code: str):
    campaign = campaign_of(request, key)
    area = area_of(request, campaign, code)
    on = campaign_day(request, campaign)
    checklists = new_unions(campaign, on, {code: area.jurisdiction.path})[code]
    checklists.sort(key=lambda c: (c.complete, c.organisation.founded_on))
    for c in checklists:
        c.can_edit = request.scope.holds(Right.EDIT, c.organisation.jurisdiction,
                                         organisation=c.organisation)
        c.evidence = set(FoundingStep.objects.filter(
            organisation=c.organisation, done_on__lte=on).exclude(evidence="")
            .values_list("step", flat=True))
        c.cells = [(s.value, c.done.get(s.value), s.value in c.evidence) for s in Step]
    return render(request, "campaign/new_unions.html", {
        "campaign": campaign, "area": area, "on": on, "checklists": checklists,
        "steps": list(Step), "complete": sum(c.complete for c in checklists),
        "form": StepForm(initial={"done_on": min(on, dt.date.today())}),
    })


@require_POST
def record_step(request, key: str, org: str):
    campaign = campaign_of(request, key)
    organisation = get_scoped(UnionOrganisation.objects.select_related("jurisdiction"),
                              request.scope, key=org)
    require_edit(request.user, organisation.jurisdiction, organisation=organisation)
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_founding_step(organisation, d["step"], d["done_on"], note=d["note"],
                                          evidence=d["evidence"], by=actor(request))
        except ValidationError as exc:
            messages.error(request, f"{organisation.name}：{'；'.join(exc.messages)}")
        else:
            messages.success(request, f"已记录{organisation.name}：{Step(d['step']).label}"
                                      f"（{d['done_on']:%Y-%m-%d}）。")
    else:
        messages.error(request, f"{organisation.name}：" + "；".join(
            e for errors in form.errors.values() for e in errors))
    area = campaign.areas.filter(jurisdiction__path__in=path_prefixes(organisation.jurisdiction.path)).first()
    if area is None:
        return redirect(campaign.get_absolute_url())
    return redirect(f"/campaign/{campaign.key}/areas/{area.jurisdiction.code}/unions/")


def evidence(request, key: str, org: str, step: str):
    campaign_of(request, key)
    organisation = get_scoped(UnionOrganisation.objects, request.scope, key=org)
    item = FoundingStep.objects.filter(organisation=organisation, step=step).first()
    if item is None:
        raise Http404("没有这一事项的记录。")
    return serve_attachment(item.evidence,
                            f"{organisation.name}_{item.get_step_display()}"
                            f"{PurePath(item.evidence.name).suffix}")
