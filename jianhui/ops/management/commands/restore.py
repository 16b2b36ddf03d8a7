"""`jianhui restore IN [--force] [--json]`: restore a backup onto an empty data dir and an
empty database; every checksum is verified before anything is changed."""

from __future__ import annotations

import json
from pathlib import Path

from jianhui.audit.log import login_name
from jianhui.lib.commands import BaseCommand, CommandError
from jianhui.ops.database import ENGINE_LABELS
from jianhui.ops.datadir import OpsError
from jianhui.ops.restore import restore_backup


class Command(BaseCommand):
    help = ("从 jianhui backup 生成的备份恢复到空的数据目录和空数据库：先校验全部文件，"
            "再恢复数据库、密钥和附件，最后执行迁移并核对各表行数。")
    # Checks may open the database, and the target must stay untouched until verified.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", metavar="IN", help="备份文件（.tar.gz）")
        parser.add_argument("--force", action="store_true",
                            help="目标非空时仍然恢复：原有文件先移到数据目录下的 before-restore-时间 目录")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--user", default=None, help="记录的操作人（默认为操作系统用户）")

    def handle(self, *args, **options) -> None:
        try:
            result = restore_backup(Path(options["archive"]), force=options["force"],
                                    username=options["user"] or login_name(),
                                    log=self.stderr.write)
        except OpsError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result["warnings"]:
            self.stderr.write(f"注意：{warning}", style_func=self.style.WARNING)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        for label in result["mismatches"]:
            c = result["row_counts"][label]
            self.stderr.write(f"行数不一致：{label} 备份中 {c['backup']} 行，恢复后 {c['restored']} 行",
                              style_func=self.style.ERROR)
        rows = sum(c["backup"] for c in result["row_counts"].values())
        migrated = (f"执行了 {len(result['migrations_applied'])} 个新迁移"
                    if result["migrations_applied"] else "无需新迁移")
        summary = (f"已从 {result['file']}（备份于 {result['backup_created_at']}）恢复到 "
                   f"{ENGINE_LABELS[result['engine']]}：{len(result['row_counts'])} 张表共 {rows} 行，"
                   f"密钥文件 {len(result['keys'])} 个（{'、'.join(result['keys']) or '无'}），"
                   f"附件 {result['attachments']} 个；{migrated}。")
        if result["set_aside"]:
            summary += f"原有文件已移到 {result['set_aside']}。"
        if result["mismatches"]:
            self.stderr.write(summary + f"有 {len(result['mismatches'])} 张表行数与备份不一致！",
                              style_func=self.style.ERROR)
            raise SystemExit(1)
        self.stderr.write(summary + "各表行数与备份一致。", style_func=self.style.SUCCESS)
