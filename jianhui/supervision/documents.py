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


# --- 书面通报批评 -------------------------------------------------------------------------

def criticism_notice(step) -> bytes:
    """The criticism notice of a confirmed step: the unit named, the facts from the data."""
    from jianhui.lib.workdays import add_working_days

    case = step.escalation
    campaign, area = case.campaign, case.jurisdiction
    on = step.confirmed_at.date() if step.confirmed_at else step.on
    doc = OfficialDocument(header=HEADER, issuer=issuer(campaign), date=on,
                           title=f"关于对{area.name}{case.get_trigger_display()}的通报批评")
    doc.addressee(f"{area.name}工会：")
    doc.paragraph(f"在{campaign.name}中，{step.reason}")
    facts = step.facts or {}
    if "completion" in facts and "time_progress" in facts and "完成进度" not in step.reason:
        doc.paragraph(f"截至{chinese_date(step.on)}，你单位目标任务完成进度为{pct(facts['completion'])}，"
                      f"时序进度为{pct(facts['time_progress'])}。")
    due = add_working_days(on, 3)
    doc.paragraph("根据集中行动“三天一督导、每天一通报”的工作要求，经县总工会领导确认，现对你单位"
                  f"予以书面通报批评。请你单位认真查找原因，于{chinese_date(due)}前将整改措施书面报县总工会，"
                  "并在每日日报中报告进展。")
    doc.signature(issuer(campaign), on)
    doc.colophon(printed_by=f"{issuer(campaign)}办公室", printed_on=on,
                 copies_to="各片区包片领导，各工作专班")
    return doc.to_bytes()


# --- 每周推进会 ---------------------------------------------------------------------------

def meeting_material(campaign, week_end: dt.date, *, progress_rows, escalations, items) -> bytes:
    """The weekly progress meeting's material: progress per area since last week, the lagging
    areas, open escalations and the items due. `progress_rows` are (name, completion last
    week, completion now, 时序进度, lagging) with completions as floats."""
    week_start = week_end - dt.timedelta(days=6)
    doc = OfficialDocument(header="建会入会工作推进会材料", issuer=issuer(campaign), date=week_end,
                           title=f"{month_day(week_start)}至{month_day(week_end)}工作进展")
    doc.heading("一、各片区本周进展")
    doc.table(["片区", "上周进度", "本周进度", "本周增减", "时序进度", "状态"],
              [[name, pct(before), pct(now), points(now - before, ""), pct(tp),
                "滞后" if lag else "正常"] for name, before, now, tp, lag in progress_rows],
              widths_mm=[32, 28, 28, 22, 26, 20],
              align=["left", "center", "center", "center", "center", "center"],
              highlight=[i for i, r in enumerate(progress_rows) if r[4]])
    doc.heading("二、进度滞后的片区")
    lagging = [r[0] for r in progress_rows if r[4]]
    doc.paragraph(("、".join(lagging) + "完成进度低于时序进度，请包片领导重点研究。") if lagging
                  else "各片区完成进度均不低于时序进度。")
    doc.heading("三、未办结的督办事项")
    if escalations:
        for e in escalations:
            step = e.current()
            state = f"{step.get_kind_display()}（{step.get_status_display()}）" if step else "—"
            doc.paragraph(f"{e.jurisdiction.name}：{e.get_trigger_display()}，"
                          f"{month_day(e.opened_on)}提出，目前为{state}。")
    else:
        doc.paragraph("无。")
    doc.heading("四、到期和逾期的工作事项")
    if items:
        doc.table(["事项", "责任人", "时限", "状态"],
                  [[text, owner, f"{due:%m-%d}", state] for text, owner, due, state in items],
                  widths_mm=[84, 26, 22, 24], align=["left", "center", "center", "center"])
    else:
        doc.paragraph("无。")
    doc.colophon(printed_by=f"{issuer(campaign)}办公室", printed_on=week_end)
    return doc.to_bytes()
