from __future__ import annotations

import sys
import time

from django.conf import settings
from django.core.management import call_command

from jianhui.demo.accounts import demo_password, ensure_demo_accounts
from jianhui.demo.campaign import load_demo_campaign
from jianhui.demo.county import load_demo_county
from jianhui.demo.supervision import load_demo_supervision
from jianhui.lib.commands import BaseCommand


class Command(BaseCommand):
    help = "迁移数据库，在空库中载入演示县（中江县），并确保演示账号存在。重复运行不会改变数据。"

    def handle(self, *args, **options) -> None:
        prepare_demo(self.stderr)


def prepare_demo(out=sys.stderr) -> str:
    """Migrate, load the county if the database is empty, ensure accounts; return password."""
    call_command("migrate", interactive=False, verbosity=0)
    started = time.monotonic()
    counts = load_demo_county()
    if counts is None:
        out.write("数据库中已有数据，未重复载入演示县。\n")
    else:
        out.write(
            f"已载入演示县：{counts['enterprises']} 家企业、{counts['organisations']} 个工会组织、"
            f"{counts['members']} 条会员记录（{time.monotonic() - started:.1f} 秒）。\n"
        )
    password = demo_password()
    accounts = ensure_demo_accounts(password)
    if load_demo_campaign() is not None:
        out.write("已载入演示县的建会入会行动（2023-zj）。\n")
    supervision = load_demo_supervision() if settings.JIANHUI_DEMO_SUPERVISION else None
    if supervision is not None:
        out.write(f"已载入集中行动的督导记录：{supervision['daily_reports']} 份日报、"
                  f"{supervision['bulletins']} 期通报、{supervision['inspections']} 次督导、"
                  f"{supervision['meetings']} 次推进会。\n")
    out.write("演示账号：" + "，".join(f"{u}（{a}）" for u, _, a in accounts) + "\n")
    return password
