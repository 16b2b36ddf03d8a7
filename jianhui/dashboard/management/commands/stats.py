from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from rich.console import Console
from rich.table import Table as RichTable

from jianhui import statistics
from jianhui.lib.commands import BaseCommand, CommandError, parse_date
from jianhui.statistics.columns import FIGURE_COLUMNS


class Command(BaseCommand):
    help = "按日期统计各辖区的建会入会数据（口径见 docs/domain.md §2）。"
    requires_system_checks = []  # a statistics query: Django's system checks cost seconds

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=parse_date, default=None, help="统计日期，默认今天")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
        parser.add_argument(
            "--verify", action="store_true",
            help="核对：在统计日期、前一天和此前 12 个月的月末，逐辖区逐项比较快速统计与逐条核算"
                 "的结果，有不一致时列出并以非零状态退出")

    def handle(self, *args, **options) -> None:
        on = options["as_of"] or timezone.localdate()
        if options["verify"]:
            return self.verify(on, options["json"])
        result = statistics.table(on)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        out = self.stdout._out
        console = Console(file=out, width=None if out.isatty() else 200)
        t = RichTable(title=f"建会入会统计（截至 {on:%Y-%m-%d}）")
        t.add_column("辖区", justify="left")
        for label in FIGURE_COLUMNS.headers():
            t.add_column(label, justify="right")
        rows = [("  " * (r.jurisdiction.depth) + r.jurisdiction.name, r.figures)
                for r in result.rows]
        top = min((r.jurisdiction.depth for r in result.rows), default=0)
        if sum(r.jurisdiction.depth == top for r in result.rows) != 1:
            rows.append(("合计", result.total))
        for name, f in rows:
            t.add_row(name, *FIGURE_COLUMNS.texts(f, grouping=False))
        console.print(t)
        self.stderr.write(f"共 {len(result.rows)} 个辖区。")

    def verify(self, on: dt.date, as_json: bool) -> None:
        from jianhui.dashboard.views import month_points
        from jianhui.statistics.verify import differences, rule25_differences

        dates = sorted({on, on - dt.timedelta(days=1), *month_points(on)})
        found = [*differences(dates), *rule25_differences(dates)]
        if as_json:
            self.stdout.write(json.dumps({
                "as_of": on.isoformat(), "dates": [d.isoformat() for d in dates],
                "differences": [d.as_json() if hasattr(d, "as_json") else {"message": d}
                                for d in found]}, ensure_ascii=False))
        else:
            for d in found[:50]:
                self.stderr.write(str(d))
        if found:
            raise CommandError(f"快速统计与逐条核算有 {len(found)} 处不一致；"
                               "请运行 jianhui stats-rebuild 重建统计数据，并报告此问题。")
        if not as_json:
            self.stdout.write(f"核对通过：{len(dates)} 个日期的全部辖区、全部指标一致。")
