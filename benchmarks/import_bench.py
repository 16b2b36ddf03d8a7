"""Members import speed: jianhui against raw COPY and django-import-export (issue 4, part 8).

    uv run python benchmarks/import_bench.py                       # 200,000 rows, throwaway PG db
    uv run python benchmarks/import_bench.py --rows 50000
    uv run python benchmarks/import_bench.py --database-url postgres://postgres@127.0.0.1:55432/x
    uv run python benchmarks/import_bench.py --database-url sqlite:////tmp/bench.sqlite3
    uv run python benchmarks/import_bench.py --profile var/members.prof   # cProfile of (b)

The database is --database-url, else DATABASE_URL, else a throwaway database created on the
PostgreSQL server at 127.0.0.1:55432 and dropped afterwards. It must hold no enterprises or
members (the script refuses otherwise): it migrates, then loads a county, its enterprises and
one union per enterprise through jianhui's own importers, and generates N valid member rows
(ID numbers with check characters, names, mobiles, join dates on which the enterprise is
covered) as CSV and as .xlsx. Then, in the same run:

  (a) raw COPY of the CSV into a plain table with the same columns and a unique index on the
      ID number (psycopg copy; on SQLite: executemany of the parsed rows instead);
  (b) `import_file("members", csv)` into an empty members table: reading, validation, the
      checks against the database and the write, all of it;
  (c) the same from the .xlsx;
  (m) for reference, the same rows already prepared as the members table's columns (ID
      number and phone encrypted, blind index, public key), copied straight into it (binary
      COPY): what writing alone costs, with no reading, checking or encrypting;
  (d) django-import-export's default `import_data` (a plain ModelResource, dry_run=False, the
      row-by-row path; the existing row found through the blind index, since the encrypted
      ID number cannot be filtered on) on the first --slice rows, scaled;
  (e) what field encryption costs a row (ID number, phone, blind index), in our CPU time.

JIANHUI_FIELD_CIPHER=sm4 in the environment measures everything with SM4-GCM and HMAC-SM3.

It prints rows/s for each, the time and our CPU time of the import's phases (read and
validate, check against the database, write), the ratios against the issue's targets
(jianhui/COPY >= 0.35 with encryption, jianhui/import-export >= 30, xlsx/CSV time <= 3) and the peak RSS after
each step, which shows what the import holds in memory. A benchmark, never run by pytest;
see benchmarks/README.md for measured numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:55432"
HEADER = ["姓名", "公民身份号码", "手机号码", "所在企业信用代码", "入会日期", "离会日期"]
MEMBERS_PER_FIRM = 100
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰飞鹏辉斌宇浩凯健俊帆帅旭宁龙林欣佳琳颖雪慧婷倩晶晨阳"
DIVISIONS = ["510623", "510681", "510682", "510603", "510604", "510104", "511023", "500101"]
FOUNDED = dt.date(2015, 1, 1)  # every enterprise
UNION_FOUNDED = dt.date(2020, 1, 1)  # every enterprise's own union, covering it from that day


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- database

@contextlib.contextmanager
def database(url: str | None):
    """Yield a database URL: the given one, or a throwaway PG database dropped afterwards."""
    if url:
        yield url
        return
    import psycopg

    name = f"jh_bench_{os.getpid()}"
    with psycopg.connect(f"{DEFAULT_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{DEFAULT_SERVER}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{DEFAULT_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("JIANHUI_DATA_DIR", str(data_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "jianhui.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# ---------------------------------------------------------------- data

def firm_code(n: int) -> str:
    from jianhui.lib.codes import make_credit_code

    return make_credit_code(f"91510623MA{n:07d}")


def load_county(work: Path, firms: int) -> None:
    """The county, three towns, the enterprises and one union each, through jianhui's importers."""
    from jianhui.imports.samples import write_csv
    from jianhui.imports.services import import_file

    towns = [("510623100", "南华镇"), ("510623101", "凯江镇"), ("510623400", "高新区")]
    files = {
        "jurisdictions": (["辖区名称", "辖区代码", "上级辖区", "类型"],
                          [["中江县", "510623", "", "县"]]
                          + [[name, code, "510623", "乡镇"] for code, name in towns]),
        "enterprises": (["企业名称", "统一社会信用代码", "所属辖区", "职工人数", "成立日期"],
                        [[f"基准测试企业{n}有限公司", firm_code(n), towns[n % 3][0],
                          MEMBERS_PER_FIRM + 50, FOUNDED.isoformat()] for n in range(firms)]),
        "unions": (["工会名称", "组织类型", "所属辖区", "成立日期", "覆盖企业信用代码"],
                   [[f"基准测试企业{n}有限公司工会委员会", "基层工会委员会", towns[n % 3][0],
                     UNION_FOUNDED.isoformat(), firm_code(n)] for n in range(firms)]),
    }
    for kind, (header, rows) in files.items():
        started = time.perf_counter()
        report = import_file(kind, write_csv(work / f"{kind}.csv", header, rows), user="bench")
        if report.errors:
            raise SystemExit(f"{kind}: {report.errors[:3]}")
        say(f"  loaded {report.created:>6} {kind} in {time.perf_counter() - started:.2f} s")


