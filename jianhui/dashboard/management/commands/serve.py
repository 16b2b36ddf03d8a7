from __future__ import annotations

from django.conf import settings
from django.core.management import call_command

from jianhui.accounts import firstrun
from jianhui.lib.commands import BaseCommand


def serve(host: str, port: int, threads: int, out) -> None:
    """Serve the application with waitress (runs on Linux and Windows servers alike)."""
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    from jianhui.web.security import chinese_413_in_waitress

    application = get_wsgi_application()  # what jianhui/wsgi.py serves, settings already set
    chinese_413_in_waitress()

    if host not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):
        settings.ALLOWED_HOSTS.append(host)
    out.write(f"建会已启动：http://{host}:{port}/  （Ctrl+C 停止）\n")
    out.flush()
    waitress_serve(application, host=host, port=port, threads=threads, ident="jianhui",
                   clear_untrusted_proxy_headers=True, **waitress_options())


def waitress_options() -> dict:
    """The request size cap (also for bodies sent without a length) and, behind a reverse
    proxy, which X-Forwarded-* headers of that proxy to believe: the client's address (for
    the audit log) and the scheme (HTTPS, so that CSRF's origin check and secure cookies work).
    """
    options: dict = {"max_request_body_size": settings.JIANHUI_MAX_REQUEST_BYTES}
    if settings.JIANHUI_TRUSTED_PROXY:
        options.update(trusted_proxy=settings.JIANHUI_TRUSTED_PROXY, trusted_proxy_count=1,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"})
    return options


def add_server_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="监听地址，默认 127.0.0.1（只允许本机访问）；0.0.0.0 表示所有网卡")
    parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
    parser.add_argument("--threads", type=int, default=8, help="处理请求的线程数，默认 8")


class Command(BaseCommand):
    help = "以生产方式提供服务：自动迁移数据库，使用 waitress 服务，静态文件由应用直接提供。"

    def add_arguments(self, parser) -> None:
        add_server_arguments(parser)

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if firstrun.is_empty():
            token = firstrun.issue_token()
            host = "127.0.0.1" if options["host"] in ("0.0.0.0", "::") else options["host"]
            self.stderr.write(
                "数据库是空的，请先初始化（建立本县和第一个管理员）。初始化链接（只能使用一次）：\n"
                f"  http://{host}:{options['port']}/accounts/init/?token={token}\n"
                "（从其他电脑打开时把地址换成本服务器的地址；也可以停止服务后运行 jianhui init。）")
        serve(options["host"], options["port"], options["threads"], self.stderr)
