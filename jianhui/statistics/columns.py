"""The figure table's columns: one specification read by the dashboard, its .xlsx export and
`jianhui stats`, so that they show the same figures under the same labels."""

from __future__ import annotations

from jianhui.lib.tables import INT, NUMBER, PERCENT, Field, Table

FIGURE_COLUMNS = Table([
    Field("enterprises", "企业", INT, help="统计日在统计范围内的企业（已成立、未注销、未吊销）"),
    Field("unionized", "已建会", INT),
    Field("standalone", "单独建会", INT),
    Field("covered", "联合建会", INT),
    Field("not_unionized", "未建会", INT),
    Field("establishment_rate", "建会率", PERCENT, help="已建会企业 ÷ 企业"),
    Field("committees", "基层工会委员会", INT),
    Field("joint_unions", "联合基层工会", INT),
    Field("federations", "工会联合会", INT),
    Field("employees", "职工", NUMBER),
    Field("employees_unionized", "已建会企业职工", NUMBER),
    Field("members", "会员", NUMBER),
    Field("membership_rate", "入会率", PERCENT, help="会员 ÷ 已建会企业职工"),
    Field("rule25_warnings", "应单独建会", INT, help="会员满 25 人仍为联合建会的企业"),
])
