"""The base of Jianhui's management commands: help and errors in Chinese, `usage` showing the
command as the user typed it (`jianhui load-demo`, not `load_demo`).

Every `jianhui` command subclasses `BaseCommand` from here instead of Django's. Django's own
commands (`migrate`, `createsuperuser` ...) keep Django's English.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys

from django.core.management import base as django_base
from django.core.management.base import (
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
    handle_default_options,
)
from django.db import connections

# Django's common options, in Chinese.
COMMON_HELP = {
    "help": "显示本帮助并退出",
    "version": "显示 Django 版本号并退出",
    "verbosity": "输出详细程度：0 最少，1 正常（默认），2 详细，3 非常详细",
    "settings": "Django 配置模块的 Python 路径，默认取环境变量 DJANGO_SETTINGS_MODULE（jianhui.settings）",
    "pythonpath": "加入 Python 搜索路径的目录",
    "traceback": "出错时显示完整的调用栈（排查问题时使用）",
    "no_color": "不使用彩色输出",
    "force_color": "强制使用彩色输出",
    "skip_checks": "跳过系统检查",
}

# argparse's own messages (English in the standard library), in Chinese.
ERRORS = [
    (re.compile(r"^the following arguments are required: (.+)$"), "缺少必填参数：{0}"),
    (re.compile(r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$"),
     "参数 {0} 的取值 {1} 无效，可选：{2}"),
    (re.compile(r"^argument (.+?): expected one argument$"), "参数 {0} 后面需要一个值"),
    (re.compile(r"^argument (.+?): expected at least one argument$"), "参数 {0} 后面至少需要一个值"),
    (re.compile(r"^argument (.+?): invalid \S+ value: (.+)$"), "参数 {0} 的取值 {1} 无效"),
    (re.compile(r"^argument (.+?): not allowed with argument (.+)$"), "参数 {0} 不能与 {1} 同时使用"),
    (re.compile(r"^argument (.+?): ignored explicit argument (.+)$"), "参数 {0} 不接受取值 {1}"),
    (re.compile(r"^unrecognized arguments: (.+)$"), "无法识别的参数：{0}"),
    (re.compile(r"^ambiguous option: (.+?) could match (.+)$"), "选项 {0} 有歧义，可能是：{1}"),
    (re.compile(r"^argument (.+?): (.+)$"), "参数 {0}：{1}"),  # a type's own (Chinese) message
]


def chinese_error(message: str) -> str:
    for pattern, text in ERRORS:
        if m := pattern.match(message):
            return text.format(*m.groups())
    return message


class ChineseHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        # argparse ends section headings with a half-width colon.
        return re.sub(r"^(\S[^\n]*):$", r"\1：", super().format_help(), flags=re.MULTILINE)


class ChineseParser(CommandParser):
    """Django's parser with Chinese section titles, help for -h and Chinese error messages."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(**kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        for action in self._actions:
            if action.dest == "help":
                action.help = COMMON_HELP["help"]

    def error(self, message):
        message = chinese_error(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}：错误：{message}\n")
        raise CommandError(message)

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "子命令")
        return super().add_subparsers(**kwargs)


def parse_date(value: str) -> dt.date:
    """An option's date (`type=parse_date`): YYYY-MM-DD, else a Chinese error with an example."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD，例如 2023-09-29，收到“{value}”。") from exc


def typed_name(subcommand: str) -> str:
    """The command as the user typed it: `jianhui load-demo` arrives as `load_demo` (module
    names need underscores), and `usage` should show what the user wrote."""
    for arg in sys.argv[1:3]:
        if arg.replace("-", "_") == subcommand:
            return arg
    return subcommand.replace("_", "-")


class BaseCommand(django_base.BaseCommand):
    """Base of every jianhui command. Subclasses give `help` and a help text for every option."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        """Django's parser and common options (BaseCommand.create_parser), said in Chinese."""
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        parser = ChineseParser(
            prog=f"{os.path.basename(prog_name)} {typed_name(subcommand)}",
            description=self.help or None,
            missing_args_message=getattr(self, "missing_args_message", None),
            called_from_command_line=getattr(self, "_called_from_command_line", None),
            **kwargs,
        )
        add = self.add_base_argument
        add(parser, "--version", action="version", version=self.get_version(),
            help=COMMON_HELP["version"])
        add(parser, "-v", "--verbosity", default=1, type=int, choices=[0, 1, 2, 3],
            help=COMMON_HELP["verbosity"])
        add(parser, "--settings", help=COMMON_HELP["settings"])
        add(parser, "--pythonpath", help=COMMON_HELP["pythonpath"])
        add(parser, "--traceback", action="store_true", help=COMMON_HELP["traceback"])
        add(parser, "--no-color", action="store_true", help=COMMON_HELP["no_color"])
        add(parser, "--force-color", action="store_true", help=COMMON_HELP["force_color"])
        if self.requires_system_checks:
            parser.add_argument("--skip-checks", action="store_true",
                                help=COMMON_HELP["skip_checks"])
        self.add_arguments(parser)
        return parser

    def run_from_argv(self, argv):
        """As Django's, with errors printed as 「错误：...」 rather than `CommandError: ...`."""
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        try:
            options = parser.parse_args(argv[2:])
        except CommandError as e:  # an option's type refused its value (a date, a code ...)
            self.stderr.write(f"错误：{e}")
            sys.exit(2)
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except CommandError as e:
            if options.traceback:
                raise
            if isinstance(e, SystemCheckError):
                self.stderr.write(str(e), lambda x: x)
            else:
                self.stderr.write(f"错误：{e}")
            sys.exit(e.returncode)
        finally:
            try:
                connections.close_all()
            except Exception:  # noqa: BLE001 - as Django: the connection may not be configured
                pass


__all__ = ["BaseCommand", "CommandError", "parse_date"]
