from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def serve(host: str, port: int, threads: int, out) -> None:
    """Serve the application with waitress (runs on Linux and Windows servers alike)."""
    from waitress import serve as waitress_serve

    from jianhui.wsgi import application

    if host not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):
        settings.ALLOWED_HOSTS.append(host)
    out.write(f"建会已启动：http://{host}:{port}/  （Ctrl+C 停止）\n")
    out.flush()
    # Bodies a little over the upload limit still reach the import page, which explains the
    # limit in Chinese; far larger ones are refused by waitress before they fill the disk.
    body_limit = 2 * settings.JIANHUI_UPLOAD_MAX_MB * 1024 * 1024 + (1 << 20)
    waitress_serve(application, host=host, port=port, threads=threads, ident="jianhui",
                   clear_untrusted_proxy_headers=True, max_request_body_size=body_limit)


def add_server_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)


class Command(BaseCommand):
    help = "以生产方式提供服务：自动迁移数据库，使用 waitress 服务，静态文件由应用直接提供。"

    def add_arguments(self, parser) -> None:
        add_server_arguments(parser)

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        serve(options["host"], options["port"], options["threads"], self.stderr)
