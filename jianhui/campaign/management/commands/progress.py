"""`jianhui progress`: each target's progress on a date (for cron and for checking)."""

from __future__ import annotations

import json

from django.utils import timezone
from rich.console import Console
from rich.table import Table as RichTable

from jianhui.campaign.models import Campaign
from jianhui.campaign.progress import campaign_progress
from jianhui.lib.commands import BaseCommand, CommandError, parse_date
from jianhui.lib.numbers import percent


def find_campaign(key: str | None, on) -> Campaign:
    """The campaign named by `key`, else the one active on `on`; a Chinese error otherwise."""
    if key:
        campaign = Campaign.objects.filter(key=key).first()
        if campaign is None:
            known = "、".join(Campaign.objects.values_list("key", flat=True)[:10]) or "（尚无）"
            raise CommandError(f"没有编号为“{key}”的行动。已有的行动编号：{known}。")
        return campaign
    campaign = Campaign.objects.for_date(on)
    if campaign is None:
        raise CommandError(f"{on:%Y-%m-%d} 没有进行中的行动：请用 --campaign 指定行动编号。")
    return campaign


class Command(BaseCommand):
    help = "各辖区目标任务的完成进度、时序进度和是否滞后（口径见 docs/domain.md §2）。"
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--campaign", help="行动编号，默认为统计日期进行中的行动")
        parser.add_argument("--as-of", type=parse_date, default=None, help="统计日期，默认今天")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")

    def handle(self, *args, **options) -> None:
        on = options["as_of"] or timezone.localdate()
        campaign = find_campaign(options["campaign"], on)
        rows = campaign_progress(campaign, on)
        if options["json"]:
            self.stdout.write(json.dumps({
                "as_of": on.isoformat(), "campaign": campaign.key,
                "rows": [p.as_json() for p in rows],
            }, ensure_ascii=False))
            return
        out = self.stdout._out
        console = Console(file=out, width=None if out.isatty() else 200)
        table = RichTable(title=f"{campaign.name}目标进度（截至 {on:%Y-%m-%d}）")
        for label in ("辖区", "目标类型", "起点", "目标", "完成", "完成进度", "时序进度", "进度"):
            table.add_column(label, justify="left" if label in ("辖区", "目标类型") else "right")
        for p in rows:
            table.add_row(p.jurisdiction.name, p.target.get_kind_display(), p.shown(p.baseline),
                          p.shown(p.goal), p.shown(p.achieved), percent(p.completion),
                          percent(p.time_progress), "滞后" if p.lagging else "正常")
        console.print(table)
        lagging = sum(p.lagging for p in rows)
        self.stderr.write(f"共 {len(rows)} 项目标，{lagging} 项进度滞后。")
