from __future__ import annotations

from django import template

from jianhui.accounts.rights import Right, has_right

from ..schedule import ensure_schedule, inspection_days, overdue

register = template.Library()

SHOWN = 10  # overdue inspections listed on the campaign page; the rest are counted and linked


@register.filter
def who(user, fallback: str = "") -> str:
    """A user as people call them (name, else login), or the fallback (a stored name)."""
    if user is None:
        return fallback or "—"
    return user.first_name or user.username


@register.inclusion_tag("supervision/_campaign_panel.html", takes_context=True)
def campaign_panel(context) -> dict:
    """The campaign page's 专程督导 panel: the inspections overdue on the page's date in the
    user's areas, in red. The campaign app cannot import supervision (supervision builds on
    it), so its page asks for this panel by name in templates/campaign/_hooks.html."""
    request, campaign, on = context["request"], context["campaign"], context["on"]
    days = inspection_days(campaign)
    if not has_right(request.user, Right.VIEW) or not days:
        return {"shown": False}
    if on <= days[0]:  # nothing can be overdue before the first inspection is due
        return {"shown": True, "campaign": campaign, "on": on, "first": days[0]}
    ensure_schedule(campaign)  # as the supervision pages do: the schedule exists once asked for
    late = list(overdue(campaign, on, request.scope).select_related("task_force"))
    for inspection in late:
        inspection.days_late = (on - inspection.due_on).days
    return {"shown": True, "campaign": campaign, "on": on, "late": late[:SHOWN],
            "count": len(late), "more": max(len(late) - SHOWN, 0)}
