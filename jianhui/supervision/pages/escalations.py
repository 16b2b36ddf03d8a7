"""The escalation ladder: open and closed cases, running the rules (propose), and on a case
confirm / withdraw (with a reason) / rectification items, evidence, verification, closing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jianhui.accounts.rights import right_required
from jianhui.web.pages import as_of, get_scoped, paginate

from .. import escalation as ladder
from ..escalation import EscalationError
from ..models import Escalation, EscalationStep, RectificationItem, StepKind, StepStatus
from .common import VIEW_MESSAGE, Right, actor, campaign_for, can, docx_response, inspects, require

CONFIRM_MESSAGE = "只有县总工会领导可以确认或撤回督办。"
PROPOSE_MESSAGE = "只有县总工会管理员可以运行督办规则。"


class ItemForm(forms.ModelForm):
    class Meta:
        model = RectificationItem
        fields = ["text", "owner", "due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class TalkForm(forms.ModelForm):
    class Meta:
        model = EscalationStep
        fields = ["talk_on", "talk_record", "commitments"]
        widgets = {"talk_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "talk_record": forms.Textarea(attrs={"rows": 3}),
                   "commitments": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        if not data.get("talk_on") or not (data.get("talk_record") or "").strip():
            raise forms.ValidationError("请填写约谈日期和约谈记录。")
        return data


@right_required(Right.VIEW, VIEW_MESSAGE)
@require_http_methods(["GET", "POST"])
def escalation_list(request, key: str):
    campaign = campaign_for(request, key)
    on = as_of(request)
    if request.method == "POST":
        require(request, Right.EDIT, campaign.jurisdiction, PROPOSE_MESSAGE)
        made = ladder.propose(campaign, on, user=actor(request))
        if made:
            messages.success(request, f"督办规则提出了 {len(made)} 项建议，等待县总工会领导确认。")
        else:
            messages.info(request, f"按 {on:%Y-%m-%d} 的数据，督办规则没有新的建议。")
        return redirect(f"{request.path}?as_of={on:%Y-%m-%d}")
    qs = (Escalation.objects.within(request.scope).filter(campaign=campaign)
          .select_related("jurisdiction").prefetch_related("steps"))
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.open()
    return render(request, "supervision/escalations.html", {
        "campaign": campaign, "on": on, "show": show, "page": paginate(request, qs),
        "may_propose": can(request, Right.EDIT, campaign.jurisdiction),
        "pending": ladder.evaluate(campaign, on) if request.GET.get("preview") else None,
    })


def _case(request, campaign, pk: int) -> Escalation:
    return get_scoped(Escalation.objects.filter(campaign=campaign).select_related(
        "jurisdiction", "campaign__jurisdiction"), request.scope, pk=pk)


@right_required(Right.VIEW, VIEW_MESSAGE)
@require_http_methods(["GET", "POST"])
def escalation_detail(request, key: str, pk: int):
    campaign = campaign_for(request, key)
    case = _case(request, campaign, pk)
    area = case.jurisdiction
    may_confirm = can(request, Right.CONFIRM_ESCALATION, area)
    may_inspect = inspects(request, area)
    may_report = can(request, Right.EDIT, area)
    item_form = ItemForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            result = _act(request, case, action, may_confirm, may_inspect, may_report)
        except EscalationError as exc:
            messages.error(request, str(exc))
            result = None
        if result is None:
            return redirect(request.path)
        item_form = result
    steps = list(case.steps.select_related("confirmed_by", "withdrawn_by").order_by("pk"))
    current = case.current()
    return render(request, "supervision/escalation.html", {
        "campaign": campaign, "case": case, "steps": steps, "current": current,
        "items": case.items.select_related("verified_by"), "item_form": item_form,
        "may_confirm": may_confirm, "may_inspect": may_inspect, "may_report": may_report,
        "rectifying": current is not None and current.kind == StepKind.RECTIFY
        and current.status == StepStatus.CONFIRMED and case.is_open,
        "ladder": [StepKind.CRITICISM, StepKind.TALK, StepKind.RECTIFY, StepKind.CLOSE],
        "reached": {s.kind for s in steps if s.status == StepStatus.CONFIRMED},
        "talk_form": TalkForm(instance=next((s for s in steps if s.kind == StepKind.TALK
                                             and s.status == StepStatus.CONFIRMED), None)),
        "on": as_of(request),
    })


def _act(request, case, action, may_confirm, may_inspect, may_report):
    """Do one POSTed action; None when done (redirect), else the item form with errors."""
    post = request.POST
    if action in ("confirm", "withdraw"):
        if not may_confirm:
            raise PermissionDenied(CONFIRM_MESSAGE)
        step = case.steps.filter(pk=post.get("step")).first()
        if step is None:
            raise Http404("没有这个督办步骤。")
        if action == "confirm":
            ladder.confirm(step, actor(request))
            messages.success(request, f"已确认：{step.get_kind_display()}。")
        else:
            ladder.withdraw(step, actor(request), post.get("reason", ""))
            messages.success(request, f"已撤回：{step.get_kind_display()}。")
        return None
    if action == "talk":
        if not may_confirm:
            raise PermissionDenied(CONFIRM_MESSAGE)
        step = case.steps.filter(kind=StepKind.TALK, status=StepStatus.CONFIRMED).first()
        if step is None:
            raise EscalationError("主席约谈确认后才能记录约谈情况。")
        form = TalkForm(post, instance=step)
        if not form.is_valid():
            raise EscalationError("；".join(e for errs in form.errors.values() for e in errs))
        form.save()
        messages.success(request, "约谈情况已记录。")
        return None
    if action == "item":
        if not may_inspect:
            raise PermissionDenied("整改事项由督导专班或县总工会管理员列出。")
        form = ItemForm(post)
        if not form.is_valid():
            return form
        item = form.save(commit=False)
        item.jurisdiction, item.escalation = case.jurisdiction, case
        item.save()
        return None
    item = case.items.filter(pk=post.get("item")).first() if action in ("evidence", "verify") else None
    if action == "evidence" and item is not None:
        if not may_report:
            raise PermissionDenied("整改完成情况由被督办片区填报。")
        item.done_on = as_of(request)
        item.evidence = post.get("evidence", "").strip()
        if not item.evidence:
            raise EscalationError("请填写完成情况和佐证。")
        item.save(update_fields=["done_on", "evidence"])
        return None
    if action == "verify" and item is not None:
        if not may_inspect:
            raise PermissionDenied("整改由督导专班核验。")
        ladder.verify(item, actor(request))
        return None
    if action == "close":
        if not may_inspect:
            raise PermissionDenied("限期整改由督导专班核验后办结。")
        ladder.close(case, actor(request), as_of(request))
        messages.success(request, "督办事项已办结。")
        return None
    raise EscalationError("无法识别的操作。")


@right_required(Right.VIEW, VIEW_MESSAGE)
def notice_docx(request, key: str, pk: int, step: int):
    campaign = campaign_for(request, key)
    case = _case(request, campaign, pk)
    found = case.steps.filter(pk=step, notice__isnull=False).first()
    if found is None:
        raise Http404("这一步没有通报批评文件。")
    return docx_response(found.notice, f"通报批评_{case.jurisdiction.name}.docx")
