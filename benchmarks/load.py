"""Pages under load (issue 10, part 5): N users, each asking for a page, waiting, asking again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/jh_scale \\
        uv run python benchmarks/load.py --start-server --port 8771 --workers 2 --seconds 60

A bounded asyncio client, no dependency: each user holds one keep-alive HTTP/1.1 connection,
sends one request, reads the whole response, waits --think seconds, and so on, so the offered
load is about users / (think + latency) requests a second (32 users at 1 s: ~30/s). The pages:
the dashboard of the root (`/?j=<root>`, as of --as-of), the enterprise list, the member list and the page
of a random enterprise with members, in turn at random. Logged in as a superuser through a
session made in the database (no password, no TOTP step), as `bench`.

With --start-server it starts `jianhui serve --workers N` on DATABASE_URL itself and stops it
afterwards; otherwise it measures the server at --host:--port (same database). It prints, per
page: requests, errors, p50, p95 and max latency; and the requests a second. The first
--warmup seconds are not counted. Never run by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics as stats
import subprocess
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")


def session_cookie() -> tuple[str, list[str], str]:
    """A logged-in session of the superuser `bench`, some enterprise pages, the root code."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from jianhui.enterprises.models import Enterprise
    from jianhui.regions.models import Jurisdiction

    user = get_user_model().objects.filter(username="bench").first() or \
        get_user_model().objects.create_superuser("bench", password=None)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    ids = list(Enterprise.objects.filter(members__isnull=False).values_list(
        "credit_code", flat=True).distinct()[:200])
    root = Jurisdiction.objects.filter(parent__isnull=True).order_by("pk").first()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", \
        [f"/enterprises/{c}/" for c in ids], root.code


async def fetch(reader, writer, host: str, path: str, cookie: str) -> int:
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                  "Connection: keep-alive\r\n\r\n").encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, chunked = None, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def user(n: int, args, cookie: str, pages: list[tuple[str, str]], enterprise_pages,
               until: float, counted_from: float, results, errors) -> None:
    rng = random.Random(n)
    await asyncio.sleep(rng.random() * args.think)  # not all at once
    reader, writer = await asyncio.open_connection(args.host, args.port)
    host = f"{args.host}:{args.port}"
    while time.monotonic() < until:
        kind, path = rng.choice(pages)
        if kind == "enterprise page":
            path = rng.choice(enterprise_pages)
        started = time.perf_counter()
        try:
            status = await fetch(reader, writer, host, path, cookie)
        except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
            status = 0
            writer.close()
            reader, writer = await asyncio.open_connection(args.host, args.port)
        elapsed = time.perf_counter() - started
        if time.monotonic() >= counted_from:
            results[kind].append(elapsed)
            if status != 200:
                errors[kind] += 1
        await asyncio.sleep(args.think)
    writer.close()


def cpu_seconds(root_pid: int | None) -> tuple[float, float]:
    """CPU time (user + system) so far of the server (root_pid and its children) and of every
    PostgreSQL process on this machine (Linux /proc; zeros elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    server = database = 0.0
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0.0, 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if root_pid is not None and root_pid in (pid, ppid):
            server += used
        elif comm.startswith("postgres"):
            database += used
    return server, database


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args, cookie: str, enterprise_pages: list[str], root: str,
              server_pid: int | None = None) -> None:
    on = f"as_of={args.as_of}" if args.as_of else ""
    # The root named: a superuser with no role of its own is shown the no-role page at "/".
    pages = [("dashboard", f"/?j={root}&{on}"), ("enterprise list", f"/enterprises/?{on}"),
             ("members list", f"/members/?{on}"), ("enterprise page", "")]
    start = time.monotonic()
    counted_from = start + args.warmup
    cpu_before: tuple[float, float] | None = None

    async def mark() -> None:
        nonlocal cpu_before
        await asyncio.sleep(args.warmup)
        cpu_before = cpu_seconds(server_pid)
    until = counted_from + args.seconds
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    await asyncio.gather(mark(), *(user(n, args, cookie, pages, enterprise_pages, until,
                                        counted_from, results, errors)
                                   for n in range(args.users)))
    cpu_after = cpu_seconds(server_pid)
    total = sum(len(v) for v in results.values())
    print(f"{args.users} users, {args.think:g} s think time, {args.seconds} s measured "
          f"(root {root}): {total / args.seconds:.1f} requests/s")
    print(f"{'page':18}{'requests':>9}{'errors':>8}{'p50':>9}{'p95':>9}{'max':>9}")
    every = []
    for kind, _ in pages:
        times = results[kind]
        every += times
        if times:
            print(f"{kind:18}{len(times):9}{errors[kind]:8}{stats.median(times) * 1000:7.0f}ms"
                  f"{percentile(times, 95) * 1000:7.0f}ms{max(times) * 1000:7.0f}ms")
    if every:
        print(f"{'all':18}{len(every):9}{sum(errors.values()):8}"
              f"{stats.median(every) * 1000:7.0f}ms{percentile(every, 95) * 1000:7.0f}ms"
              f"{max(every) * 1000:7.0f}ms")
    if server_pid is not None and cpu_before is not None and total:
        # Requests still in flight at the end make this a slight overestimate.
        server, database = (a - b for a, b in zip(cpu_after, cpu_before, strict=True))
        print(f"CPU a request: server {server / total * 1000:.1f} ms, PostgreSQL "
              f"{database / total * 1000:.1f} ms (all PostgreSQL processes on this machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--as-of", default="", help="the pages' as-of date (default: today)")
    parser.add_argument("--start-server", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    cookie, enterprise_pages, root = session_cookie()
    server = None
    if args.start_server:
        server = subprocess.Popen(
            [sys.executable, "-m", "jianhui.cli", "serve", "--host", args.host, "--port",
             str(args.port), "--workers", str(args.workers), "--threads", str(args.threads)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(240):
            try:
                with __import__("socket").create_connection((args.host, args.port), 1):
                    break
            except OSError:
                time.sleep(0.5)
        keep = os.environ.get("JIANHUI_KEEP_PAGES", "1")
        print(f"server: jianhui serve --workers {args.workers} --threads {args.threads}"
              f" (JIANHUI_KEEP_PAGES={keep})")
    try:
        asyncio.run(run(args, cookie, enterprise_pages, root,
                        server.pid if server is not None else None))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
