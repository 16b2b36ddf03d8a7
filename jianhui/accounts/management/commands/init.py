"""`jianhui init`: start with one's own county (or city, or province).

    jianhui init                                  (asks for each value)
    jianhui init --name 旌阳区 --code 510603 [--parent-name 德阳市] --admin officer --password-stdin

Migrates the database, creates the top jurisdiction and its first county administrator, and
prints the next steps. Refused on a database that already has a top jurisdiction.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from django.core.management import call_command

from jianhui.accounts import firstrun
from jianhui.accounts.services import UserAdminError
from jianhui.lib.commands import BaseCommand, CommandError
from jianhui.regions.models import TOP_KINDS, Jurisdiction, JurisdictionKind


def top_kind(text: str) -> str:
    for code, label in JurisdictionKind.choices:
        if text in (code, label) and code in TOP_KINDS:
            return code
    raise argparse.ArgumentTypeError(f"“{text}”不是顶级辖区的类型，可选：省、市、县、区")


class Command(BaseCommand):
    help = ("初始化：建立本县（区、市、省）这个顶级辖区和第一个县总工会管理员，然后按提示导入数据。"
            "只能运行一次。不给参数时逐项询问。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", help="顶级辖区的名称，如 旌阳区")
        parser.add_argument("--code", help="行政区划代码，如 510603")
        parser.add_argument("--parent-name", default="",
                            help="上级名称，只用于全称（如 德阳市 → 德阳市旌阳区），不建立上级辖区")
        parser.add_argument("--kind", type=top_kind, default=None,
                            help="类型：省、市、县或区；默认按名称的最后一个字判断")
        parser.add_argument("--admin", help="第一个管理员的用户名（县总工会管理员）")
        parser.add_argument("--admin-name", default="", help="管理员的中文姓名")
        parser.add_argument("--password-stdin", action="store_true",
                            help="从标准输入读取管理员密码（第一行）；不给时在终端中输入两次")

    def handle(self, *args, **options) -> None:
        interactive = sys.stdin.isatty() and not options["password_stdin"]
        if not interactive:  # say what is missing before touching the database
            for flag in ("name", "code", "admin"):
                if not options[flag]:
                    self._ask("", False, f"--{flag}")
        call_command("migrate", interactive=False, verbosity=0)
        top = Jurisdiction.objects.tops().first()
        if top is not None:
            raise CommandError(firstrun.already_initialised_message(top))
        name = options["name"] or self._ask("顶级辖区名称（如 旌阳区）", interactive, "--name")
        code = options["code"] or self._ask("行政区划代码（如 510603）", interactive, "--code")
        parent = options["parent_name"]
        if interactive and not options["name"]:
            parent = input("上级名称，只用于全称（如 德阳市，可留空）：").strip()
        admin = options["admin"] or self._ask("管理员用户名", interactive, "--admin")
        password = self._password(options["password_stdin"], interactive)
        try:
            done = firstrun.initialise(name=name, code=code, parent_name=parent, admin=admin,
                                       password=password, kind=options["kind"] or "",
                                       admin_name=options["admin_name"])
        except UserAdminError as exc:
            raise CommandError(str(exc)) from exc
        j = done.jurisdiction
        self.stdout.write(
            f"已初始化：{j.full_name or j.name}（{firstrun.kind_label(j.kind)}，代码 {j.code}），"
            f"管理员 {done.user.username}（县总工会管理员）。", style_func=self.style.SUCCESS)
        self.stdout.write(firstrun.NEXT_STEPS.format(admin=done.user.username, name=j.name))

    def _ask(self, prompt: str, interactive: bool, flag: str) -> str:
        if not interactive:
            raise CommandError(f"缺少 {flag}：不在终端中运行时请用参数给出"
                               "（jianhui init --name 旌阳区 --code 510603 --admin 用户名 --password-stdin）。")
        while True:
            value = input(f"{prompt}：").strip()
            if value:
                return value
            self.stderr.write("不能为空，请重新输入。")

    def _password(self, from_stdin: bool, interactive: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("标准输入中没有读到密码。")
            return password
        if not interactive:
            raise CommandError("请用 --password-stdin 从标准输入给出管理员密码。")
        while True:
            first = getpass.getpass("管理员密码（至少 10 位，含三类字符）：")
            if first and first == getpass.getpass("再输入一次："):
                return first
            self.stderr.write("两次输入不一致或为空，请重新输入。")
