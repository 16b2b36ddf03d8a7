"""The results notice (考核结果通报) as an official document (GB/T 9704, through
jianhui.documents), written from the stored results: a locked assessment's notice reads the
same whatever the data says later. Before locking it is marked as a draft for publication."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jianhui.documents import OfficialDocument, chinese_date

from .models import Accountability, Grade, Scheme, Status, TiltPlan, UnitKind


def issuer(scheme: Scheme) -> str:
    return f"{scheme.campaign.jurisdiction.name}总工会"


def _points(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def notice_title(scheme: Scheme) -> str:
    title = f"关于{scheme.name}结果的通报"
    return title if scheme.status == Status.LOCKED else title + "（公示稿）"


def results_notice(scheme: Scheme) -> bytes:
    on = scheme.locked_at.astimezone(timezone.get_current_timezone()).date() if (
        scheme.locked_at) else timezone.localdate()
    body = issuer(scheme)
    doc = OfficialDocument(header=f"{body}文件", issuer=body, date=on, title=notice_title(scheme))
    areas = list(scheme.units.filter(kind=UnitKind.AREA).order_by("rank", "order"))
    orgs = list(scheme.units.filter(kind=UnitKind.ORGANISATION).order_by("rank", "order"))
    area_names = {u.code: u.name for u in areas}
    doc.paragraph("各园区、乡镇工会，各基层工会：")
    doc.paragraph(
        f"根据{scheme.name}方案，县总工会以{chinese_date(scheme.as_of)}为考核基准日，对"
        f"{len(areas)}个园区、乡镇和{len(orgs)}个基层工会的建会入会工作进行了考核。数据类指标由"
        "建会平台按统一口径计算，评审类指标由考核组评分并说明理由"
        + ("，经公示和异议复核，考核结果已锁定。" if scheme.locked else "，现予公示。")
        + "现将结果通报如下。")
    doc.heading("一、园区、乡镇考核结果")
    doc.table(["名次", "单位", "总分", "等级"],
              [[u.rank, u.name, _points(u.total), u.get_grade_display()] for u in areas],
              widths_mm=[20, 76, 30, 30], align=["center", "left", "right", "center"])
    doc.heading("二、基层工会考核结果")
    counts = {g: sum(1 for u in orgs if u.grade == g) for g in Grade}
    doc.paragraph("、".join(f"{g.label}{counts[g]}个" for g in Grade if counts[g]) + "。"
                  if orgs else "本次考核没有基层工会。")
    excellent = [u.name for u in orgs if u.grade == Grade.EXCELLENT]
    if excellent:
        doc.paragraph("、".join(excellent) + "。", bold_lead="考核优秀的基层工会：")
    if orgs:
        doc.table(["名次", "基层工会", "所属片区", "总分", "等级"],
                  [[u.rank, u.name, area_names.get(u.area_code, ""), _points(u.total),
                    u.get_grade_display()] for u in orgs],
                  widths_mm=[16, 72, 24, 22, 22],
                  align=["center", "left", "center", "right", "center"])
    tilt = list(TiltPlan.objects.filter(unit__scheme=scheme).select_related("unit")
                .order_by("unit__kind", "unit__rank"))
    fails = list(Accountability.objects.filter(unit__scheme=scheme).select_related("unit")
                 .order_by("unit__kind", "unit__rank", "pk"))
    section = iter("三四五六")
    if tilt:
        doc.heading(f"{next(section)}、资源倾斜")
        doc.paragraph(f"对排名前{scheme.tilt_top_n}名的基层工会，县总工会在人员和经费上给予倾斜：")
        doc.table(["名次", "基层工会", "增加工作人员", "补助经费（元）"],
                  [[p.unit.rank, p.unit.name, f"{p.staff_positions}名", f"{p.funds:,.2f}"]
                   for p in tilt], widths_mm=[16, 80, 30, 30],
                  align=["center", "left", "center", "right"])
    if fails:
        doc.heading(f"{next(section)}、考核问责")
        for a in fails:
            linked = "；".join(e.get("text", "") for e in a.escalations)
            doc.paragraph(f"{a.note}" + (f"（督办记录：{linked}）" if linked else ""),
                          bold_lead=f"{a.unit.name}（{a.get_measure_display()}）：")
    doc.heading(f"{next(section)}、工作要求")
    doc.paragraph("各园区、乡镇工会和基层工会要对照考核结果查找差距，巩固建会成果，提高入会率；"
                  "考核不合格的单位要在规定时间内完成整改，并将整改情况报县总工会。")
    doc.signature()
    doc.colophon(printed_by=f"{body}办公室", printed_on=on)
    return doc.to_bytes()


def notice_filename(scheme: Scheme, on: dt.date | None = None) -> str:
    return f"{scheme.name}结果通报.docx"
