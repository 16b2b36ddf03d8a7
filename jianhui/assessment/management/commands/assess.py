"""`jianhui assess run|show|copy`: score a scheme, print it, copy last year's scheme."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

from jianhui.assessment import report, scoring, services
from jianhui.assessment.models import Scheme
from jianhui.lib.commands import BaseCommand, CommandError


def find_scheme(key: str | None) -> Scheme:
    """The scheme named by `key`, else the latest one; a Chinese error otherwise."""
    if key:
        scheme = Scheme.objects.filter(key=key).first()
        if scheme is None:
            known = "、".join(Scheme.objects.values_list("key", flat=True)[:10]) or "（尚无）"
            raise CommandError(f"没有编号为“{key}”的考核方案。已有的方案编号：{known}。")
        return scheme
    scheme = Scheme.objects.order_by("-year", "-as_of", "-pk").first()
    if scheme is None:
        raise CommandError("还没有考核方案：请先在后台“考核方案”中新建，或用 assess copy 复制去年的方案。")
    return scheme


class Command(BaseCommand):
    help = "专项考核：run 计算得分、排名和等级；show 显示结果；copy 复制去年的方案。"
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="操作",
                                    parser_class=type(parser))
        for name, text in (("run", "计算方案的全部得分、排名和等级（锁定的方案不再计算）"),
                           ("show", "显示方案的考核结果")):
            p = sub.add_parser(name, help=text, called_from_command_line=True)
            p.add_argument("--scheme", help="方案编号，默认为最近的方案")
            p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
        p = sub.add_parser("copy", help="把一个方案复制为下一年的草稿", called_from_command_line=True)
        p.add_argument("--scheme", help="要复制的方案编号，默认为最近的方案")
        p.add_argument("--key", required=True, help="新方案的编号，例如 2024")
        p.add_argument("--name", help="新方案的名称，默认把年份加一")

    def handle(self, *args, **options) -> None:
        scheme = find_scheme(options.get("scheme"))
        try:
            if options["action"] == "copy":
                new = services.copy_scheme(scheme, key=options["key"], name=options["name"])
                self.stdout.write(f"已复制“{scheme.key}”为“{new.key}”（{new.name}），"
                                  f"{new.indicators.count()} 项指标。")
                return
            if options["action"] == "run":
                scoring.run(scheme)
                scheme.refresh_from_db()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        data = report.as_json(scheme)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self._print(scheme, data)
        self.stderr.write(f"{scheme.name}（{scheme.get_status_display()}）：共 "
                          f"{len(data['results'])} 个被考核单位。")

    def _print(self, scheme: Scheme, data: dict) -> None:
        from rich.console import Console
        from rich.table import Table as RichTable

        out = self.stdout._out
        console = Console(file=out, width=None if out.isatty() else 200)
        kinds = {"area": "园区/乡镇", "organisation": "基层工会"}
        for kind, label in kinds.items():
            rows = [r for r in data["results"] if r["kind"] == kind]
            if not rows:
                continue
            table = RichTable(title=f"{scheme.name}：{label}排名（基准日 {scheme.as_of:%Y-%m-%d}）")
            for h in ("名次", "单位", "编号", "总分", "等级"):
                table.add_column(h, justify="right" if h in ("名次", "总分") else "left")
            for r in rows:
                table.add_row(str(r["rank"] or "—"), r["unit"], r["code"],
                              "—" if r["total"] is None else f"{r['total']:.2f}", r["grade"] or "—")
            console.print(table)