def member_rows(n: int, firms: int, seed: int = 4):
    """N valid member rows, streamed: (name, id, phone, credit code, joined, left)."""
    from jianhui.lib.codes import make_id_number

    rng = random.Random(seed)
    codes = [firm_code(i) for i in range(firms)]
    span = (dt.date(2024, 12, 31) - UNION_FOUNDED).days
    birth0 = dt.date(1965, 1, 1)
    for i in range(n):
        # distinct (birth day, sequence) pairs, spread so the ID column is not sorted
        day, seq = (i * 7919) % 14000, (i // 14000 * 37 + i) % 1000
        id_number = make_id_number(DIVISIONS[i % len(DIVISIONS)], birth0 + dt.timedelta(days=day), seq)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else ""
        joined = UNION_FOUNDED + dt.timedelta(days=rng.randrange(span))
        left = joined + dt.timedelta(days=rng.randrange(10, 400)) if rng.random() < 0.03 else None
        yield name, id_number, phone, codes[i % firms], joined, left


def write_files(work: Path, n: int, firms: int, slice_rows: int,
                xlsx: bool = True) -> tuple[Path, Path, Path]:
    """The CSV (UTF-8 with BOM, as Excel saves "CSV UTF-8"), its first rows, and unless told
    otherwise the .xlsx (dates as Excel dates, ID numbers as text), written as generated."""
    from openpyxl import Workbook

    csv_path, slice_path, xlsx_path = work / "members.csv", work / "slice.csv", work / "members.xlsx"
    if csv_path.exists() and (xlsx_path.exists() or not xlsx):  # --work: an earlier run's
        return csv_path, slice_path, xlsx_path
    ws = None
    if xlsx:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("会员")
        ws.append(HEADER)
    with (csv_path.open("w", encoding="utf-8-sig", newline="") as full,
          slice_path.open("w", encoding="utf-8-sig", newline="") as part):
        out, head = csv.writer(full), csv.writer(part)
        out.writerow(HEADER)
        head.writerow(HEADER)
        for i, (name, idn, phone, code, joined, left) in enumerate(member_rows(n, firms)):
            row = [name, idn, phone, code, joined.isoformat(), left.isoformat() if left else ""]
            out.writerow(row)
            if i < slice_rows:
                head.writerow(row)
            if ws is not None:
                ws.append([name, idn, phone, code, joined, left])
    if ws is not None:
        wb.save(xlsx_path)
    return csv_path, slice_path, xlsx_path


# ---------------------------------------------------------------- the contenders

def raw_copy(csv_path: Path) -> float:
    """(a) The floor: the same CSV into a plain table with a unique index on the ID number."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw")
        cur.execute("CREATE TABLE bench_raw (name varchar(64), id_number varchar(18), "
                    "phone varchar(32), credit_code varchar(18), joined_on date, left_on date)")
        cur.execute("CREATE UNIQUE INDEX bench_raw_id ON bench_raw (id_number)")
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cur, csv_path.open("rb") as fh:
            with cur.cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while data := fh.read(1 << 20):
                    copy.write(data)
    else:
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cur, csv_path.open(
                encoding="utf-8-sig", newline="") as fh:
            rows = csv.reader(fh)
            next(rows)
            cur.executemany("INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s, %s)",
                            ([a, b, c, d, e, f or None] for a, b, c, d, e, f in rows))
    elapsed = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_raw")
    return elapsed


def copy_into_members(n: int, firms: int) -> float:
    """(m) What any validated import must at least pay: the same rows, already prepared as
    the members table's columns by the import's own preparation (`imports.bulk.prepare`: ID
    number and phone encrypted, blind index, public key, timestamps), copied straight into
    it (binary COPY; its indexes, foreign key and check constraints). Only the copy is timed:
    no reading, no validation, no encryption."""
    from django.db import connection, transaction

    from jianhui.enterprises.models import Enterprise
    from jianhui.imports.bulk import prepare
    from jianhui.imports.kinds.members import NEW_FIELDS, birth_date_of, gender_of
    from jianhui.unions.models import Member

    pks = dict(Enterprise.objects.values_list("credit_code", "pk"))
    source = [(name, idn, gender_of(idn), birth_date_of(idn), phone, pks[code], joined, left)
              for name, idn, phone, code, joined, left in member_rows(n, firms)]
    columns, batches = prepare(Member, NEW_FIELDS, source)
    rows = [row for batch in batches for row in batch]
    del source
    table = Member._meta.db_table
    listed = ", ".join(columns)
    empty_members()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = "
                        "%s::regclass AND attnum > 0 AND NOT attisdropped", [table])
            types = dict(cur.fetchall())
            with cur.cursor.copy(f"COPY {table} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[c] for c in columns])
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {table} ({listed}) VALUES "
                            f"({', '.join(['%s'] * len(columns))})", rows)
    elapsed = time.perf_counter() - started
    empty_members()
    return elapsed


def field_crypto(n: int, firms: int) -> None:
    """(e) What encryption adds to each row, in our CPU time: the ID number and the phone
    encrypted and the blind index computed, through the fields' bulk paths as the import
    calls them (`get_db_prep_save_many`, `index_many`), and one value at a time for
    comparison (`get_db_prep_save`, `index_for`: a form or the admin saving one member)."""
    from django.db import connection

    from jianhui.crypto.keyring import current_cipher, current_keyring
    from jianhui.unions.models import Member

    id_field, phone_field = Member._meta.get_field("id_number"), Member._meta.get_field("phone")
    ids, phones = [], []
    for _, idn, phone, *_ in member_rows(n, firms):
        ids.append(idn)
        phones.append(phone)

    def cpu(work) -> float:
        started = time.process_time()
        work()
        return (time.process_time() - started) / n * 1e6

    bulk = {
        "ID number": cpu(lambda: id_field.get_db_prep_save_many(ids, connection)),
        "phone": cpu(lambda: phone_field.get_db_prep_save_many(phones, connection)),
        "blind index": cpu(lambda: id_field.index_many(ids)),
    }
    single = (cpu(lambda: [id_field.get_db_prep_save(v, connection) for v in ids])
              + cpu(lambda: [phone_field.get_db_prep_save(v, connection) for v in phones])
              + cpu(lambda: [id_field.index_for(v) for v in ids]))
    print(f"(e) field encryption  {sum(bulk.values()):5.1f} µs a row ("
          + ", ".join(f"{k} {v:.1f}" for k, v in bulk.items())
          + f"; one value at a time {single:.1f}), cipher {current_cipher()}, "
          f"index HMAC-{current_keyring().index_hmac.upper()}", flush=True)


def empty_members() -> None:
    from django.db import connection

    from jianhui.unions.models import Member

    with connection.cursor() as cur:
        table = connection.ops.quote_name(Member._meta.db_table)
        cur.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {table}")


def encrypted_members() -> int:
    """Rows whose ID number and phone are stored encrypted ("v1:<cipher>:...", or a blank
    phone) with a blind index: read from the table itself, around the fields."""
    from django.db import connection

    from jianhui.crypto.keyring import current_cipher
    from jianhui.unions.models import Member

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {Member._meta.db_table} WHERE id_number LIKE %s AND "
                    "(phone = '' OR phone LIKE %s) AND length(id_number_index) = 64",
                    [f"v1:{current_cipher()}:%"] * 2)
        return cur.fetchone()[0]


def jianhui_import(path: Path, expected: int, profile: Path | None = None) -> float:
    """(b), (c) The whole import: read, validate, check against the database, write."""
    from jianhui.imports.services import import_file
    from jianhui.unions.models import Member

    empty_members()
    profiler = cProfile.Profile() if profile else None
    phases: dict[str, float] = {}

    def progress(phase: str, done: int) -> None:
        if phase not in phases:
            phases[phase] = (time.perf_counter(), time.process_time())

    started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = import_file("members", path, user="bench", progress=progress)
    if profiler:
        profiler.disable()
    ended = time.perf_counter(), time.process_time()
    elapsed = ended[0] - started[0]
    marks = [("read", started), *((k, t) for k, t in phases.items() if k != "read"),
             ("end", ended)]
    say("    phases (wall/our CPU): " + ", ".join(
        f"{a} {t1[0] - t0[0]:.2f}/{t1[1] - t0[1]:.2f} s"
        for (a, t0), (_, t1) in zip(marks, marks[1:], strict=False)))
    if report.errors or report.created != expected or Member.objects.count() != expected:
        raise SystemExit(f"jianhui import of {path.name} went wrong: created {report.created}, "
                         f"errors {report.errors[:3]}")
    say(f"    {(sealed := encrypted_members()):,} rows stored encrypted with a blind index")
    if sealed != expected:
        raise SystemExit(f"jianhui import of {path.name}: only {sealed:,} of {expected:,} rows "
                         "hold an encrypted ID number and phone and a blind index")
    if profiler:
        profiler.dump_stats(profile)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return elapsed


def import_export(slice_path: Path, expected: int) -> float:
    """(d) django-import-export's default path: a ModelResource, import_data(dry_run=False)."""
    import tablib
    from import_export import fields, resources, widgets

    from jianhui.enterprises.models import Enterprise
    from jianhui.unions.models import Member

    class MemberResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="公民身份号码")
        phone = fields.Field(attribute="phone", column_name="手机号码")
        enterprise = fields.Field(attribute="enterprise", column_name="所在企业信用代码",
                                  widget=widgets.ForeignKeyWidget(Enterprise, "credit_code"))
        joined_on = fields.Field(attribute="joined_on", column_name="入会日期",
                                 widget=widgets.DateWidget("%Y-%m-%d"))
        left_on = fields.Field(attribute="left_on", column_name="离会日期",
                               widget=widgets.DateWidget("%Y-%m-%d"))

        class Meta:
            model = Member
            fields = ("name", "id_number", "phone", "enterprise", "joined_on", "left_on")
            import_id_fields = ("id_number",)

        def get_instance(self, instance_loader, row):
            # The one change the default path needs: an encrypted ID number cannot be
            # filtered on, so the existing member is found through its blind index.
            return Member.objects.by_id_number(row["公民身份号码"]).first()

    empty_members()
    started = time.perf_counter()
    dataset = tablib.Dataset().load(slice_path.read_text(encoding="utf-8-sig"), format="csv")
    result = MemberResource().import_data(dataset, dry_run=False)
    elapsed = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors() or Member.objects.count() != expected:
        raise SystemExit(f"import-export failed: {result.base_errors[:1]} "
                         f"{[r.errors for r in result.rows[:3]]}")
    return elapsed


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--slice", type=int, default=10_000,
                        help="rows for django-import-export (scaled to --rows)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--profile", type=Path, help="write a cProfile of (b) to this file")
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: a,b,c,m,d,e")
    parser.add_argument("--work", type=Path,
                        help="keep the generated files in this folder and reuse them next time")
    args = parser.parse_args()
    skip = set(args.skip.split(",")) - {""}
    n = args.rows
    firms = max(10, n // MEMBERS_PER_FIRM)
    slice_rows = min(args.slice, n)
    with tempfile.TemporaryDirectory(prefix="jh_bench_") as tmp, database(args.database_url) as url:
        work = Path(tmp)
        files = args.work / f"members-{n}" if args.work else work
        files.mkdir(parents=True, exist_ok=True)
        setup_django(url, work)
        from django.db import connection

        from jianhui.enterprises.models import Enterprise
        from jianhui.unions.models import Member

        if Enterprise.objects.exists() or Member.objects.exists():
            raise SystemExit("the database already holds enterprises or members: use an empty one")
        say(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{n:,} members in {firms:,} enterprises")
        load_county(work, firms)
        started = time.perf_counter()
        csv_path, slice_path, xlsx_path = write_files(files, n, firms, slice_rows, "c" not in skip)
        sizes = " and ".join(f"{p.name} ({p.stat().st_size / 1e6:.1f} MB)"
                             for p in (csv_path, xlsx_path) if p.exists())
        say(f"  wrote {sizes} in {time.perf_counter() - started:.1f} s; peak RSS {rss_mb():.0f} MB")
        times: dict[str, float] = {}
        steps = [
            ("a", "raw COPY" if connection.vendor == "postgresql" else "raw executemany",
             n, lambda: raw_copy(csv_path)),
            ("b", "jianhui CSV", n, lambda: jianhui_import(csv_path, n, args.profile)),
            ("c", "jianhui xlsx", n, lambda: jianhui_import(xlsx_path, n)),
            # after the imports: it holds its prepared rows in memory, which would hide
            # what the imports hold from the peak RSS
            ("m", "COPY into members" if connection.vendor == "postgresql"
             else "executemany members", n, lambda: copy_into_members(n, firms)),
            ("d", "import-export", slice_rows, lambda: import_export(slice_path, slice_rows)),
            ("e", "field encryption", 0, lambda: field_crypto(n, firms)),
        ]
        for key, label, rows, run in steps:
            if key in skip:
                continue
            elapsed = run()
            if not rows:  # prints its own line
                continue
            times[key] = elapsed * n / rows  # scaled to N rows
            scaled = f" ({rows:,} rows in {elapsed:.2f} s, scaled)" if rows != n else ""
            print(f"({key}) {label:<16} {n / times[key]:>10,.0f} rows/s  {times[key]:>8.2f} s"
                  f"{scaled}  peak RSS {rss_mb():.0f} MB", flush=True)
        print_ratios(times, "COPY" if connection.vendor == "postgresql" else "executemany")


def print_ratios(times: dict[str, float], raw: str) -> None:
    # 0.5 in issue 4; 0.35 with ID numbers encrypted (issue 5), as they now always are
    checks = [(f"jianhui / raw {raw} (throughput)", "a", "b", 0.35, ">="),
              (f"jianhui / {raw} into members (throughput)", "m", "b", None, ""),
              ("jianhui / import-export (throughput)", "d", "b", 30, ">="),
              ("xlsx time / CSV time", "c", "b", 3, "<=")]
    for label, top, bottom, target, op in checks:
        if top not in times or bottom not in times:
            continue
        ratio = times[top] / times[bottom]
        if target is None:
            print(f"{label:<42} {ratio:8.2f}   (no target: the floor of any validated import)")
            continue
        met = ratio >= target if op == ">=" else ratio <= target
        print(f"{label:<42} {ratio:8.2f}   target {op} {target:<4} {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
