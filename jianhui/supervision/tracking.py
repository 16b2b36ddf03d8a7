"""Supervision's records in the audit log, named by keys a cadre recognises."""

from __future__ import annotations

from jianhui.audit.tracking import Tracked, related_key, track


def _where(obj) -> str:
    return f"{related_key(obj, 'campaign')}/{related_key(obj, 'jurisdiction')}"


SPECS = {
    "supervision.SupervisionRules": Tracked(key=lambda r: related_key(r, "campaign")),
    "supervision.DailyReport": Tracked(key=lambda r: f"{_where(r)}/{r.on}"),
    "supervision.Inspection": Tracked(key=lambda i: f"{_where(i)}/{i.due_on}"),
    "supervision.RectificationItem": Tracked(
        key=lambda i: f"{related_key(i, 'jurisdiction')}/{i.due_on}/{i.text[:20]}"),
    "supervision.Meeting": Tracked(key=lambda m: f"{related_key(m, 'campaign')}/{m.held_on}"),
    "supervision.ActionItem": Tracked(key=lambda a: f"{related_key(a, 'meeting')}/{a.text[:20]}"),
    "supervision.Escalation": Tracked(key=lambda e: f"{_where(e)}/{e.trigger}/{e.opened_on}"),
    "supervision.EscalationStep": Tracked(
        key=lambda s: f"{related_key(s, 'escalation')}/{s.kind}", exclude=frozenset({"notice"})),
}


def connect() -> None:
    for label, spec in SPECS.items():
        track(label, spec)
