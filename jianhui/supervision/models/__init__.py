"""Supervision's records, by concern (each module under ~400 lines)."""

from .bulletins import Bulletin
from .escalations import Escalation, EscalationStep, StepKind, StepStatus, Trigger
from .inspections import Inspection, InspectionPhoto, Rating, RectificationItem
from .meetings import ActionItem, Meeting
from .reports import DailyReport, SupervisionRules

__all__ = [
    "ActionItem", "Bulletin", "DailyReport", "Escalation", "EscalationStep", "Inspection",
    "InspectionPhoto", "Meeting", "Rating", "RectificationItem", "StepKind", "StepStatus",
    "SupervisionRules", "Trigger",
]
