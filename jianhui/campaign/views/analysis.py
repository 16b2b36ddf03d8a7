"""专题研判: the classification of the un-unionized enterprises by size and employee band,
with the route each class suggests, per area; exported as the table a party-group meeting
reads, beside each area's strategy and responsibilities."""

from __future__ import annotations

from django.shortcuts import render

from jianhui.enterprises.models import Enterprise
from jianhui.lib.xlsx import INT, TEXT, Column, Styled
from jianhui.web.exporting import Export

from ..analysis import classify
from ..models import CampaignArea
from .common import campaign_day, campaign_of


def analysis(request, key: str):
    campaign = campaign_of(request, key)
    on = campaign_day(request, campaign)
    areas = list(CampaignArea.objects.within(request.scope).filter(campaign=campaign)
                 .select_related("jurisdiction"))
    codes = [a.jurisdiction.code for a in areas]
    enterprises = Enterprise.objects.within(request.scope).filter(
        jurisdiction__path__startswith=campaign.jurisdiction.path)
    result = classify(enterprises, on, {a.jurisdiction.code: a.jurisdiction.path for a in areas})
    bands, scales = list(result.band_rows(codes)), list(result.scale_rows(codes))
    export = Export(request, pii=False)
    if export.ready():
        columns = [Column("类别"), Column("建议建会方式", TEXT, wrap=True)]
        for a in areas:
            columns += [Column(f"{a.jurisdiction.name}（家）", INT),
                        Column(f"{a.jurisdiction.name}职工（人）", INT)]
        columns += [Column("合计（家）", INT), Column("合计职工（人）", INT)]

        def rows():
            yield [Styled("按职工人数", bold=True)]
            for _, label, route, cells, total in bands:
                yield [label, route, *[v for c in cells for v in (c.count, c.employees)],
                       total.count, total.employees]
            yield [Styled("按企业规模", bold=True)]
            for _, label, cells, total in scales:
                yield [label, "", *[v for c in cells for v in (c.count, c.employees)],
                       total.count, total.employees]

        return export.send(
            f"未建会企业分类研判_{campaign.key}_{on:%Y-%m-%d}.xlsx", columns, rows(),
            model="campaign.analysis", sheet="分类研判", autofilter=False,
            title=f"{campaign.jurisdiction.name}未建会企业分类研判表（截至{on.year}年{on.month}月{on.day}日）")
    return render(request, "campaign/analysis.html", {
        "campaign": campaign, "on": on, "areas": areas, "bands": bands, "scales": scales,
        "result": result, "export": export, "count": len(result.enterprises),
    })
