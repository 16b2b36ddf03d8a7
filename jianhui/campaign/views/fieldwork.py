"""A case's page (stage history as of a date, surveys, outreach log), the phone forms for a
摸底 survey and a field visit, the officer's tasks (next steps due, overdue in red) and the
outreach records with their export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jianhui.enterprises.models import EmployeeSurvey, Enterprise
from jianhui.lib.scoping import path_prefixes
from jianhui.lib.tables import DATE, Field, Table
from jianhui.unions.choices import JOINT_KINDS
from jianhui.unions.models import UnionOrganisation
from jianhui.web.exporting import Export
from jianhui.web.pages import get_scoped, paginate

from .. import services
from ..forms import MoveForm, OutreachForm, SurveyForm
from ..models import Campaign, Case, Outreach, Stage, StageChange, SurveyVisit
from ..stages import standings
from .common import (
    actor,
    campaign_day,
    campaign_of,
    check_edit,
    enterprise_of,
    may_edit,
    user_name,
)


def case_detail(request, key: str, credit_code: str):
    campaign = campaign_of(request, key)
    enterprise = enterprise_of(request, campaign, credit_code)
    on = campaign_day(request, campaign)
    standing = standings(campaign, on, Enterprise.objects.filter(pk=enterprise.pk)).get(
        enterprise.pk)
    case = Case.objects.filter(campaign=campaign, enterprise=enterprise).first()
    changes = list(case.changes.order_by("on", "recorded_at", "pk")) if case else []
    for c in changes:
        c.after = c.on > on  # recorded after the as-of date: greyed out
    area = campaign.areas.filter(
        jurisdiction__path__in=path_prefixes(enterprise.jurisdiction.path)).first()
    return render(request, "campaign/case.html", {
        "campaign": campaign, "e": enterprise, "on": on, "standing": standing, "case": case,
        "changes": changes, "area": area,
        "surveys": EmployeeSurvey.objects.within(request.scope).filter(enterprise=enterprise)
        .select_related("visit", "visit__federation").order_by("-surveyed_on"),
        "outreach": Outreach.objects.filter(campaign=campaign, enterprise=enterprise)
        .order_by("-on", "-pk"),
        "can_edit": may_edit(request, enterprise), "form": MoveForm(),
        "today": timezone.localdate(),
    })


def _federations(campaign):
    return (UnionOrganisation.objects.filter(kind__in=JOINT_KINDS, dissolved_on__isnull=True,
                                             jurisdiction__path__startswith=campaign.jurisdiction.path)
            .order_by("jurisdiction__path", "name"))


def _field_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def survey_form(request, key: str, credit_code: str):
    """The 摸底 form, made for a phone at the enterprise's door."""
    campaign = campaign_of(request, key)
    enterprise = enterprise_of(request, campaign, credit_code)
    check_edit(request, enterprise)
    case = Case.objects.filter(campaign=campaign, enterprise=enterprise).first()
    initial = {"surveyor": user_name(request.user), "concerns": case.concerns if case else [],
               "concern_note": case.concern_note if case else ""}
    if request.method == "POST":
        form = SurveyForm(request.POST, federations=_federations(campaign))
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.record_survey(
                        campaign, enterprise, surveyed_on=d["surveyed_on"],
                        employees=d["employees"], surveyor=d["surveyor"],
                        willingness=d["willingness"], female_employees=d["female_employees"],
                        migrant_workers=d["migrant_workers"], has_party_org=d["has_party_org"],
                        route=d["route"], federation=d["federation"], note=d["note"],
                        by=actor(request))
                    _concerns(campaign, enterprise, case, d["concerns"], d["concern_note"])
            except ValidationError as exc:
                _field_errors(form, exc)
            else:
                messages.success(request, f"已记录{enterprise.name}的摸底情况（职工 {d['employees']} 人）。")
                return redirect(_case_url(campaign, enterprise))
    else:
        form = SurveyForm(initial=initial, federations=_federations(campaign))
    last = EmployeeSurvey.objects.filter(enterprise=enterprise).order_by("-surveyed_on").first()
    form.fields["employees"].help_text = (
        f"上次摸底 {last.employees} 人（{last.surveyed_on:%Y-%m-%d}）；登记 {enterprise.employees} 人。"
        if last else f"登记 {enterprise.employees} 人，尚未摸底。")
    return render(request, "campaign/phone_form.html", {
        "campaign": campaign, "e": enterprise, "form": form, "title": "摸底登记",
        "intro": "职工人数从摸底日期起用于统计（建会率、入会率的口径）。",
    })


