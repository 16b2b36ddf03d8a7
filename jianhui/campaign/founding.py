"""New unions made real (建组织、建阵地、建制度): which organisations founded during a campaign
have every step of their checklist done by a date, per area. A union founded on paper only
stays unfinished until each step has a date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from jianhui.unions import rules as union_rules
from jianhui.unions.models import UnionOrganisation

from .models import Campaign, FoundingStep, Step


@dataclass
class Checklist:
    organisation: UnionOrganisation
    done: dict[str, dt.date] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(s in self.done for s in Step.values)

    @property
    def missing(self) -> list[str]:
        return [s.label for s in Step if s.value not in self.done]


def new_unions(campaign: Campaign, on: dt.date, roots: dict[str, str]) -> dict[str, list]:
    """{key: [Checklist]} of the organisations alive on `on` and founded between the campaign's
    start and `on`, in each subtree of `roots` ({key: path}); steps counted when done by `on`."""
    orgs = list(UnionOrganisation.objects.filter(
        union_rules.alive_q(on), founded_on__gte=campaign.start_on,
        jurisdiction__path__startswith=campaign.jurisdiction.path,
    ).select_related("jurisdiction").order_by("founded_on", "name"))
    done: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for org_id, step, day in FoundingStep.objects.filter(
            organisation__in=orgs, done_on__lte=on).values_list("organisation_id", "step",
                                                                 "done_on"):
        done[org_id][step] = day
    out: dict[str, list] = {key: [] for key in roots}
    for org in orgs:
        for key, path in roots.items():
            if org.jurisdiction.path.startswith(path):
                out[key].append(Checklist(org, done[org.pk]))
    return out
