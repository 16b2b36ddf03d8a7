"""The member list (roster) and a membership's edit page."""

from __future__ import annotations

from django.db.models import Subquery
from django.shortcuts import render

from jianhui.imports import exports
from jianhui.unions import rules as union_rules
from jianhui.unions.models import Coverage, Member
from jianhui.web import fragments
from jianhui.web.editing import edit_page
from jianhui.web.exporting import Export
from jianhui.web.pages import as_of, get_scoped, jurisdiction_options, paginate

from .filters import MEMBER_STATUSES, MemberFilter
from .forms import MemberForm

ORDER = ("enterprise__jurisdiction__path", "enterprise__name", "name", "joined_on", "pk")


def filtered_members(request, on) -> tuple:
    """The roster with the request's filters, and the enterprise/organisation filtered on."""
    members = MemberFilter(request, Member.objects.within(request.scope), on)
    return members.qs.order_by(*ORDER), members.chosen


def member_list(request):
    on = as_of(request)
    export = Export(request)
    if export.ready():
        qs, chosen = filtered_members(request, on)
        about = chosen.get("enterprise") or chosen.get("organisation")
        name = "_".join(["会员名单", *([about.name] if about else []), f"{on:%Y-%m-%d}.xlsx"])
        return export.send(name, exports.member_columns(export.reveal),
                           exports.member_rows(qs, export.reveal),
                           model="unions.Member", sheet="会员名单")
    return render(request, "unions/members.html", {
        "on": on, "export": export,
        "kept": fragments.kept(request, "member list", on, lambda: _list_parts(request, on)),
    })


def _list_parts(request, on) -> dict:
    """The filters, the page of the roster and its pager (kept until the next write)."""
    qs, chosen = filtered_members(request, on)
    cover = union_rules.covering(Coverage._base_manager, on, "enterprise_id")
    qs = qs.select_related("enterprise").annotate(
        org_name=Subquery(cover.values("organisation__name")[:1]),
        org_key=Subquery(cover.values("organisation__key")[:1]),
    )
    page = paginate(request, qs, large_order=("-pk",))
    context = {
        "page": page, "on": on, "chosen": chosen,
        "statuses": MEMBER_STATUSES, "status": request.GET.get("status") or "active",
        "jurisdictions": jurisdiction_options(request.scope),
        "no_members": not page.object_list and not Member.objects.within(
            request.scope).exists(),
    }
    return {"head": fragments.part("unions/_members_head.html", context, request),
            "body": fragments.part("unions/_members_body.html", context, request),
            "count": page.paginator.count, "count_text": page.paginator.count_text}


def member_edit(request, key: str):
    member = get_scoped(Member.objects.select_related("enterprise__jurisdiction"),
                        request.scope, public_key=key)
    return edit_page(request, member, MemberForm, "unions/member_edit.html",
                     jurisdiction=member.enterprise.jurisdiction,
                     target={"enterprise": member.enterprise},
                     success_url=member.enterprise.get_absolute_url())
