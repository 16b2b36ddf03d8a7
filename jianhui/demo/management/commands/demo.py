from __future__ import annotations

from jianhui.dashboard.management.commands.serve import add_server_arguments, serve
from jianhui.demo.accounts import DEMO_USERS
from jianhui.lib.commands import BaseCommand

from .load_demo import prepare_demo


class Command(BaseCommand):
    help = "一条命令体验建会：迁移数据库、载入演示县、确保演示账号，并启动服务。"

    def add_arguments(self, parser) -> None:
        add_server_arguments(parser)

    def handle(self, *args, **options) -> None:
        password = prepare_demo(self.stderr)
        self.stderr.write(f"登录账号（密码均为 {password}）：")
        for username, display, area, _role in DEMO_USERS:
            self.stderr.write(f"  {username:<10} {display}（{area}）")
        self.stderr.write(f"请用浏览器打开 http://{options['host']}:{options['port']}/accounts/login/")
        serve(options["host"], options["port"], options["threads"], self.stderr,
              options["workers"])
