"""Users browsing a SQLite site while a big import writes (issue 14, point 5).

    uv run python benchmarks/busy_sqlite_bench.py                       # 100,000 rows, 10 users
    uv run python benchmarks/busy_sqlite_bench.py --rows 200000 --users 10 --port 8614
    uv run python benchmarks/busy_sqlite_bench.py --code /tmp/jh-base      # the same, other code

The issue's finding: with 10 users browsing during a 500k-row import, 2 logins got HTTP 500 and
6 pages HTTP 400 after ~21 s (`database is locked`, `SessionInterrupted`). This script makes a
fresh SQLite data dir (with the code under test: its migrations, its importers), loads a county
of --rows/100 enterprises with one union each and --users county administrators, writes
--rows valid member rows as a CSV, starts `jianhui serve` on --port and `jianhui import members`
beside it, and lets each user, until the import has ended, log in afresh (login page, POST),
then open the enterprise list and the members list, over and over (not the dashboard: before
the statistics were kept as daily deltas it took ~45 s by itself on SQLite with 100,000 members,
which hid what the import does). It prints every status code
seen by kind of request, the slowest request of each kind, and when the import's write phase
started and ended. A benchmark, never run by pytest.
"""

from __future__ import annotations

import argparse
import collections
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Busy-Bench-2024!"

PREPARE = """
import os, sys
sys.path.insert(0, {code!r})
sys.path.insert(1, {bench!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "jianhui.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import csv
from pathlib import Path
import import_bench
from django.contrib.auth import get_user_model
from jianhui.accounts.models import Assignment, Role
from jianhui.regions.models import Jurisdiction
work = Path({work!r})
firms = max({rows} // 100, 1)
import_bench.load_county(work, firms)
county = Jurisdiction.objects.get(code="510623")
for i in range({users}):
    user = get_user_model().objects.create_user(f"cadre{{i}}", password={password!r})
    Assignment.objects.create(user=user, role=Role.COUNTY_ADMIN, jurisdiction=county)
with (work / "members.csv").open("w", encoding="utf-8-sig", newline="") as fh:
    out = csv.writer(fh)
    out.writerow(import_bench.HEADER)
    for name, idn, phone, code, joined, left in import_bench.member_rows({rows}, firms):
        out.writerow([name, idn, phone, code, joined.isoformat(), left.isoformat() if left else ""])
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(code: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY")}
    env.update(JIANHUI_DATA_DIR=str(data), PYTHONPATH=str(code), PYTHONUNBUFFERED="1")
    return env


class Browser:
    """One user: a cookie jar and urllib, no redirects followed (a 302 is what a login gives)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body,
                                     headers={"Referer": self.base + path})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=600) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:  # refused, reset, timed out
            status, text = 0, str(exc)
        return status, text, time.perf_counter() - started


def browse(base: str, username: str, stop: threading.Event, seen: list) -> None:
    while not stop.is_set():
        user = Browser(base)
        status, page, seconds = user.request("/accounts/login/")
        seen.append(("login page", status, seconds, time.time()))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            time.sleep(0.5)
            continue
        status, _, seconds = user.request("/accounts/login/", {
            "csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD})
        seen.append(("login", status, seconds, time.time()))
        for _ in range(3):
            for path, what in (("/enterprises/", "enterprises"), ("/members/", "members")):
                status, _, seconds = user.request(path)
                seen.append((what, status, seconds, time.time()))
            if stop.is_set():
                break


def wait_for(port: int, server: subprocess.Popen) -> None:
    import socket

    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"the server ended: {server.stdout.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--port", type=int, default=8614)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jh-busy-bench"))
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    code = args.code.resolve()
    work = args.work / code.name
    shutil.rmtree(work, ignore_errors=True)
    data = work / "data"
    data.mkdir(parents=True)
    say(f"preparing {work}: migrate, {args.rows // 100} enterprises, {args.users} users, "
        f"{args.rows} member rows ...")
    script = PREPARE.format(code=str(code), bench=str(ROOT / "benchmarks"), work=str(work),
                            rows=args.rows, users=args.users, password=PASSWORD)
    subprocess.run([sys.executable, "-c", script], env=environment(code, data), cwd=str(code),
                   check=True)

    env = {**environment(code, data), "JIANHUI_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "serve", "--port",
                               str(args.port), "--threads", str(args.users + 2)],
                              env=env, cwd=str(code), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    server_log: list[str] = []
    try:
        wait_for(args.port, server)
        threading.Thread(target=lambda: server_log.extend(server.stdout), daemon=True).start()
        base = f"http://127.0.0.1:{args.port}"
        stop = threading.Event()
        seen: list[tuple[str, int, float, float]] = []
        users = [threading.Thread(target=browse, args=(base, f"cadre{i}", stop, seen))
                 for i in range(args.users)]
        for t in users:
            t.start()
        time.sleep(3)  # everyone is browsing before the import starts
        started = time.time()
        say("importing ...")
        importing = subprocess.run(
            [sys.executable, "-m", "jianhui.cli", "import", "members", str(work / "members.csv"),
             "--json"], env=env, cwd=str(code), capture_output=True, text=True)
        ended = time.time()
        stop.set()
        for t in users:
            t.join()
    finally:
        server.terminate()
        server.wait(30)
    try:
        outcome = json.loads(importing.stdout)
        imported = f"created {outcome['created']:,}, errors {len(outcome['errors'])}"
    except ValueError:
        imported = f"rc {importing.returncode}: {importing.stderr[-300:]}"
    during = [s for s in seen if s[3] >= started and s[3] - s[2] <= ended]  # overlapping it
    print(f"code: {code}")
    print(f"import of {args.rows:,} members: {ended - started:.1f} s, {imported}")
    print(f"{args.users} users, {len(during)} requests answered during the import")
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    slowest: dict[str, float] = collections.defaultdict(float)
    for what, status, seconds, _ in during:
        by_kind[what][status] += 1
        slowest[what] = max(slowest[what], seconds)
    for what in ("login page", "login", "enterprises", "members"):
        counts = ", ".join(f"HTTP {s}: {n}" for s, n in sorted(by_kind[what].items()))
        print(f"  {what:<11} {counts or '-':<40} slowest {slowest[what]:.1f} s")
    failed = sum(n for c in by_kind.values() for s, n in c.items() if s == 0 or s >= 400)
    print(f"failed (HTTP >= 400 or no answer): {failed}")
    errors = [line.strip() for line in server_log if "Error" in line or "locked" in line]
    if errors:
        print(f"server log: {len(errors)} error lines, e.g. {errors[0][:160]}")


if __name__ == "__main__":
    main()
