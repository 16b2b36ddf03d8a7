from __future__ import annotations

import json
import time

from jianhui.lib.commands import BaseCommand
from jianhui.statistics import sync


class Command(BaseCommand):
    help = "从业务数据重新计算统计用的预计算数据（企业、会员、工会组织的区间与每日增减），在一个事务内完成。"
    requires_system_checks = []  # statistics only: no need to wait for Django's checks

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        counts = sync.rebuild(progress=lambda n: self.stderr.write(f"已处理 {n} 家企业……"))
        seconds = time.monotonic() - started
        if options["json"]:
            self.stdout.write(json.dumps({**counts, "seconds": seconds}, ensure_ascii=False))
            return
        self.stdout.write(
            f"已重建统计数据：{counts['enterprises']} 家企业、{counts['organisations']} 个工会组织、"
            f"{counts['counted']} 段会员计数区间、{counts['days']} 条每日增减，"
            f"用时 {seconds:.1f} 秒。")
