"""Revealing one member's full ID number and phone, with a stated reason, audited.

GET /members/<public_key>/reveal/ asks for the reason, POST shows the values. With htmx the
same URL answers with a fragment that replaces the "查看" cell of that member's row; without
JavaScript it is a small page. Out of the user's scope: 404; without the REVEAL_PII right
there: 403. Every successful reveal is one audit event (Action.REVEAL) with the reason.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jianhui.accounts.rights import Right
from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.unions.models import Member
from jianhui.unions.personal import personal_fields
from jianhui.web.pages import get_scoped

MIN_REASON = 4


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="查看理由", min_length=MIN_REASON, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "例如：核实会员身份，办理困难帮扶",
                                      "autocomplete": "off", "size": 24}),
        error_messages={
            "required": "请填写查看理由：完整身份证号和手机号须说明用途后才能查看，并记入审计日志。",
            "min_length": (f"查看理由至少 {MIN_REASON} 个字（当前 %(show_value)d 个字），"
                           "请具体说明用途，例如“核实会员身份，办理困难帮扶”。"),
            "max_length": "查看理由请不超过 200 个字（当前 %(show_value)d 个字）。",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def member_reveal(request, key: str):
    member = get_scoped(Member.objects.select_related("enterprise__jurisdiction"), request.scope,
                        public_key=key)
    # A union chair reveals only within what their organisation covers today (Scope.holds).
    if not request.scope.holds(Right.REVEAL_PII, member.enterprise.jurisdiction,
                               enterprise=member.enterprise):
        raise PermissionDenied("您没有在该辖区查看完整身份证号和手机号的权限。")
    template = "unions/_reveal.html" if request.htmx else "unions/reveal.html"
    if request.method == "GET" and request.GET.get("cancel") and request.htmx:
        return render(request, template, {"member": member, "state": "closed"})
    form = RevealForm(request.POST if request.method == "POST" else None)
    state = "form"
    if form.is_bound and form.is_valid():
        record(Action.REVEAL, obj=member, reason=form.cleaned_data["reason"],
               detail={"fields": list(personal_fields(Member)), "enterprise": member.enterprise.credit_code})
        state = "revealed"
    return render(request, template, {"member": member, "form": form, "state": state})
