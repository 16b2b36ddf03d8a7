"""The bulletins of a campaign: the list, issuing one for a date, its page (screen and A4
print) and its .docx as issued."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jianhui.accounts.rights import right_required
from jianhui.lib.workdays import is_working_day
from jianhui.web.pages import as_of, paginate

from ..bulletin import BulletinError, issue, issued_document
from ..documents import (
    HEADER,
    RANKING_HEADERS,
    bulletin_text,
    bulletin_title,
    chinese_date,
    issuer,
)
from .common import VIEW_MESSAGE, Right, actor, campaign_for, can, docx_response, require

ISSUE_MESSAGE = "只有县总工会管理员可以签发通报。"


@right_required(Right.VIEW, VIEW_MESSAGE)
@require_http_methods(["GET", "POST"])
def bulletin_list(request, key: str):
    campaign = campaign_for(request, key)
    may_issue = can(request, Right.EDIT, campaign.jurisdiction)
    if request.method == "POST":
        require(request, Right.EDIT, campaign.jurisdiction, ISSUE_MESSAGE)
        raw = request.POST.get("date", "")
        try:
            on = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, f"通报日期“{raw}”无法识别：请填写 YYYY-MM-DD，例如 2023-09-15。")
            return redirect("supervision:bulletins", key=campaign.key)
        try:
            bulletin, new = issue(campaign, on, reissue=bool(request.POST.get("reissue")),
                                  note=request.POST.get("note", ""), user=actor(request))
        except BulletinError as exc:
            messages.error(request, str(exc))
            return redirect("supervision:bulletins", key=campaign.key)
        if not new:
            messages.info(request, f"{on:%Y-%m-%d} 已签发第{bulletin.issue_no}期，通报签发后不再改变；"
                                   "数据有误时请勾选“更正”重新签发。")
        return redirect("supervision:bulletin", key=campaign.key, no=bulletin.issue_no)
    on = as_of(request)
    return render(request, "supervision/bulletins.html", {
        "campaign": campaign, "on": on, "may_issue": may_issue,
        "working_day": is_working_day(on),
        "page": paginate(request, campaign.bulletins.select_related("corrects")
                         .order_by("-issue_no")),
    })


def _bulletin(campaign, no: int):
    bulletin = campaign.bulletins.select_related("corrects").filter(issue_no=no).first()
    if bulletin is None:
        raise Http404(f"该行动没有第{no}期通报。")
    return bulletin


@right_required(Right.VIEW, VIEW_MESSAGE)
def bulletin_page(request, key: str, no: int):
    campaign = campaign_for(request, key)
    bulletin = _bulletin(campaign, no)
    return render(request, "supervision/bulletin.html", {
        "campaign": campaign, "b": bulletin, "header": HEADER, "issuer": issuer(campaign),
        "date": chinese_date(bulletin.on), "title": bulletin_title(bulletin),
        "blocks": bulletin_text(campaign, bulletin.content, bulletin.names),
        "headers": RANKING_HEADERS,
        "lagging": {r["rank"] for r in bulletin.content["ranking"] if r["lagging"]},
        "corrected_by": bulletin.corrections.order_by("issue_no").first(),
    })


@right_required(Right.VIEW, VIEW_MESSAGE)
def bulletin_docx(request, key: str, no: int):
    campaign = campaign_for(request, key)
    bulletin = _bulletin(campaign, no)
    return docx_response(issued_document(bulletin), bulletin.file_name)
