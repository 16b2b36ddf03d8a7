"""`jianhui rotate-keys`: a new field-encryption key, everything re-encrypted under it.

With --json, stdout holds only the JSON result; the progress bar and the summary go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jianhui.audit.log import operator, record
from jianhui.audit.models import Action
from jianhui.crypto.errors import CryptoError
from jianhui.crypto.keyring import decode_key
from jianhui.crypto.rotation import Rotation, count_rows, rotate
from jianhui.lib.commands import BaseCommand, CommandError


def audit(result: Rotation) -> None:
    """The rotation's audit event, written in the rotation's own transaction."""
    record(Action.KEY_ROTATION, username=operator(), object_repr="字段加密密钥",
           detail=result.as_json())


class Command(BaseCommand):
    help = ("轮换个人信息加密密钥：生成新密钥（或用 --key-file 指定），在一个事务中用新密钥重新加密"
            "全部身份证号和电话并重建检索索引，成功后才退役旧密钥。请在停止服务后运行。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--key-file", help="从文件读取新密钥（32 字节的 base64），默认随机生成")
        parser.add_argument("--batch-size", type=int, default=1000, help="每批处理的行数")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args, **options) -> None:
        key = None
        if options["key_file"]:
            path = Path(options["key_file"])
            try:
                key = decode_key(path.read_text(encoding="ascii"), f"文件 {path} ")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取密钥文件 {path}：{exc}") from exc
            except CryptoError as exc:
                raise CommandError(str(exc)) from exc
        try:
            with _progress(self.stderr, count_rows()) as advance:
                result = rotate(key, batch_size=max(1, options["batch_size"]), advance=advance,
                                record=audit)
        except CryptoError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        retired = "、".join(result.retired) or "无"
        where = (f"密钥文件 {result.keyring_file} 已更新" if result.keyring_file else
                 "密钥来自 JIANHUI_FIELD_KEY：现在可以从该变量中删去旧密钥")
        self.stderr.write(self.style.SUCCESS(
            f"已用新密钥 {result.new_key}（{result.cipher.upper()}）重新加密 "
            f"{sum(result.rows.values())} 行并重建检索索引，退役旧密钥 {retired}；{where}；"
            f"用时 {result.seconds:.1f} 秒。"))


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise a no-op callback."""

    def __init__(self, stream, total: int) -> None:
        self.stream, self.total, self.live = stream, total, None

    def __enter__(self):
        target = getattr(self.stream, "_out", self.stream)
        if not (hasattr(target, "isatty") and target.isatty()):
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.live = Progress("重新加密", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(file=sys.stderr), transient=True)
        self.live.start()
        task = self.live.add_task("rotate", total=self.total)
        return lambda n: self.live.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()
