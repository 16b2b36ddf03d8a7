"""`jianhui backup OUT [--json]`: one .tar.gz with the database, key files, attachments and
a manifest of checksums. Safe to run while the server is running."""

from __future__ import annotations

import json
from pathlib import Path

from jianhui.audit.log import login_name
from jianhui.lib.commands import BaseCommand, CommandError
from jianhui.ops.backup import make_backup
from jianhui.ops.database import ENGINE_LABELS
from jianhui.ops.datadir import OpsError


class Command(BaseCommand):
    help = ("备份数据库、密钥文件和附件到一个 .tar.gz 文件（附清单和校验值）；服务运行中也可备份。"
            "OUT 为已有目录时自动命名为 jianhui-backup-时间.tar.gz。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", metavar="OUT", help="备份文件（.tar.gz）或已有目录")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--user", default=None, help="记录的操作人（默认为操作系统用户）")

    def handle(self, *args, **options) -> None:
        try:
            summary = make_backup(Path(options["out"]), username=options["user"] or login_name())
        except OpsError as exc:
            raise CommandError(str(exc)) from exc
        for warning in summary["warnings"]:
            self.stderr.write(f"注意：{warning}", style_func=self.style.WARNING)
        self.stderr.write(
            "注意：备份中含有密钥文件和全部个人信息（文件权限已设为 0600）。请把它保存在只有管理员能"
            "访问的安全位置，不要通过邮件、即时通讯或共享盘传送。", style_func=self.style.WARNING)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        rows = sum(summary["row_counts"].values())
        self.stderr.write(
            f"已备份到 {summary['file']}（{summary['size'] / 1e6:.1f} MB，"
            f"{ENGINE_LABELS[summary['engine']]}，{len(summary['row_counts'])} 张表共 {rows} 行，"
            f"{summary['files']} 个文件；SHA-256 {summary['sha256']}）。",
            style_func=self.style.SUCCESS)
