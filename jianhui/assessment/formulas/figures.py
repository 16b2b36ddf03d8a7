"""Formulas over the figures of DOMAIN.md §2 (jianhui.statistics): establishment rate,
membership rate, members recruited per 100 employees. For an area the inputs carry the keys
and values of `jianhui stats --json` for its row on the assessment date."""

from __future__ import annotations

from fractions import Fraction
from urllib.parse import urlencode

from jianhui.lib.numbers import percent, rate

from .base import AREA, ORGANISATION, Measure, formula


def _q(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}"


def _number(value: Fraction) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@formula("establishment_rate", "建会率", "建会率 = 已建会企业数 ÷ 在册企业数（考核基准日）",
         {AREA}, "统计口径")
def establishment_rate(ctx, unit) -> Measure:
    f = ctx.area_figures(ctx.on)[ctx.on, unit.code]
    value = f.establishment_rate
    day = ctx.on.isoformat()
    return Measure(
        value=value, shown=percent(value),
        inputs={"enterprises": f.enterprises, "unionized": f.unionized,
                "establishment_rate": float(value)},
        words=f"建会率 = 已建会 {f.unionized} 家 ÷ 在册 {f.enterprises} 家 = {percent(value)}",
        links=[("已建会企业名单", _q("/enterprises/", jurisdiction=unit.code, status="unionized",
                                 as_of=day)),
               ("未建会企业名单", _q("/enterprises/", jurisdiction=unit.code,
                                 status="not_unionized", as_of=day))],
    )


@formula("membership_rate", "入会率",
         "入会率 = 会员人数 ÷ 已建会企业职工人数（考核基准日；基层工会为其覆盖企业）",
         {AREA, ORGANISATION}, "统计口径")
def membership_rate(ctx, unit) -> Measure:
    day = ctx.on.isoformat()
    if unit.kind == AREA:
        f = ctx.area_figures(ctx.on)[ctx.on, unit.code]
        value = f.membership_rate
        return Measure(
            value=value, shown=percent(value),
            inputs={"members": f.members, "employees_unionized": f.employees_unionized,
                    "membership_rate": float(value)},
            words=(f"入会率 = 会员 {f.members:,} 名 ÷ 已建会企业职工 {f.employees_unionized:,} 名"
                   f" = {percent(value)}"),
            links=[("会员名册", _q("/members/", jurisdiction=unit.code, as_of=day)),
                   ("已建会企业名单", _q("/enterprises/", jurisdiction=unit.code,
                                     status="unionized", as_of=day))],
        )
    f = ctx.organisation_figures(ctx.on)[unit.organisation_id]
    value = f.membership_rate
    return Measure(
        value=value, shown=percent(value),
        inputs={"members": f.members, "employees": f.employees, "enterprises": f.enterprises,
                "membership_rate": float(value)},
        words=(f"入会率 = 会员 {f.members:,} 名 ÷ 覆盖的 {f.enterprises} 家企业职工 "
               f"{f.employees:,} 名 = {percent(value)}"),
        links=[("会员名册", _q("/members/", organisation=unit.code, as_of=day)),
               ("工会组织及覆盖企业", f"/unions/{unit.code}/")],
    )


@formula("members_per_100", "每百名职工新增会员",
         "每百名职工新增会员 = （考核基准日会员数 − 行动开始日会员数）÷ 考核基准日职工人数 × 100",
         {AREA, ORGANISATION}, "统计口径")
def members_per_100(ctx, unit) -> Measure:
    start = ctx.campaign.start_on
    if unit.kind == AREA:
        grid = ctx.area_figures(ctx.on)
        now, before = grid[ctx.on, unit.code], grid[start, unit.code]
        members, members_start, employees = now.members, before.members, now.employees
        where = "在册企业职工"
        links = [("会员名册", _q("/members/", jurisdiction=unit.code, as_of=ctx.on.isoformat()))]
    else:
        now = ctx.organisation_figures(ctx.on)[unit.organisation_id]
        before = ctx.organisation_figures(start)[unit.organisation_id]
        members, members_start, employees = now.members, before.members, now.employees
        where = "覆盖企业职工"
        links = [("会员名册", _q("/members/", organisation=unit.code, as_of=ctx.on.isoformat()))]
    value = rate(members - members_start, employees) * 100
    return Measure(
        value=value, shown=f"{_number(value)} 名",
        inputs={"members": members, "members_at_start": members_start, "employees": employees,
                "start": start.isoformat(), "members_per_100": float(value)},
        words=(f"（{members:,} − {members_start:,}）÷ {where} {employees:,} × 100 = "
               f"{_number(value)} 名"),
        links=links,
    )