def outreach_form(request, key: str, credit_code: str):
    """The field visit form (走访、电话、座谈), made for a phone."""
    campaign = campaign_of(request, key)
    enterprise = enterprise_of(request, campaign, credit_code)
    check_edit(request, enterprise)
    case = Case.objects.filter(campaign=campaign, enterprise=enterprise).first()
    if request.method == "POST":
        form = OutreachForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.record_outreach(
                        campaign=campaign, enterprise=enterprise, kind=d["kind"], on=d["on"],
                        by_name=d["by_name"], by=actor(request),
                        contact_person=d["contact_person"], outcome=d["outcome"],
                        next_step=d["next_step"], next_due=d["next_due"])
                    _concerns(campaign, enterprise, case, d["concerns"], d["concern_note"])
            except ValidationError as exc:
                _field_errors(form, exc)
            else:
                messages.success(request, f"已记录对{enterprise.name}的{dict(form.fields['kind'].choices)[d['kind']]}。")
                return redirect(_case_url(campaign, enterprise))
    else:
        form = OutreachForm(initial={"by_name": user_name(request.user),
                                     "concerns": case.concerns if case else [],
                                     "concern_note": case.concern_note if case else ""})
    return render(request, "campaign/phone_form.html", {
        "campaign": campaign, "e": enterprise, "form": form, "title": "走访记录",
        "intro": "记录这次联系的情况；填写下一步和期限后，会出现在“我的任务”中。",
    })


def _concerns(campaign, enterprise, case, concerns, note: str = "") -> None:
    """Keep the concerns heard (the form starts from the case's own, so this replaces them)."""
    note = note.strip()
    if case is None and not concerns and not note:
        return
    case = case or services.case_for(campaign, enterprise)
    if list(concerns) != list(case.concerns) or note != case.concern_note:
        services.set_concerns(case, list(concerns), note)


def _case_url(campaign, enterprise) -> str:
    return f"/campaign/{campaign.key}/cases/{enterprise.credit_code}/"


def tasks(request, key: str):
    """Next steps not yet done: the user's own first, then the rest of their areas'."""
    campaign = campaign_of(request, key)
    open_steps = (Outreach.objects.within(request.scope)
                  .filter(campaign=campaign, next_due__isnull=False, next_done_on__isnull=True)
                  .select_related("enterprise", "enterprise__jurisdiction")
                  .order_by("next_due", "pk"))
    mine = [o for o in open_steps if o.by_id == request.user.pk]
    others = [o for o in open_steps if o.by_id != request.user.pk]
    return render(request, "campaign/tasks.html", {
        "campaign": campaign, "mine": mine, "others": paginate(request, others),
        "today": timezone.localdate(),
    })


@require_POST
def task_done(request, key: str, pk: int):
    campaign = campaign_of(request, key)
    outreach = get_object_or_404(Outreach.objects.within(request.scope)
                                 .select_related("enterprise__jurisdiction"),
                                 campaign=campaign, pk=pk)
    check_edit(request, outreach.enterprise)
    services.complete_next_step(outreach, timezone.localdate())
    messages.success(request, f"已完成：{outreach.enterprise.name}——{outreach.next_step}。")
    return redirect(f"/campaign/{campaign.key}/tasks/")


OUTREACH_TABLE = Table([
    Field("on", "日期", DATE),
    Field("area", "辖区", get=lambda o: o.enterprise.jurisdiction.name),
    Field("enterprise", "企业", get=lambda o: o.enterprise.name),
    Field("credit_code", "统一社会信用代码", get=lambda o: o.enterprise.credit_code),
    Field("kind", "方式", get=lambda o: o.get_kind_display()),
    Field("by_name", "走访人"),
    Field("contact_person", "企业对接人"),
    Field("outcome", "情况和结果"),
    Field("next_step", "下一步"),
    Field("next_due", "下一步期限", DATE),
    Field("next_done_on", "完成日期", DATE),
])


