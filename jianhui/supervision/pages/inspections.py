"""The inspection schedule (overdue in red), an inspection's record with photos and
rectification items."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from jianhui.accounts.rights import right_required
from jianhui.web.attachments import check_upload, serve_attachment
from jianhui.web.pages import as_of, get_scoped, paginate

from ..models import Inspection, InspectionPhoto, RectificationItem
from ..schedule import ensure_schedule
from .common import VIEW_MESSAGE, Right, actor, campaign_for, inspects, parse_day

RECORD_MESSAGE = "督导记录由督导专班成员或县总工会管理员填写。"


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["done_on", "inspectors", "rating", "findings"]
        widgets = {"done_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "findings": forms.Textarea(attrs={"rows": 4})}

    def clean_done_on(self):
        done = self.cleaned_data.get("done_on")
        if done is None:
            raise forms.ValidationError("请填写实际督导日期。")
        return done


class ItemForm(forms.ModelForm):
    class Meta:
        model = RectificationItem
        fields = ["text", "owner", "due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


@right_required(Right.VIEW, VIEW_MESSAGE)
def inspection_list(request, key: str):
    campaign = campaign_for(request, key)
    ensure_schedule(campaign)
    on = as_of(request)
    qs = (Inspection.objects.within(request.scope).filter(campaign=campaign)
          .select_related("jurisdiction", "task_force").order_by("-due_on", "jurisdiction__path"))
    if request.GET.get("show") == "overdue":
        qs = qs.overdue(on)
    return render(request, "supervision/inspections.html", {
        "campaign": campaign, "on": on, "page": paginate(request, qs),
        "overdue": qs.overdue(on).count(), "show": request.GET.get("show", ""),
    })


def _inspection(request, campaign, code: str, day: str) -> Inspection:
    return get_scoped(Inspection.objects.filter(campaign=campaign)
                      .select_related("jurisdiction", "task_force"), request.scope,
                      jurisdiction__code=code, due_on=parse_day(day))


@right_required(Right.VIEW, VIEW_MESSAGE)
def inspection_detail(request, key: str, code: str, day: str):
    campaign = campaign_for(request, key)
    ensure_schedule(campaign)
    inspection = _inspection(request, campaign, code, day)
    may_record = inspects(request, inspection.jurisdiction)
    form = InspectionForm(instance=inspection)
    item_form = ItemForm()
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(RECORD_MESSAGE)
        action = request.POST.get("action")
        if action == "record":
            form = InspectionForm(request.POST, instance=inspection)
            upload = request.FILES.get("photo")
            problem = check_upload(upload) if upload else None
            if problem:
                form.add_error(None, problem)
            if form.is_valid():
                with transaction.atomic():
                    saved = form.save(commit=False)
                    saved.recorded_by = actor(request)
                    saved.full_clean()
                    saved.save()
                    if upload:
                        InspectionPhoto.objects.create(inspection=saved, file=upload,
                                                       caption=request.POST.get("caption", ""))
                messages.success(request, "督导记录已保存。")
                return redirect(request.path)
        elif action == "item":
            item_form = ItemForm(request.POST)
            if item_form.is_valid():
                item = item_form.save(commit=False)
                item.jurisdiction, item.inspection = inspection.jurisdiction, inspection
                item.save()
                messages.success(request, "整改事项已添加。")
                return redirect(request.path)
        else:
            messages.error(request, "请选择要保存的内容：督导记录或整改事项。")
    return render(request, "supervision/inspection.html", {
        "campaign": campaign, "i": inspection, "form": form, "item_form": item_form,
        "may_record": may_record, "on": as_of(request),
        "photos": inspection.photos.all(), "items": inspection.items.all(),
    })


@right_required(Right.VIEW, VIEW_MESSAGE)
def inspection_photo(request, key: str, code: str, day: str, photo: int):
    campaign = campaign_for(request, key)
    inspection = _inspection(request, campaign, code, day)
    found = inspection.photos.filter(pk=photo).first()
    if found is None:
        raise Http404("没有这张照片。")
    return serve_attachment(found.file)
