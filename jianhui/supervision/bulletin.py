"""The daily bulletin (每天一通报): its content for a campaign and a date, numbered 第N期 and
frozen once issued.

Every number comes from `jianhui.statistics` (headline figures, newly unionized enterprises by
the union-status rule) and `jianhui.campaign.progress` (completion, 时序进度, lagging): nothing
here computes them again. The ranking is the areas' progress on their primary target (the
unionized enterprises when the area has that target), best first.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from jianhui import statistics
from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.campaign.models import Campaign, TargetKind
from jianhui.campaign.progress import Progress, campaign_progress
from jianhui.enterprises.models import Enterprise
from jianhui.lib.workdays import previous_working_day
from jianhui.unions.models import Coverage
from jianhui.unions.rules import UNION_STATUS, with_union_status

from . import reports
from .models import Bulletin, DailyReport

# Which target ranks an area, in order of preference.
PRIMARY_KINDS = [TargetKind.UNIONIZED, TargetKind.ESTABLISHMENT_RATE, TargetKind.MEMBERS,
                 TargetKind.MEMBERSHIP_RATE]


class BulletinError(Exception):
    """A request for a bulletin that cannot be met (Chinese message)."""


_memo: ContextVar[dict | None] = ContextVar("bulletin_memo", default=None)


@contextmanager
def reuse_figures():
    """Within a batch of bulletins over unchanging data (the demo's two months), each day's
    progress and figures are asked for once instead of once per bulletin that mentions it."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _once(key: tuple, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def primary_progress(campaign: Campaign, on: dt.date) -> dict[str, Progress]:
    """Each area's progress on its primary target, by jurisdiction code."""
    return _once(("progress", campaign.pk, on), lambda: _primary_progress(campaign, on))


def _primary_progress(campaign: Campaign, on: dt.date) -> dict[str, Progress]:
    codes = {a.code for a in reports.areas(campaign)}
    best: dict[str, Progress] = {}
    for p in campaign_progress(campaign, on):
        code = p.jurisdiction.code
        if code not in codes:
            continue
        if code not in best or (PRIMARY_KINDS.index(p.target.kind)
                                < PRIMARY_KINDS.index(best[code].target.kind)):
            best[code] = p
    return best


def ranking(campaign: Campaign, on: dt.date, since: dt.date) -> list[dict[str, Any]]:
    """The areas by completion, best first (equal completion shares a rank), with 时序进度,
    lagging and the change of completion since `since`."""
    now, before = primary_progress(campaign, on), primary_progress(campaign, since)
    rows = sorted(now.values(), key=lambda p: (-p.completion, p.jurisdiction.code))
    out, rank, previous = [], 0, None
    for i, p in enumerate(rows, start=1):
        if p.completion != previous:
            rank, previous = i, p.completion
        code = p.jurisdiction.code
        change = p.completion - before[code].completion if code in before else 0
        out.append({"rank": rank, "code": code, "name": p.jurisdiction.name,
                    "completion": float(p.completion), "time_progress": float(p.time_progress),
                    "lagging": p.lagging, "change": float(change)})
    return out


def unionized_codes(campaign: Campaign, on: dt.date) -> dict[str, str]:
    """Credit code → name of the enterprises of the campaign's jurisdiction unionized on `on`."""
    return _once(("unionized", campaign.pk, on), lambda: _unionized_codes(campaign, on))


def _unionized_codes(campaign: Campaign, on: dt.date) -> dict[str, str]:
    enterprises = Enterprise.objects.in_scope(on).filter(
        jurisdiction__path__startswith=campaign.jurisdiction.path)
    status = with_union_status(enterprises, on, Coverage.objects).filter(
        UNION_STATUS["unionized"][1])
    return dict(status.values_list("credit_code", "name"))


def _figures(campaign: Campaign, on: dt.date):
    root = campaign.jurisdiction
    return _once(("figures", campaign.pk, on),
                 lambda: statistics.figures([on], [root])[on, root.code])


def last_issue_before(campaign: Campaign, on: dt.date) -> Bulletin | None:
    return campaign.bulletins.filter(on__lt=on).order_by("-on", "-issue_no").first()


@dataclass
class Content:
    """A bulletin's public content (the --json) and the names it mentions."""

    data: dict[str, Any]
    names: dict[str, str]


def build(campaign: Campaign, on: dt.date, issue_no: int) -> Content:
    since = previous_working_day(on)
    now, before = _figures(campaign, on), _figures(campaign, since)
    total = {
        "jurisdiction": campaign.jurisdiction.code, "since": since.isoformat(),
        "enterprises": now.enterprises, "unionized": now.unionized,
        "standalone": now.standalone, "covered": now.covered,
        "establishment_rate": float(now.establishment_rate), "members": now.members,
        "membership_rate": float(now.membership_rate),
        "unionized_change": now.unionized - before.unionized,
        "members_change": now.members - before.members,
        "establishment_rate_change": float(now.establishment_rate - before.establishment_rate),
    }
    rows = ranking(campaign, on, since)
    previous = last_issue_before(campaign, on)
    new_since = previous.on if previous is not None else since
    unionized_now = unionized_codes(campaign, on)
    unionized_before = unionized_codes(campaign, new_since)
    new = sorted(set(unionized_now) - set(unionized_before))
    area_list = reports.areas(campaign)
    missing: list[str] = []
    if reports.report_due(campaign, on):
        reported = set(DailyReport.objects.filter(campaign=campaign, on=on)
                       .values_list("jurisdiction__code", flat=True))
        missing = [a.code for a in area_list if a.code not in reported]
    names = {a.code: a.name for a in area_list}
    names[campaign.jurisdiction.code] = campaign.jurisdiction.name
    names.update({code: unionized_now[code] for code in new})
    data = {
        "campaign": campaign.key, "issue_no": issue_no, "date": on.isoformat(), "total": total,
        "ranking": rows, "lagging": [r["code"] for r in rows if r["lagging"]],
        "new_unionized": new, "missing_reports": missing,
    }
    return Content(data=data, names=names)


def current(campaign: Campaign, on: dt.date) -> Bulletin | None:
    """The issue in force for `on`: the latest issued for that date (a correction replaces)."""
    return campaign.bulletins.filter(on=on).order_by("-issue_no").first()


def issue(campaign: Campaign, on: dt.date, *, reissue: bool = False, note: str = "",
          user=None, by_name: str = "", render: bool = True) -> tuple[Bulletin, bool]:
    """The bulletin for `on`: the one already issued (frozen, returned as it was), or a new
    issue numbered after the campaign's last. With `reissue`, a new issue that corrects the
    one in force for that date. Returns (bulletin, newly issued).

    `render=False` (a batch of past issues, as the demo's) leaves the .docx to
    `issued_document`, which renders it from the frozen content when first asked for."""
    from .documents import bulletin_document

    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one number at a time
        existing = current(campaign, on)
        if existing is not None and not reissue:
            return existing, False
        if reissue and existing is None:
            raise BulletinError(f"{on:%Y-%m-%d} 还没有签发通报，无需更正：请去掉 --reissue 直接生成。")
        if reissue and not note.strip():
            note = "根据更正后的数据重新通报。"
        last = campaign.bulletins.order_by("-issue_no").values_list("issue_no", flat=True).first()
        number = (last or 0) + 1
        content = build(campaign, on, number)
        bulletin = Bulletin(campaign=campaign, issue_no=number, on=on, content=content.data,
                            names=content.names, corrects=existing if reissue else None,
                            correction_note=note.strip() if reissue else "",
                            issued_by=user if getattr(user, "is_authenticated", False) else None,
                            issued_by_name=by_name or getattr(user, "username", "") or "")
        bulletin.document = bulletin_document(campaign, bulletin) if render else b""
        bulletin.save()
        record(Action.CREATE, user=user, model="supervision.Bulletin",
               object_key=f"{campaign.key}/{number}", object_repr=str(bulletin),
               username=by_name, detail={"kind": "bulletin", "date": on.isoformat(),
                                         "corrects": existing.issue_no if reissue else None})
    return bulletin, True


def issued_document(bulletin: Bulletin) -> bytes:
    """The issue's .docx. One issued without it (`render=False`) is rendered from its frozen
    content and names on first request and kept, so every later download is the same file."""
    if not bulletin.document:
        from .documents import bulletin_document

        bulletin.document = bulletin_document(bulletin.campaign, bulletin)
        Bulletin.objects.filter(pk=bulletin.pk).update(document=bulletin.document)
    return bytes(bulletin.document)
