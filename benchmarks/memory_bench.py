"""Peak memory of an import: a 50 MB CSV, a 50 MB .xlsx and the 400 KB bomb (issue 14, point 2).

    uv run python benchmarks/memory_bench.py                    # files in /tmp/jh-memory-bench
    uv run python benchmarks/memory_bench.py --work DIR --mb 50
    uv run python benchmarks/memory_bench.py --code /tmp/jh-base   # the same files, other code
    uv run python benchmarks/memory_bench.py --only bad cli-bomb   # the issue's other two files

Prepares once (kept in --work): a SQLite database with the county, 5,000 enterprises and their
unions loaded through jianhui's importers, then member files of about --mb MB: a CSV (UTF-8
with BOM) and an .xlsx (openpyxl, write-only; an .xlsx of the same rows is smaller, so it gets
more rows, up to Excel's sheet limit), and the bomb: an .xlsx of ~400 KB whose one cell holds
400 MB of text. Each file is then imported (`import_file("members", ..., dry_run=True)`: read,
validate every row, check against the database; no write) in a fresh process, which reports
its peak RSS (`getrusage`), its RSS before the import and the wall time. --code runs those
processes on another checkout (e.g. `git archive main | tar -x -C /tmp/jh-base`) to measure
before and after on the same files. A benchmark, never run by pytest.

Two more files from the issue's findings: `bad`, a 33 MB CSV of 4,000,000 rows that are all
wrong (three errors a row; main kept every one: 4.9 GB), imported the same way; and `cli-bomb`,
an .xlsx of ~1.5 MB whose one cell holds 1.5 GB, given to `jianhui import members FILE` (no
--json, so every problem goes to stderr: main wrote 1.6 GB there and peaked at 8 GB), which
reports the command's peak RSS (`wait4`), the bytes it wrote to stderr and its exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

FIRMS = 5000
CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {code!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "jianhui.settings"
import django
django.setup()
from jianhui.imports.services import import_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
try:
    report = import_file("members", {path!r}, dry_run=True, user="bench")
    outcome = {{"rows": report.rows, "errors": getattr(report.errors, "total",
                                                       len(report.errors)),
                "first_error": report.errors[0].message[:160] if report.errors else ""}}
except BaseException as exc:
    outcome = {{"crash": f"{{type(exc).__name__}}: {{str(exc)[:160]}}"}}
print(json.dumps({{"before_mb": before, "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  **outcome}}, ensure_ascii=False))
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(work: Path, mb: int, only: list[str] | None = None) -> dict[str, Path]:
    data = work / "data"
    files = {"CSV": work / "members.csv", "xlsx": work / "members.xlsx",
             "bomb": work / "bomb.xlsx", "bad": work / "bad.csv", "cli-bomb": work / "bomb15.xlsx"}
    if not (data / "jianhui.sqlite3").exists():
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        os.environ["JIANHUI_DATA_DIR"] = str(data)
        os.environ.pop("DATABASE_URL", None)
        import import_bench

        say("preparing the database (migrate, county, enterprises, unions) ...")
        import_bench.setup_django("", data)
        import_bench.load_county(work, FIRMS)
    import import_bench

    if not files["CSV"].exists() and (not only or "CSV" in only):
        say(f"writing a {mb} MB CSV ...")
        _write_csv(files["CSV"], mb << 20, import_bench)
    if not files["xlsx"].exists() and (not only or "xlsx" in only):
        say(f"writing a {mb} MB .xlsx (slow: openpyxl) ...")
        _write_xlsx(files["xlsx"], mb << 20, import_bench)
    if not files["bomb"].exists() and (not only or "bomb" in only):
        sys.path.insert(0, str(ROOT))
        from jianhui.imports.samples import write_xlsx_bomb

        write_xlsx_bomb(files["bomb"], ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"], 400)
    if not files["bad"].exists() and (not only or "bad" in only):
        with files["bad"].open("w", encoding="utf-8", newline="") as fh:
            fh.write("姓名,公民身份号码,所在企业信用代码,入会日期\n")
            fh.writelines("x,1,2,3\n" for _ in range(4_000_000))  # three errors a row
    if not files["cli-bomb"].exists() and (not only or "cli-bomb" in only):
        sys.path.insert(0, str(ROOT))
        from jianhui.imports.samples import write_xlsx_bomb

        write_xlsx_bomb(files["cli-bomb"], ["姓名", "公民身份号码", "所在企业信用代码", "入会日期"],
                        1500)
    return files


def _write_csv(path: Path, size: int, bench) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(bench.HEADER)
        for i, (name, idn, phone, code, joined, left) in enumerate(
                bench.member_rows(10_000_000, FIRMS)):
            out.writerow([name, idn, phone, code, joined.isoformat(),
                          left.isoformat() if left else ""])
            if i % 10_000 == 0 and fh.tell() >= size:
                break


def _write_xlsx(path: Path, size: int, bench) -> None:
    """Rows until the compressed size would pass `size` (estimated from a first 50,000 rows),
    at most Excel's 1,048,575 data rows."""
    from openpyxl import Workbook

    def write(target: Path, n: int) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("会员")
        ws.append(bench.HEADER)
        for name, idn, phone, code, joined, left in bench.member_rows(n, FIRMS):
            ws.append([name, idn, phone, code, joined, left])
        wb.save(target)

    probe = path.with_suffix(".probe.xlsx")
    write(probe, 50_000)
    per_row = probe.stat().st_size / 50_000
    probe.unlink()
    write(path, min(1_048_575, int(size / per_row)))


