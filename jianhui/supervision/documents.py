"""Supervision's official documents (GB/T 9704, through jianhui.documents): the daily
bulletin, the criticism notice and the weekly meeting material. Each is rendered from stored
content, so a frozen bulletin renders the same words whatever the data says later."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from jianhui.documents import OfficialDocument, chinese_date
from jianhui.lib.numbers import percent

HEADER = "建会入会工作通报"


def issuer(campaign) -> str:
    """The issuing body: the federation of the campaign's jurisdiction (中江县总工会)."""
    return f"{campaign.jurisdiction.name}总工会"


def pct(value: float) -> str:
    return percent(Fraction(value).limit_denominator(10**9))


def points(change: float, unit: str = "个百分点") -> str:
    """A change of a rate in percentage points, signed (+1.2个百分点; 持平 when it rounds to 0)."""
    shown = pct(abs(change)).rstrip("%")
    if shown in {"0.0", "0"}:
        return "持平" if unit else "0.0"
    return f"{'+' if change > 0 else '-'}{shown}{unit}"


def rise(change: float) -> str:
    """提高0.6个百分点 / 下降0.6个百分点 / 持平."""
    shown = points(change)
    if shown == "持平":
        return shown
    return ("提高" if change > 0 else "下降") + shown[1:]


def month_day(on: dt.date) -> str:
    return f"{on.month}月{on.day}日"


def bulletin_text(campaign, content: dict[str, Any], names: dict[str, str]) -> list[tuple]:
    """The bulletin as (kind, payload) blocks, shared by the .docx and the HTML page."""
    on = dt.date.fromisoformat(content["date"])
    total = content["total"]
    since = dt.date.fromisoformat(total["since"])
    place = names.get(total["jurisdiction"], campaign.jurisdiction.name)
    blocks: list[tuple] = [("heading", "一、总体进展"), ("paragraph", (
        f"截至{chinese_date(on)}，{place}在册企业{total['enterprises']}家，已建会"
        f"{total['unionized']}家（单独建会{total['standalone']}家、联合建会{total['covered']}家），"
        f"建会率{pct(total['establishment_rate'])}；会员{total['members']:,}名，入会率"
        f"{pct(total['membership_rate'])}。与上一工作日（{month_day(since)}）相比，新增建会企业"
        f"{total['unionized_change']}家、会员{total['members_change']:,}名，建会率"
        f"{rise(total['establishment_rate_change'])}。"))]
    blocks.append(("heading", "二、各片区进度排名"))
    blocks.append(("paragraph", "按目标任务完成进度从高到低排列；完成进度低于时序进度的为进度滞后，"
                                "“比上日”为完成进度比上一工作日增减的百分点。"))
    blocks.append(("table", [
        [r["rank"], r["name"], pct(r["completion"]), pct(r["time_progress"]),
         points(r["change"], ""), "滞后" if r["lagging"] else "正常"]
        for r in content["ranking"]]))
    blocks.append(("heading", "三、进度滞后的片区"))
    lagging = [r for r in content["ranking"] if r["lagging"]]
    if lagging:
        named = "；".join(
            f"{r['name']}（完成进度{pct(r['completion'])}，时序进度{pct(r['time_progress'])}，"
            f"落后{points(r['time_progress'] - r['completion'])[1:]}）" for r in lagging)
        blocks.append(("paragraph", f"{named}。以上片区要查找原因，倒排工期，加快进度。"))
    else:
        blocks.append(("paragraph", "各片区完成进度均不低于时序进度。"))
    blocks.append(("heading", "四、新建会企业"))
    new = content["new_unionized"]
    if new:
        listed = "、".join(names.get(code, code) for code in new)
        blocks.append(("paragraph", f"自上期通报以来，新建会企业{len(new)}家：{listed}。"))
    else:
        blocks.append(("paragraph", "自上期通报以来，无新建会企业。"))
    blocks.append(("heading", "五、日报报送情况"))
    missing = content["missing_reports"]
    if missing:
        listed = "、".join(names.get(code, code) for code in missing)
        blocks.append(("paragraph", f"截至通报生成时，{listed}未报送当日日报，请立即补报。"))
    else:
        blocks.append(("paragraph", "各片区均已报送当日日报。"))
    return blocks


RANKING_HEADERS = ["排名", "片区", "完成进度", "时序进度", "比上日", "状态"]
RANKING_WIDTHS = [16, 40, 28, 28, 24, 20]


def bulletin_title(bulletin) -> str:
    campaign = bulletin.campaign
    work = "建会入会集中行动" if campaign.in_action(bulletin.on) else "建会入会工作"
    return f"{campaign.jurisdiction.name}{work}进展情况"


def bulletin_document(campaign, bulletin) -> bytes:
    content, names = bulletin.content, bulletin.names
    subtitle = f"（更正第{bulletin.corrects.issue_no}期）" if bulletin.corrects_id else None
    doc = OfficialDocument(header=HEADER, issuer=issuer(campaign), issue_no=bulletin.issue_no,
                           date=bulletin.on, title=bulletin_title(bulletin), subtitle=subtitle)
    if bulletin.corrects_id:
        doc.paragraph(f"本期更正{chinese_date(bulletin.corrects.on)}第{bulletin.corrects.issue_no}期"
                      f"通报：{bulletin.correction_note}原通报作废，以本期为准。")
    lagging_rows = [i for i, r in enumerate(content["ranking"]) if r["lagging"]]
    for kind, payload in bulletin_text(campaign, content, names):
        if kind == "heading":
            doc.heading(payload)
        elif kind == "paragraph":
            doc.paragraph(payload)
        elif kind == "table":
            doc.table(RANKING_HEADERS, payload, widths_mm=RANKING_WIDTHS,
                      align=["center", "left", "center", "center", "center", "center"],
                      highlight=lagging_rows)
    # A bulletin (简报) carries its issuing body and date in the header: no signature block.
    doc.colophon(printed_by=f"{issuer(campaign)}办公室", printed_on=bulletin.on,
                 copies_to="各片区包片领导，各工作专班")
    return doc.to_bytes()
