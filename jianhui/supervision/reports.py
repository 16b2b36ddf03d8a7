"""Daily reports: which days are due, what the data already says for a day, and completeness
and timeliness per area (submitted / due; on time / due, as DHIS2 reports them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from jianhui import statistics
from jianhui.campaign.models import Campaign, Outreach
from jianhui.enterprises.models import EmployeeSurvey
from jianhui.lib.numbers import rate
from jianhui.lib.workdays import is_working_day, previous_working_day, working_days
from jianhui.regions.models import Jurisdiction

from .models import DailyReport, SupervisionRules


def areas(campaign: Campaign) -> list[Jurisdiction]:
    """The areas the campaign supervises: its 包片 areas in their order, else the jurisdictions
    of its targets below the campaign's own."""
    found = [a.jurisdiction for a in campaign.areas.select_related("jurisdiction")]
    if found:
        return found
    seen = {}
    for t in campaign.targets.select_related("jurisdiction").order_by("jurisdiction__path"):
        if t.jurisdiction_id != campaign.jurisdiction_id:
            seen.setdefault(t.jurisdiction_id, t.jurisdiction)
    return list(seen.values())


def report_period(campaign: Campaign) -> tuple[dt.date, dt.date]:
    """Reports are due during the concentrated action, else over the whole campaign."""
    if campaign.action_start and campaign.action_end:
        return campaign.action_start, campaign.action_end
    return campaign.start_on, campaign.deadline


def report_due(campaign: Campaign, on: dt.date) -> bool:
    """Is a daily report due on `on` (a working day of the reporting period)?"""
    start, end = report_period(campaign)
    return start <= on <= end and is_working_day(on)


def due_days(campaign: Campaign, until: dt.date) -> list[dt.date]:
    start, end = report_period(campaign)
    return list(working_days(start, min(end, until)))


@dataclass(frozen=True)
class Prefilled:
    """What the data knows for an area's day: the change of unionized enterprises and members
    since the previous working day (statistics), and the enterprises visited that day."""

    since: dt.date
    new_unions: int
    new_members: int
    visits: int


def prefilled(campaign: Campaign, area: Jurisdiction, on: dt.date) -> Prefilled:
    return prefilled_series(campaign, [area], [on])[area.code, on]


def prefilled_series(campaign: Campaign, places: list[Jurisdiction],
                     days: list[dt.date]) -> dict[tuple[str, dt.date], Prefilled]:
    """`prefilled` for many areas and days, with one statistics call for all of them."""
    since = {on: previous_working_day(on) for on in days}
    grid = statistics.figures(sorted(set(days) | set(since.values())), places)
    out = {}
    for area in places:
        in_area = {"enterprise__jurisdiction__path__startswith": area.path}
        visited: dict[dt.date, set[int]] = {}
        for on, pk in Outreach.objects.filter(campaign=campaign, on__in=days, **in_area
                                              ).values_list("on", "enterprise_id"):
            visited.setdefault(on, set()).add(pk)
        for on, pk in EmployeeSurvey.objects.filter(surveyed_on__in=days, **in_area
                                                    ).values_list("surveyed_on", "enterprise_id"):
            visited.setdefault(on, set()).add(pk)
        for on in days:
            before, now = grid[since[on], area.code], grid[on, area.code]
            out[area.code, on] = Prefilled(
                since=since[on], new_unions=now.unionized - before.unionized,
                new_members=now.members - before.members, visits=len(visited.get(on, ())))
    return out


@dataclass(frozen=True)
class Completeness:
    area: Jurisdiction
    due: int
    submitted: int
    on_time: int
    missing: list[dt.date]
    late: list[dt.date]

    @property
    def completeness(self) -> Fraction:
        return rate(self.submitted, self.due)

    @property
    def timeliness(self) -> Fraction:
        return rate(self.on_time, self.due)


def completeness(campaign: Campaign, until: dt.date,
                 only: list[Jurisdiction] | None = None) -> list[Completeness]:
    """Per area, the reports due on the working days of the reporting period up to `until`,
    those submitted, and those submitted before the cut-off hour of their day."""
    cutoff = SupervisionRules.of(campaign).report_cutoff_hour
    days = due_days(campaign, until)
    wanted = only if only is not None else areas(campaign)
    reports: dict[tuple[int, dt.date], DailyReport] = {
        (r.jurisdiction_id, r.on): r for r in DailyReport.objects.filter(
            campaign=campaign, on__in=days, jurisdiction__in=wanted)}
    out = []
    for area in wanted:
        missing, late = [], []
        for day in days:
            report = reports.get((area.pk, day))
            if report is None:
                missing.append(day)
            elif not report.on_time(cutoff):
                late.append(day)
        submitted = len(days) - len(missing)
        out.append(Completeness(area=area, due=len(days), submitted=submitted,
                                on_time=submitted - len(late), missing=missing, late=late))
    return out
