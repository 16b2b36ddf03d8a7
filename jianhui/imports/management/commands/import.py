"""`jianhui import KIND FILE`: validate a spreadsheet, then write all of it or nothing.

Exit 0 when imported (or, with --dry-run, when valid), 1 on validation errors. With --json,
stdout holds only the JSON report; the progress bar and the summary line go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jianhui.imports.kinds import KINDS
from jianhui.imports.kinds.base import MODES
from jianhui.imports.services import import_file
from jianhui.lib.commands import BaseCommand, CommandError

PHASES = {"read": "读取校验", "check": "比对数据库", "write": "写入"}
SHOWN = 200  # issues of each level written to stderr; the rest are counted (and in --json)


class Command(BaseCommand):
    help = ("导入辖区、企业、工会组织、覆盖关系或会员（.xlsx/.xls/.csv），全部校验通过才写入。"
            "新县请按 jurisdictions → enterprises → unions → coverage → members 的顺序导入。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=list(KINDS), metavar="KIND", help="导入内容：" + " ".join(
            f"{k}（{c.label}）" for k, c in KINDS.items()))
        parser.add_argument("file", metavar="FILE", help="要导入的文件（.xlsx、.xls 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--mode", choices=MODES, default="upsert",
                            help="upsert 新增或更新（默认）；create 仅新增；update 仅更新")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--user", default=None,
                            help="以哪个系统用户的名义导入：只能导入该用户有导入权限的辖区内的数据，"
                                 "用户名不存在时拒绝执行；不给则记录为操作系统用户，不限范围")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        kind = options["kind"]
        scope = _scope_of(options["user"])
        with _progress(self.stderr) as progress:
            report = import_file(kind, path, mode=options["mode"], dry_run=options["dry_run"],
                                 user=options["user"], progress=progress,
                                 scope=scope,
                                 audit=_audit(kind, options["mode"], path, options["user"]))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            for label, issues in (("错误", report.errors), ("提示", report.warnings)):
                for i in issues[:SHOWN]:
                    where = f"第{i.row}行 [{i.column}] {i.value}" if i.row else "整个文件"
                    self.stderr.write(f"{label} {where}：{i.message}")
                if issues.total > SHOWN:
                    self.stderr.write(f"……另有 {issues.total - SHOWN} 处{label}未显示（共 "
                                      f"{issues.total} 处；--json 列出前 {len(issues)} 处）。")
        style = self.style.ERROR if report.errors else self.style.SUCCESS
        self.stderr.write(report.summary(KINDS[kind].label, options["dry_run"]), style_func=style)
        if report.errors:
            raise SystemExit(1)


def _audit(kind: str, mode: str, path: Path, username: str | None):
    """The audit event of a CLI import, as a web import has one (written or not): it names
    --user, else the operating-system user, and always the OS user who ran the command."""

    def audit(report) -> None:
        from django.contrib.auth import get_user_model

        from jianhui.audit.log import login_name, operator, record
        from jianhui.audit.models import Action

        user = (get_user_model().objects.filter(username=username).first()
                if username else None)
        record(Action.IMPORT, user=user, username=username or operator(),
               model="imports.ImportRecord", object_key=str(report.record_id or ""),
               object_repr=f"{KINDS[kind].label}导入（命令行）：{path.name}"[:200],
               detail={"kind": kind, "mode": mode, "file": path.name, "cli": True,
                       "os_user": login_name(), "written": report.written, "rows": report.rows,
                       "created": report.created, "updated": report.updated,
                       "unchanged": report.unchanged, "errors": report.errors.total,
                       "warnings": report.warnings.total, "record": report.record_id})

    return audit


def _scope_of(username: str | None) -> list[str] | None:
    """The CLI writes everywhere, unless --user names a web user: then where that user may
    import (the jurisdictions in which they hold the import right)."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    from jianhui.accounts.rights import Right, right_paths

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(
            f"没有用户名为“{username}”的用户，未导入任何数据。请核对用户名（jianhui users list "
            "列出全部用户），或不带 --user 以操作系统用户的名义导入。")
    return right_paths(user, Right.IMPORT)


class _progress:
    """A rich progress display on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.live = None

    def __enter__(self):
        target = getattr(self.stream, "_out", self.stream)
        if not (hasattr(target, "isatty") and target.isatty()):
            return None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.live = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                             TextColumn("{task.completed} 行"), TimeElapsedColumn(),
                             console=Console(file=sys.stderr), transient=True)
        self.live.start()
        task = self.live.add_task("读取校验", total=None)

        def update(phase: str, done: int) -> None:
            self.live.update(task, description=PHASES.get(phase, phase), completed=done)

        return update

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()
