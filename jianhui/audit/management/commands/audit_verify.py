"""`jianhui audit-verify [--json]`: check the audit log's hash chain; exit 1 at the first
broken link, naming the event. Also run by `jianhui backup`."""

from __future__ import annotations

import json

from jianhui.audit.verify import verify_chain
from jianhui.lib.commands import BaseCommand


class Command(BaseCommand):
    help = "校验审计日志的哈希链：逐条核对，报告第一处被改动或删除的记录。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args, **options) -> None:
        result = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        style = self.style.SUCCESS if result.ok else self.style.ERROR
        self.stderr.write(result.summary(), style_func=style)
        if not result.ok:
            raise SystemExit(1)
