"""The weekly progress meeting: one click for the week's material (.docx); minutes with
decisions and action items tracked until done."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jianhui.accounts.rights import right_required
from jianhui.web.pages import as_of, paginate

from ..meetings import material
from ..models import ActionItem, Meeting
from .common import (
    VIEW_MESSAGE,
    Right,
    actor,
    campaign_for,
    can,
    docx_response,
    parse_day,
    require,
)

EDIT_MESSAGE = "推进会纪要由县总工会管理员记录。"


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["held_on", "title", "attendees", "minutes", "decisions"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "attendees": forms.Textarea(attrs={"rows": 2}),
                   "minutes": forms.Textarea(attrs={"rows": 5}),
                   "decisions": forms.Textarea(attrs={"rows": 3})}


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


@right_required(Right.VIEW, VIEW_MESSAGE)
@require_http_methods(["GET", "POST"])
def meeting_list(request, key: str):
    campaign = campaign_for(request, key)
    may_edit = can(request, Right.EDIT, campaign.jurisdiction)
    form = MeetingForm(initial={"held_on": as_of(request)})
    if request.method == "POST":
        require(request, Right.EDIT, campaign.jurisdiction, EDIT_MESSAGE)
        form = MeetingForm(request.POST)
        if form.is_valid():
            meeting = form.save(commit=False)
            if campaign.meetings.filter(held_on=meeting.held_on).exists():
                form.add_error("held_on", f"{meeting.held_on:%Y-%m-%d} 已有推进会纪要，请在原纪要中补充。")
            else:
                meeting.campaign, meeting.recorded_by = campaign, actor(request)
                meeting.save()
                return redirect("supervision:meeting", key=campaign.key,
                                day=f"{meeting.held_on:%Y-%m-%d}")
    on = as_of(request)
    week_end = on - dt.timedelta(days=(on.weekday() - 4) % 7)  # the last Friday on or before
    return render(request, "supervision/meetings.html", {
        "campaign": campaign, "form": form, "may_edit": may_edit, "week_end": week_end,
        "page": paginate(request, campaign.meetings.order_by("-held_on")),
        "open_items": ActionItem.objects.open().filter(meeting__campaign=campaign)
        .select_related("meeting")[:50], "on": on,
    })


@right_required(Right.VIEW, VIEW_MESSAGE)
@require_http_methods(["GET", "POST"])
def meeting_detail(request, key: str, day: str):
    campaign = campaign_for(request, key)
    meeting = campaign.meetings.filter(held_on=parse_day(day)).first()
    if meeting is None:
        raise Http404(f"{day} 没有推进会纪要。")
    may_edit = can(request, Right.EDIT, campaign.jurisdiction)
    item_form = ActionItemForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "done":
            item = meeting.items.filter(pk=request.POST.get("item")).first()
            if item is None or not (may_edit or item.owner_user_id == request.user.pk):
                require(request, Right.EDIT, campaign.jurisdiction, EDIT_MESSAGE)
            if item is not None and item.done_on is None:
                item.done_on, item.note = as_of(request), request.POST.get("note", "")[:500]
                item.save(update_fields=["done_on", "note"])
                messages.success(request, f"“{item.text}”已标记完成。")
            return redirect(request.path)
        require(request, Right.EDIT, campaign.jurisdiction, EDIT_MESSAGE)
        item_form = ActionItemForm(request.POST)
        if item_form.is_valid():
            item = item_form.save(commit=False)
            item.meeting = meeting
            item.save()
            return redirect(request.path)
    return render(request, "supervision/meeting.html", {
        "campaign": campaign, "m": meeting, "may_edit": may_edit, "item_form": item_form,
        "items": meeting.items.all(), "on": as_of(request),
    })


@right_required(Right.VIEW, VIEW_MESSAGE)
def meeting_material(request, key: str):
    campaign = campaign_for(request, key)
    week_end = as_of(request)
    data = material(campaign, week_end)
    return docx_response(data, f"推进会材料（{week_end:%Y-%m-%d}）.docx")
