"""包片: who is responsible for an area — its two leaders and its officers — changed by the
county through services.py, which keeps the two-leader rule (CampaignArea.leader_problem).
Removing someone asks for confirmation first."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from jianhui.web.editing import require_edit

from .. import services
from ..models import AreaContact, ContactRole
from .common import area_of, campaign_of


class LeadersForm(forms.Form):
    leader1 = forms.CharField(label="包片领导一", max_length=64)
    title1 = forms.CharField(label="职务", max_length=128, required=False)
    leader2 = forms.CharField(label="包片领导二", max_length=64)
    title2 = forms.CharField(label="职务", max_length=128, required=False)


class OfficerForm(forms.Form):
    name = forms.CharField(label="联络员姓名", max_length=64)
    title = forms.CharField(label="职务", max_length=128, required=False)
    username = forms.CharField(label="系统账号（可不填）", max_length=150, required=False)

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(f"没有用户名为“{name}”的账号，请核对或留空。")
        return user


def area_people(request, key: str, code: str):
    campaign = campaign_of(request, key)
    area = area_of(request, campaign, code)
    require_edit(request.user, campaign.jurisdiction)
    leaders = list(area.leaders())
    leaders_form = LeadersForm(initial={
        f"leader{i}": c.name for i, c in enumerate(leaders[:2], start=1)} | {
        f"title{i}": c.title for i, c in enumerate(leaders[:2], start=1)})
    officer_form = OfficerForm()
    confirm = None
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "leaders":
                leaders_form = LeadersForm(request.POST)
                if leaders_form.is_valid():
                    d = leaders_form.cleaned_data
                    services.set_area_leaders(area, [services.Person(d["leader1"], d["title1"]),
                                                     services.Person(d["leader2"], d["title2"])])
                    messages.success(request, f"已更新{area.jurisdiction.name}的包片领导。")
                    return redirect(request.path)
            elif op == "officer":
                officer_form = OfficerForm(request.POST)
                if officer_form.is_valid():
                    d = officer_form.cleaned_data
                    services.add_contact(area, ContactRole.OFFICER,
                                         services.Person(d["name"], d["title"], d["username"]))
                    messages.success(request, f"已增加联络员{d['name']}。")
                    return redirect(request.path)
            elif op == "remove":
                contact = get_object_or_404(AreaContact, area=area, pk=request.POST.get("contact"))
                if request.POST.get("confirm") != "yes":
                    confirm = contact  # ask first
                else:
                    services.remove_contact(contact)
                    messages.success(request, f"已移除{contact.get_role_display()}{contact.name}。")
                    return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return render(request, "campaign/people.html", {
        "campaign": campaign, "area": area, "contacts": area.contacts.select_related("user"),
        "leaders_form": leaders_form, "officer_form": officer_form, "confirm": confirm,
    })
