"""The campaign's records, by concern (each module under ~400 lines)."""

from .campaign import (
    AreaContact,
    Campaign,
    CampaignArea,
    ContactRole,
    GroupRole,
    LeadingGroupMember,
    Strategy,
    Target,
    TargetKind,
    TaskForce,
    TaskForceMember,
)
from .founding import FoundingStep, Step
from .pipeline import (
    Case,
    Concern,
    Flag,
    Outreach,
    OutreachKind,
    Route,
    Stage,
    StageChange,
    SurveyVisit,
    Willingness,
)
from .training import Attendance, Training, TrainingKind

__all__ = [
    "AreaContact", "Attendance", "Campaign", "CampaignArea", "Case", "Concern", "ContactRole",
    "Flag", "FoundingStep", "GroupRole", "LeadingGroupMember", "Outreach", "OutreachKind",
    "Route", "Stage", "StageChange", "Step", "Strategy", "SurveyVisit", "Target", "TargetKind",
    "TaskForce", "TaskForceMember", "Training", "TrainingKind", "Willingness",
]
