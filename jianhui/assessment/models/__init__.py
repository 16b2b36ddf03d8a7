"""The assessment's records, by concern."""

from .results import Evidence, Grade, ManualScore, Score, Unit
from .review import Accountability, Measure, Objection, Outcome, TiltPlan
from .scheme import (
    AppliesTo,
    GradingMode,
    Indicator,
    Method,
    Role,
    Scheme,
    Status,
    UnitKind,
    Visibility,
)

__all__ = [
    "Accountability", "AppliesTo", "Evidence", "Grade", "GradingMode", "Indicator", "ManualScore",
    "Measure", "Method", "Objection", "Outcome", "Role", "Scheme", "Score", "Status", "TiltPlan",
    "Unit", "UnitKind", "Visibility",
]
