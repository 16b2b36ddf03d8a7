"""专题培训: trainings and briefings with their attendees, rolled up by area; recording one."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from jianhui.accounts.rights import Right
from jianhui.enterprises.models import Enterprise
from jianhui.lib.scoping import paths_q
from jianhui.web.editing import editable_jurisdictions, require_edit
from jianhui.web.pages import paginate

from .. import services
from ..forms import TrainingForm
from ..models import Attendance, CampaignArea
from .common import campaign_of, visible_paths


def _visible(campaign, paths):
    """Trainings held in, or attended from, the user's part of the campaign."""
    return (campaign.trainings.filter(paths_q("jurisdiction__path", paths)
                                      | paths_q("attendees__jurisdiction__path", paths))
            .distinct())


def training_list(request, key: str):
    campaign = campaign_of(request, key)
    paths = visible_paths(request, campaign)
    trainings = list(_visible(campaign, paths).select_related("jurisdiction").order_by("-on"))
    areas = list(CampaignArea.objects.within(request.scope).filter(campaign=campaign)
                 .select_related("jurisdiction"))
    counts: dict = defaultdict(lambda: defaultdict(int))
    for training_id, path in Attendance.objects.filter(training__in=trainings).values_list(
            "training_id", "jurisdiction__path"):
        for a in areas:
            if path.startswith(a.jurisdiction.path):
                counts[training_id][a.jurisdiction.code] += 1
    for t in trainings:
        t.by_area = [counts[t.pk][a.jurisdiction.code] for a in areas]
        t.in_scope_total = sum(t.by_area)
    totals = [sum(t.by_area[i] for t in trainings) for i in range(len(areas))]
    return render(request, "campaign/trainings.html", {
        "campaign": campaign, "page": paginate(request, trainings), "areas": areas,
        "totals": totals, "can_add": request.scope.holds(Right.EDIT, campaign.jurisdiction)
        or any(request.scope.holds(Right.EDIT, a.jurisdiction) for a in areas),
    })


def training_detail(request, key: str, pk: int):
    campaign = campaign_of(request, key)
    paths = visible_paths(request, campaign)
    training = _visible(campaign, paths).select_related("jurisdiction").filter(pk=pk).first()
    if training is None:
        raise Http404("未找到该培训，或不在您的辖区范围内。")
    attendees = (training.attendees.filter(paths_q("jurisdiction__path", paths))
                 .select_related("enterprise", "jurisdiction").order_by("jurisdiction__path",
                                                                         "pk"))
    return render(request, "campaign/training.html", {
        "campaign": campaign, "t": training, "attendees": paginate(request, attendees),
        "elsewhere": training.attendees.count() - attendees.count(),
    })


def training_new(request, key: str):
    campaign = campaign_of(request, key)
    places = editable_jurisdictions(request.user).filter(
        path__startswith=campaign.jurisdiction.path)
    if not places.exists():
        require_edit(request.user, campaign.jurisdiction)  # 403 with the reason
    enterprises = Enterprise.objects.within(request.scope.for_right(Right.EDIT)).filter(
        jurisdiction__path__startswith=campaign.jurisdiction.path)
    form = TrainingForm(request.POST or None, jurisdictions=places, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        attendees = d.pop("attendees")
        try:
            training = services.record_training(campaign, attendees, **d)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已登记培训“{training.topic}”，参训 {len(attendees)} 人。")
            return redirect(f"/campaign/{campaign.key}/trainings/{training.pk}/")
    return render(request, "campaign/training_new.html", {"campaign": campaign, "form": form})