def outreach_list(request, key: str):
    campaign = campaign_of(request, key)
    qs = (Outreach.objects.within(request.scope).filter(campaign=campaign)
          .select_related("enterprise", "enterprise__jurisdiction").order_by("-on", "-pk"))
    area = request.GET.get("area", "").strip()
    if area:
        qs = qs.filter(enterprise__jurisdiction__code=area)
    export = Export(request, pii=False)
    if export.ready():
        return export.send(f"走访联系记录_{campaign.key}.xlsx", OUTREACH_TABLE.columns(),
                           (OUTREACH_TABLE.cells(o) for o in qs.iterator()),
                           model="campaign.Outreach")
    return render(request, "campaign/outreach_list.html", {
        "campaign": campaign, "page": paginate(request, qs), "export": export,
        "table": OUTREACH_TABLE, "areas": campaign.areas.within(request.scope)
        .select_related("jurisdiction"), "area": area,
    })


SURVEY_TABLE = Table([
    Field("surveyed_on", "摸底日期", DATE, get=lambda v: v.survey.surveyed_on),
    Field("area", "辖区", get=lambda v: v.survey.enterprise.jurisdiction.name),
    Field("enterprise", "企业", get=lambda v: v.survey.enterprise.name),
    Field("credit_code", "统一社会信用代码", get=lambda v: v.survey.enterprise.credit_code),
    Field("employees", "职工人数", get=lambda v: v.survey.employees),
    Field("female", "女职工", get=lambda v: v.survey.female_employees),
    Field("migrant", "农民工", get=lambda v: v.survey.migrant_workers),
    Field("party", "有党组织", get=lambda v: {True: "有", False: "没有"}.get(v.has_party_org, "")),
    Field("willingness", "建会意愿", get=lambda v: v.get_willingness_display()),
    Field("route", "建议建会方式", get=lambda v: v.get_route_display()),
    Field("federation", "拟加入的联合工会", get=lambda v: v.federation.name if v.federation else ""),
    Field("surveyor", "摸底人"),
    Field("note", "备注"),
])


def survey_list(request, key: str):
    campaign = campaign_of(request, key)
    qs = (SurveyVisit.objects.within(request.scope).filter(campaign=campaign)
          .select_related("survey__enterprise__jurisdiction", "federation")
          .order_by("-survey__surveyed_on", "-pk"))
    area = request.GET.get("area", "").strip()
    if area:
        qs = qs.filter(survey__enterprise__jurisdiction__code=area)
    export = Export(request, pii=False)
    if export.ready():
        return export.send(f"摸底情况_{campaign.key}.xlsx", SURVEY_TABLE.columns(),
                           (SURVEY_TABLE.cells(v) for v in qs.iterator()),
                           model="campaign.SurveyVisit")
    return render(request, "campaign/survey_list.html", {
        "campaign": campaign, "page": paginate(request, qs), "export": export,
        "areas": campaign.areas.within(request.scope).select_related("jurisdiction"),
        "area": area, "stage": Stage,
    })


def enterprise_panel(request, credit_code: str):
    """The enterprise page's campaign panel (loaded by htmx): where the enterprise stands in
    each campaign the user reaches, with a link to its case. Empty when there is none."""
    enterprise = get_scoped(Enterprise.objects.select_related("jurisdiction"), request.scope,
                            credit_code=credit_code.upper())
    rows = []
    for campaign in Campaign.objects.within(request.scope).filter(
            jurisdiction__path__in=path_prefixes(enterprise.jurisdiction.path)):
        on = campaign_day(request, campaign)
        standing = standings(campaign, on, Enterprise.objects.filter(pk=enterprise.pk)).get(
            enterprise.pk)
        outreach = Outreach.objects.filter(campaign=campaign, enterprise=enterprise)
        rows.append({"campaign": campaign, "on": on, "standing": standing,
                     "changes": StageChange.objects.filter(
                         case__campaign=campaign, case__enterprise=enterprise, on__lte=on)
                     .order_by("on", "recorded_at", "pk"),
                     "outreach": outreach.count(),
                     "last": outreach.filter(on__lte=on).order_by("-on", "-pk").first()})
    return render(request, "campaign/_enterprise_panel.html", {"e": enterprise, "rows": rows})
