"""The campaign's records in the audit log: each change of a target, an area's responsible
people, a case's stage, a survey, an outreach record, a training or a founding step is an
audit event, named by keys a cadre recognises."""

from __future__ import annotations

from jianhui.audit.tracking import Tracked, related_key, track


def _campaign(obj) -> str:
    return related_key(obj, "campaign")


SPECS = {
    "campaign.Campaign": Tracked(key=lambda c: c.key),
    "campaign.LeadingGroupMember": Tracked(key=lambda m: f"{_campaign(m)}/{m.name}"),
    "campaign.Target": Tracked(
        key=lambda t: f"{_campaign(t)}/{related_key(t, 'jurisdiction')}/{t.kind}"),
    "campaign.CampaignArea": Tracked(
        key=lambda a: f"{_campaign(a)}/{related_key(a, 'jurisdiction')}"),
    "campaign.AreaContact": Tracked(key=lambda c: f"{related_key(c, 'area')}/{c.name}"),
    "campaign.TaskForce": Tracked(key=lambda t: f"{_campaign(t)}/{t.name}"),
    "campaign.TaskForceMember": Tracked(key=lambda m: f"{related_key(m, 'task_force')}/{m.name}"),
    "campaign.Case": Tracked(key=lambda c: f"{_campaign(c)}/{related_key(c, 'enterprise')}"),
    "campaign.StageChange": Tracked(key=lambda s: f"{related_key(s, 'case')}/{s.on}"),
    "campaign.SurveyVisit": Tracked(key=lambda v: related_key(v, "survey")),
    "campaign.Outreach": Tracked(key=lambda o: f"{related_key(o, 'enterprise')}/{o.on}"),
    "campaign.Training": Tracked(key=lambda t: f"{_campaign(t)}/{t.on}/{t.topic}"),
    "campaign.Attendance": Tracked(key=lambda a: f"{related_key(a, 'training')}/{a.name}"),
    "campaign.FoundingStep": Tracked(
        key=lambda s: f"{related_key(s, 'organisation')}/{s.step}"),
}


def connect() -> None:
    for label, spec in SPECS.items():
        track(label, spec)
