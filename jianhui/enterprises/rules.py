"""The enterprise rules of DOMAIN.md §2-§4, each once: a plain function, its ORM twin and its
Chinese message side by side. Models, services, importers, exports and statistics call these.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from jianhui.lib.periods import day

from .choices import OperatingStatus

# --- in scope on D ---------------------------------------------------------------------------
# Founded on or before D (an unknown founding date counts as in scope) and neither deregistered
# (注销) nor stripped of its licence (吊销) on or before D. 停产/歇业 enterprises stay in scope.


def left_scope_on(deregistered_on: dt.date | None, revoked_on: dt.date | None) -> dt.date | None:
    """The first day the enterprise is out of scope for good: the earlier of its deregistration
    and its revocation."""
    ends = [d for d in (deregistered_on, revoked_on) if d is not None]
    return min(ends, default=None)


def in_scope(founded_on: dt.date | None, deregistered_on: dt.date | None,
             revoked_on: dt.date | None, on: dt.date) -> bool:
    end = left_scope_on(deregistered_on, revoked_on)
    return (founded_on is None or founded_on <= on) and (end is None or end > on)


def in_scope_q(on: dt.date, prefix: str = "") -> Q:
    """The ORM twin of `in_scope`; `prefix` is the lookup to the enterprise ("enterprise__")."""
    return (
        (Q(**{f"{prefix}founded_on__isnull": True}) | Q(**{f"{prefix}founded_on__lte": on}))
        & (Q(**{f"{prefix}deregistered_on__isnull": True})
           | Q(**{f"{prefix}deregistered_on__gt": on}))
        & (Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": on}))
    )


def not_in_scope_message(name: str, on: dt.date, founded_on: dt.date | None,
                         deregistered_on: dt.date | None, revoked_on: dt.date | None,
                         what: str = "入会") -> str:
    """Why nothing can happen at `name` on `on` (a member joining, say): it is out of scope."""
    dates = f"成立 {day(founded_on, '不详')}，注销 {day(deregistered_on, '无')}"
    if revoked_on:
        dates += f"，吊销 {day(revoked_on)}"
    return (f"{name}在{what}日期 {on:%Y-%m-%d} 尚未成立或已注销、吊销（{dates}），"
            f"不能在该日{what}。")


# --- employees on D --------------------------------------------------------------------------
# The employee count (职工人数) from the latest survey on or before D, else the registered one.


def employees_on(registered: int, surveys: list[tuple[dt.date, int]], on: dt.date) -> int:
    """`surveys`: (surveyed_on, employees) pairs of one enterprise, in any order."""
    known = [(d, n) for d, n in surveys if d <= on]
    return max(known)[1] if known else registered


def with_employees_on(enterprises, on: dt.date):
    """The ORM twin of `employees_on`: enterprises annotated with `employees_on`."""
    surveys = enterprises.model._meta.get_field("surveys").related_model  # EmployeeSurvey
    latest = (
        surveys._base_manager.filter(enterprise=OuterRef("pk"), surveyed_on__lte=on)
        .order_by("-surveyed_on", "-pk").values("employees")[:1]
    )
    return enterprises.annotate(employees_on=Coalesce(Subquery(latest), "employees"))


# --- size (DOMAIN.md §4) ---------------------------------------------------------------------
# By the national classification for statistics (2017), industry, by employees: large ≥ 1000,
# medium 300-999, small 20-299, micro < 20; a user's override wins. The employee figure is the
# one of the statistics on D, so the size on D can change with a survey.

SCALE_BANDS = {"large": (1000, None), "medium": (300, 1000), "small": (20, 300), "micro": (0, 20)}


def scale_for_employees(employees: int | None) -> str:
    if employees is None:
        return ""
    for scale, (low, high) in SCALE_BANDS.items():
        if employees >= low and (high is None or employees < high):
            return scale
    return ""


def scale_q(scale: str, employees: str = "employees_on", override: str = "scale_override") -> Q:
    """Rows whose size is `scale`: the override, else the band of the `employees` lookup."""
    low, high = SCALE_BANDS[scale]
    by_employees = Q(**{override: "", f"{employees}__gte": low})
    if high is not None:
        by_employees &= Q(**{f"{employees}__lt": high})
    return Q(**{override: scale}) | by_employees


# --- dates and status agree ------------------------------------------------------------------

def date_and_status_errors(founded_on, deregistered_on, revoked_on, status: str) -> dict[str, str]:
    """What is wrong between an enterprise's dates and its operating status (field → message)."""
    errors: dict[str, str] = {}
    if founded_on and deregistered_on and deregistered_on <= founded_on:
        errors["deregistered_on"] = "注销日期必须晚于成立日期。"
    if founded_on and revoked_on and revoked_on <= founded_on:
        errors["revoked_on"] = "吊销日期必须晚于成立日期。"
    if status == OperatingStatus.DEREGISTERED and not deregistered_on:
        errors["deregistered_on"] = "经营状态为“注销”时请填写注销日期。"
    if deregistered_on and status != OperatingStatus.DEREGISTERED:
        errors["status"] = "已填写注销日期的企业，经营状态应为“注销”。"
    if status == OperatingStatus.REVOKED and not revoked_on:
        errors["revoked_on"] = "经营状态为“吊销”时请填写吊销日期（吊销之日起企业不再计入统计范围）。"
    if revoked_on and not deregistered_on and status != OperatingStatus.REVOKED:
        errors["status"] = "已填写吊销日期的企业，经营状态应为“吊销”（如已注销，请同时填写注销日期）。"
    return errors
