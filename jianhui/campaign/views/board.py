"""An area's work board: its un-unionized enterprises grouped by the stage each stood at on the
as-of date (campaign/stages.py), a card per enterprise with its flag, concerns and next step;
moving a card takes a note (htmx, or a plain form without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import path_prefixes

from .. import services
from ..forms import MoveForm
from ..models import Case, Outreach, Stage
from ..models.pipeline import MANUAL_STAGES
from ..stages import standings
from .common import (
    actor,
    area_of,
    campaign_day,
    campaign_of,
    check_edit,
    enterprise_of,
    may_edit,
    user_name,
)

CARDS_PER_COLUMN = 60


def board(request, key: str, code: str):
    campaign = campaign_of(request, key)
    area = area_of(request, campaign, code)
    on = campaign_day(request, campaign)
    return render(request, "campaign/board.html", _board_context(request, campaign, area, on))


def _board_context(request, campaign, area, on, errors=None):
    enterprises = (Enterprise.objects.within(request.scope)
                   .filter(jurisdiction__path__startswith=area.jurisdiction.path))
    standing = standings(campaign, on, enterprises)
    open_ids = [pk for pk, s in standing.items() if s.stage != Stage.FOUNDED]
    firms = Enterprise.objects.with_employees(on).select_related("jurisdiction").in_bulk(open_ids)
    cases = {c.enterprise_id: c for c in Case.objects.filter(campaign=campaign,
                                                             enterprise_id__in=open_ids)}
    last_contact = {}
    for o in (Outreach.objects.filter(campaign=campaign, enterprise_id__in=open_ids, on__lte=on)
              .order_by("enterprise_id", "-on", "-pk")):
        if o.enterprise_id not in last_contact:
            # A next step still open on the as-of date, overdue when its due date is past.
            o.open_on = bool(o.next_step) and (o.next_done_on is None or o.next_done_on > on)
            o.overdue_on = o.open_on and o.next_due is not None and o.next_due < on
            last_contact[o.enterprise_id] = o
    columns = []
    for stage in MANUAL_STAGES:
        cards = [{"e": firms[pk], "standing": s, "case": cases.get(pk),
                  # The reason kept on the case is today's: shown with the flag it belongs to.
                  "reason": cases[pk].flag_reason if pk in cases and s.flag
                  and s.flag == cases[pk].flag else "",
                  "last": last_contact.get(pk), "can_edit": may_edit(request, firms[pk])}
                 for pk, s in standing.items() if s.stage == stage]
        cards.sort(key=lambda c: (not c["standing"].flag, c["e"].name))
        # A column shows its first cards (flagged first); the rest are counted and listed
        # in the enterprise list, so a large county's board stays readable.
        columns.append({"stage": stage, "cards": cards[:CARDS_PER_COLUMN], "count": len(cards),
                        "more": max(len(cards) - CARDS_PER_COLUMN, 0)})
    return {
        "campaign": campaign, "area": area, "on": on, "columns": columns,
        "founded": sum(s.stage == Stage.FOUNDED for s in standing.values()),
        "open": len(open_ids), "today": timezone.localdate(), "errors": errors or {},
        "form": MoveForm(), "history": on != timezone.localdate(),
    }


@require_POST
def move(request, key: str, credit_code: str):
    """Move a case to a stage with a note; answers the re-drawn board (htmx) or redirects."""
    campaign = campaign_of(request, key)
    enterprise = enterprise_of(request, campaign, credit_code)
    check_edit(request, enterprise)
    area = campaign.areas.filter(
        jurisdiction__path__in=path_prefixes(enterprise.jurisdiction.path)).first()
    form = MoveForm(request.POST)
    error = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.move_stage(services.case_for(campaign, enterprise), d["stage"], d["on"],
                                d["note"], by=actor(request), by_name=user_name(request.user),
                                flag=d["flag"] or "", flag_reason=d["flag_reason"])
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "；".join(e for errs in form.errors.values() for e in errs)
    if not request.htmx:
        if error:
            messages.error(request, f"{enterprise.name}：{error}")
        else:
            messages.success(request, f"已将{enterprise.name}调整为“{Stage(form.cleaned_data['stage']).label}”。")
        return redirect(f"/campaign/{campaign.key}/cases/{enterprise.credit_code}/"
                        if area is None else f"/campaign/{campaign.key}/areas/{area.jurisdiction.code}/")
    on = campaign_day(request, campaign) if area else timezone.localdate()
    context = _board_context(request, campaign, area, on, {enterprise.pk: error} if error else None)
    if not error:
        context["moved"] = enterprise.pk
    response = render(request, "campaign/_board.html", context)
    return reswap(retarget(response, "#board"), "outerHTML")