def measure(path: Path, work: Path, code: Path) -> dict:
    env = {**os.environ, "JIANHUI_DATA_DIR": str(work / "data")}
    env.pop("DATABASE_URL", None)
    script = CHILD.format(code=str(code), path=str(path))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, cwd=str(code))
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        return {"crash": f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"}
    return json.loads(lines[-1])


def measure_cli(path: Path, work: Path, code: Path) -> dict:
    """`jianhui import members PATH --dry-run` as a user runs it: peak RSS of the process
    (wait4), bytes written to stderr (counted, not kept), exit code, wall time."""
    env = {**os.environ, "JIANHUI_DATA_DIR": str(work / "data"), "PYTHONPATH": str(code)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "import", "members", str(path),
                             "--dry-run"], env=env, cwd=str(code), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    counted = {"stdout": 0, "stderr": 0}
    head = bytearray()

    def drain(name: str, stream) -> None:
        while chunk := stream.read(1 << 20):
            counted[name] += len(chunk)
            if name == "stderr" and len(head) < 400:
                head.extend(chunk[:400])

    readers = [threading.Thread(target=drain, args=(n, getattr(proc, n)))
               for n in ("stdout", "stderr")]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    first = head.decode("utf-8", "replace").strip().splitlines()
    return {"before_mb": 0, "peak_mb": usage.ru_maxrss / 1024,
            "seconds": time.perf_counter() - started, "rows": "-", "errors": f"rc {proc.returncode}",
            "first_error": f"stderr {counted['stderr']:,} bytes: " + (first[0][:120] if first else "")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/jh-memory-bench"))
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the checkout whose import is measured (default: this one)")
    parser.add_argument("--only", nargs="*", choices=["CSV", "xlsx", "bomb", "bad", "cli-bomb"])
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    files = prepare(args.work, args.mb, args.only)
    print(f"code: {args.code}")
    print(f"{'file':<6} {'size':>10} {'rows':>9} {'errors':>9} {'before':>9} {'peak':>9} "
          f"{'time':>8}")
    for label, path in files.items():
        if args.only and label not in args.only:
            continue
        started = time.perf_counter()
        result = (measure_cli if label == "cli-bomb" else measure)(path, args.work,
                                                                    args.code.resolve())
        size = f"{path.stat().st_size / 1e6:.1f} MB"
        if "crash" in result and "peak_mb" not in result:
            print(f"{label:<6} {size:>10}  crashed after {time.perf_counter() - started:.1f} s: "
                  f"{result['crash']}")
            continue
        print(f"{label:<6} {size:>10} {result.get('rows', '-'):>9} {result.get('errors', '-'):>9} "
              f"{result['before_mb']:>6.0f} MB {result['peak_mb']:>6.0f} MB "
              f"{result['seconds']:>6.1f} s  {result.get('first_error') or result.get('crash', '')}")


if __name__ == "__main__":
    main()
