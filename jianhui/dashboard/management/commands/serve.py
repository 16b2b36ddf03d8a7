from __future__ import annotations

import os
import signal
import socket
import sys

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from jianhui.accounts import firstrun
from jianhui.lib.commands import BaseCommand


def default_workers() -> int:
    """One process per core where processes can be forked (one Python process uses one core:
    the GIL); elsewhere (Windows) one process and its threads."""
    return (os.cpu_count() or 1) if hasattr(os, "fork") else 1


def serve(host: str, port: int, threads: int, out, workers: int = 1) -> None:
    """Serve the application with waitress (runs on Linux and Windows servers alike), in
    `workers` forked processes sharing one listening socket where the platform forks.

    Database connections: each waitress thread keeps its own connection open between requests
    (CONN_MAX_AGE), so a server holds at most workers × threads connections (the pool size:
    2 workers × 8 threads = 16 by default on a 2-core machine; PostgreSQL allows 100).
    """
    from django.core.wsgi import get_wsgi_application

    from jianhui.web.security import chinese_413_in_waitress

    application = get_wsgi_application()  # what jianhui/wsgi.py serves, settings already set
    chinese_413_in_waitress()

    if host not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):
        settings.ALLOWED_HOSTS.append(host)
    workers = max(1, workers if hasattr(os, "fork") else 1)
    out.write(f"建会已启动：http://{host}:{port}/  （{workers} 个进程 × {threads} 个线程，"
              "Ctrl+C 停止）\n")
    out.flush()
    if workers == 1:
        _waitress(application, threads, host=host, port=port)
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    connections.close_all()  # each worker opens its own after the fork
    _supervise(lambda: _waitress(application, threads, sockets=[listener]), workers)


def _waitress(application, threads: int, **where) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(application, threads=threads, ident="jianhui",
                   clear_untrusted_proxy_headers=True, **where, **waitress_options())


def _supervise(run, workers: int) -> None:
    """Fork the workers, start a new one when one dies, stop them all on SIGTERM/SIGINT."""
    children: set[int] = set()
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                run()
            finally:
                os._exit(0)
        children.add(pid)

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            sys.stderr.write(f"工作进程 {pid} 已退出，正在重新启动。\n")
            spawn()


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
    parser.add_argument("--threads", type=int, default=8, help="每个进程处理请求的线程数，默认 8")
    parser.add_argument(
        "--workers", type=int, default=default_workers(),
        help="进程数，默认等于 CPU 核数（Windows 上为 1：用线程）；每个线程保持一个数据库连接")


class Command(BaseCommand):
    help = "以生产方式提供服务：自动迁移数据库，使用 waitress 服务（多核时多进程），静态文件由应用直接提供。"

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
        serve(options["host"], options["port"], options["threads"], self.stderr,
              options["workers"])
