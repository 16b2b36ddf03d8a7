"""A province to measure the statistics against (issue 10, part 4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/jh_scale_province \\
        uv run python benchmarks/province.py --reset --counties 20 --towns 20 \\
        --enterprises 1000000 --members 20000000
    DATABASE_URL=... uv run python benchmarks/province.py --measure-only   # again, same data
    ... --reset ... --generate-only --skip-facts, then --measure-only      # in two sittings

Generates a province (a root, --counties counties, --towns towns each) through the bulk
equivalents of the write paths: enterprises, surveys, organisations, coverage and members
written with the importers' COPY (jianhui.imports.bulk.insert_rows: encrypted ID numbers and
phones, blind indexes, public keys as an import writes them), each table loaded as pg_restore
loads one (its secondary indexes and unique and foreign-key constraints made after the rows,
which checks them), then the statistics' facts built as `jianhui stats-rebuild` builds them.
The history: enterprises founded 2000-2026 (some with no known date), deregistered and revoked
ones, own unions and town federations, enterprises moving from the federation to their own
union, dissolved unions, members joining and leaving. Memory stays bounded: the member rows
are made as the COPY takes them (2x10^7 members: about 0.5 GB).

Then, in one run, the reference path (the direct queries) beside the fast path:
  stats      `jianhui stats --json` for one date, in process (no process start)
  series     the headline figures of the root on 365 consecutive days (the reference on
             --reference-dates of them, fewer once --reference-budget is spent, scaled to 365:
             a year of direct queries takes too long to wait for)
  dashboard  the root's dashboard page (GET /?j=<root>, as a superuser, through Django's test
             client); when its reference would exceed --reference-budget (a series date's
             cost x 15 dates), the direct queries answer one date of each figure call and the
             call counts as that date's time x its dates (the output says so)
  rebuild    `stats-rebuild` from scratch (the one the generation ran)
  disk       the statistics' tables against the whole database
  load       with --load SECONDS: benchmarks/load.py against `jianhui serve` on the same
             database (32 users, 1 s think time): p50/p95 of the dashboard, the lists and an
             enterprise page
and the list pages and an enterprise page (fast path only). It also checks that both paths
give the same JSON. PostgreSQL only (COPY). Never run by pytest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics as stats
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlparse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianhui.settings")

AS_OF = dt.date(2026, 9, 30)
SEED = 20261127


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def timed(label: str):
    started = time.perf_counter()
    yield
    log(f"  {label}: {time.perf_counter() - started:.1f} s")


def reset_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    if not name.startswith("jh_"):
        sys.exit(f"--reset drops the database: refusing a name not starting with jh_ ({name})")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def day_between(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, max((b - a).days, 0)))


def insert(model, names, rows) -> None:
    """The importers' COPY, with "" for the optional text fields not given (as a form leaves
    them) and None for the optional others."""
    from django.db import models

    from jianhui.imports.bulk import insert_rows

    extra, values = [], []
    for f in model._meta.concrete_fields:
        if f.name in names or f.attname in names or f.primary_key or f.has_default() or \
                getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or \
                not f.editable or not (f.blank or f.null):
            continue
        extra.append(f.name)
        values.append(None if f.null else "" if isinstance(f, models.CharField) else None)
    insert_rows(model, (*names, *extra), (tuple(r) + tuple(values) for r in rows))


@contextmanager
def without_indexes(model):
    """A bulk load as pg_restore does it: the table's secondary indexes, unique and foreign-key
    constraints dropped for the load and made again (the same definitions, read from the
    catalogue) after it, in the caller's transaction; making them again checks every row.
    Index upkeep row by row, on random keys (blind indexes, public keys) in btrees far larger
    than shared_buffers, is what makes a COPY of 10^7 rows crawl."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')", [table])
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                       "indexname NOT IN (SELECT conname FROM pg_constraint "
                       "WHERE conrelid = %s::regclass)", [table, table])
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor, timed(f"  {table}: {len(indexes)} indexes, "
                                              f"{len(constraints)} constraints made again"):
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def generate(args) -> float | None:
    """Generate the province; returns the seconds its stats-rebuild took."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from jianhui.enterprises.models import EmployeeSurvey, Enterprise
    from jianhui.imports.kinds.members import NEW_FIELDS
    from jianhui.lib.codes import make_credit_code
    from jianhui.regions.models import Jurisdiction, JurisdictionKind
    from jianhui.statistics import sync
    from jianhui.unions.models import Coverage, Member, OrganisationKind, UnionOrganisation

    call_command("migrate", interactive=False, verbosity=0)
    if Enterprise.objects.exists():
        sys.exit("the database holds data: --reset, or --measure-only")
    # The key file, made now: making it asks the database whether it already holds encrypted
    # values, which on the connection a COPY is using would wait for the COPY forever.
    from jianhui.crypto.keyring import current_keyring
    current_keyring()
    rng = random.Random(SEED)
    log(f"generating {args.counties} counties x {args.towns} towns, {args.enterprises:,} "
        f"enterprises, {args.members:,} members")
    started = time.perf_counter()
    with timed("jurisdictions"):
        root = Jurisdiction(code="990000", name="测试省", kind=JurisdictionKind.COUNTY, order=0)
        root.save()
        towns = []
        for c in range(args.counties):
            county = Jurisdiction(code=f"99{c + 1:02d}00", name=f"第{c + 1}县", parent=root,
                                  kind=JurisdictionKind.DISTRICT, order=c)
            county.save()
            for t in range(args.towns):
                town = Jurisdiction(code=f"{county.code}{t + 1:03d}", name=f"第{c + 1}县{t + 1}镇",
                                    parent=county, kind=JurisdictionKind.TOWN, order=t)
                town.save()
                towns.append(town)
    plans = []  # (town, founded, ended, deregistered?, employees)
    for n in range(args.enterprises):
        town = towns[n % len(towns)]
        founded = None if rng.random() < 0.05 else day_between(rng, dt.date(2000, 1, 1),
                                                              dt.date(2026, 6, 30))
        employees = max(1, int(rng.lognormvariate(3.0, 1.2)))
        end = None
        kind = rng.random()
        if kind < 0.08:
            end = ("deregistered", day_between(rng, (founded or dt.date(2005, 1, 1))
                                               + dt.timedelta(days=30), dt.date(2026, 9, 1)))
        elif kind < 0.11:
            end = ("revoked", day_between(rng, (founded or dt.date(2005, 1, 1))
                                          + dt.timedelta(days=30), dt.date(2026, 9, 1)))
        plans.append((town, founded, end, employees))
    with timed("enterprises (COPY)"), transaction.atomic(), without_indexes(Enterprise):
        def enterprise_rows():
            for n, (town, founded, end, employees) in enumerate(plans):
                status = {"deregistered": "deregistered", "revoked": "revoked"}.get(
                    end[0] if end else "", "operating")
                yield (make_credit_code(f"91{town.code[:6]}{n:09d}"), f"测试企业{n}",
                       f"CSQY{n}", town.pk, "制造业", employees, status, founded,
                       end[1] if end and end[0] == "deregistered" else None,
                       end[1] if end and end[0] == "revoked" else None)
        insert(Enterprise, ("credit_code", "name", "name_initials", "jurisdiction",
                                 "industry", "employees", "status", "founded_on",
                                 "deregistered_on", "revoked_on"), enterprise_rows())
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    with timed("surveys (COPY)"), transaction.atomic(), without_indexes(EmployeeSurvey):
        insert(EmployeeSurvey, ("enterprise", "surveyed_on", "employees", "source"), (
            (pk, day_between(rng, dt.date(2022, 9, 1), dt.date(2023, 6, 30)),
             max(1, int(plan[3] * rng.uniform(0.7, 1.3))), "摸底")
            for pk, plan in zip(ids, plans, strict=True) if rng.random() < 0.3))
    # Unions: a federation per town (2012), own unions, moves from the federation to the own
    # union, dissolutions.
    covers = []  # (org key, enterprise pk, start, end)
    orgs = []  # (key, name, kind, town pk, founded, dissolved)
    for town in towns:
        orgs.append((f"{town.code}-F", f"{town.name}工会联合会", OrganisationKind.FEDERATION,
                     town.pk, dt.date(2012, 1, 1), None))
    members_of = []  # (enterprise pk, start, end, weight)
    for pk, (town, founded, end, employees) in zip(ids, plans, strict=True):
        if rng.random() > args.unionized:
            continue
        start = max(founded or dt.date(2012, 1, 1), dt.date(2012, 1, 1)) + dt.timedelta(
            days=rng.randint(0, 2000))
        stop = end[1] if end else None
        if stop is not None and stop <= start + dt.timedelta(days=10):
            continue
        if start >= AS_OF:
            continue
        route = rng.random()
        if route < 0.55:  # own union
            key = f"{town.code}-{pk}"
            dissolved = (day_between(rng, start + dt.timedelta(days=200), dt.date(2026, 9, 1))
                         if rng.random() < 0.03 else None)
            orgs.append((key, f"测试企业{pk}工会", OrganisationKind.STANDALONE, town.pk, start,
                         dissolved))
            covers.append((key, pk, start, dissolved or stop))
        else:  # the town's federation, some moving to an own union later
            moved = (day_between(rng, start + dt.timedelta(days=100), dt.date(2026, 9, 1))
                     if rng.random() < 0.2 else None)
            if moved and stop and moved >= stop:
                moved = None
            covers.append((f"{town.code}-F", pk, start, moved or stop))
            if moved:
                key = f"{town.code}-{pk}"
                orgs.append((key, f"测试企业{pk}工会", OrganisationKind.STANDALONE, town.pk,
                             moved, None))
                covers.append((key, pk, moved, stop))
        members_of.append((pk, start, stop or AS_OF, employees))
    with timed(f"organisations and coverage (COPY: {len(orgs):,} / {len(covers):,})"), \
            transaction.atomic():
        with without_indexes(UnionOrganisation):
            insert(UnionOrganisation, ("key", "name", "kind", "jurisdiction", "founded_on",
                                       "dissolved_on"), orgs)
        org_pk = dict(UnionOrganisation.objects.values_list("key", "pk"))
        with without_indexes(Coverage):
            insert(Coverage, ("organisation", "enterprise", "start_on", "end_on"),
                   ((org_pk[k], e, s, end) for k, e, s, end in covers))
        del orgs, covers, org_pk
    total_weight = sum(w for *_, w in members_of)
    with timed(f"members (COPY, {args.members:,})"), transaction.atomic(), \
            without_indexes(Member):
        insert(Member, NEW_FIELDS, member_rows(rng, members_of, args.members / total_weight))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  members written: {Member.objects.count():,}")
    if args.skip_facts:
        log(f"generated in {time.perf_counter() - started:.0f} s (facts left for --measure-only)")
        return None
    rebuilt = time.perf_counter()
    counts = sync.rebuild()
    rebuilt = time.perf_counter() - rebuilt
    log(f"  statistics facts (stats-rebuild): {rebuilt:.1f} s")
    log(f"  facts: {counts}")
    log(f"generated in {time.perf_counter() - started:.0f} s")
    return rebuilt


def member_rows(rng, members_of, per_weight: float):
    """The member rows as an import gives them to insert_rows (its NEW_FIELDS): a distinct
    valid ID number each (birth dates from 1950, 1,000 a day), joined within the enterprise's
    covered time, 15% left since. Lean on purpose: 2x10^7 of them."""
    from jianhui.imports.kinds.members import gender_of
    from jianhui.lib.codes import _ID_CHECK, make_id_number

    born0 = dt.date(1950, 1, 1).toordinal()
    fromordinal, random_ = dt.date.fromordinal, rng.random
    k = 0
    birth = None
    for pk, start, stop, weight in members_of:
        a, span = start.toordinal(), (stop - start).days - 1  # joined in [start, stop - 1]
        for _ in range(int(round(weight * per_weight))):
            if k % 1000 == 0:
                birth = fromordinal(born0 + k // 1000)
                first14 = f"990101{birth:%Y%m%d}"
            first17 = f"{first14}{k % 1000:03d}"
            idn = first17 + _ID_CHECK[int(first17, 13) % 11]
            if k < 3:  # the shortcut is the project's own rule
                assert idn == make_id_number("990101", birth, k % 1000)
            k += 1
            joined = a + int(random_() * (span + 1))
            left = None
            if random_() < 0.15 and stop.toordinal() > joined + 1:
                left = fromordinal(joined + 1 + int(random_() * (stop.toordinal() - joined)))
            yield ("会员", idn, gender_of(idn), birth, "", pk, fromordinal(joined), left)


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return stats.median(times)


@contextmanager
def reference_path():
    """Everything that reads figures goes through the direct queries, and nothing is kept."""
    from django.test.utils import override_settings

    from jianhui.statistics import generation, query, reference

    fast, fast_list = query.figures, query.rule25_list
    query.fast_figures = fast

    def reference_list(on, paths=None, limit=None):
        rows = reference.rule25_enterprises(on, paths)
        return rows[:limit] if limit else rows

    query.figures, query.rule25_list = query.reference_figures, reference_list
    generation.forget()  # nothing kept by the fast path may answer for the reference
    try:
        with override_settings(JIANHUI_KEEP_PAGES=False):
            yield
    finally:
        query.figures, query.rule25_list = fast, fast_list
        generation.forget()


@contextmanager
def sampled_reference(calls: list, sample: bool):
    """Inside reference_path(): record each figure call's dates and time; with `sample`, ask
    the direct queries for the first date only (the other dates from the facts, so that the
    page renders as usual), so that a call's reference cost is its one date's times its dates."""
    from jianhui.statistics import query

    reference_figures = query.figures  # reference_path() put the direct queries there

    def measured(dates, jurisdictions):
        dates = list(dict.fromkeys(dates))
        started = time.perf_counter()
        grid = reference_figures(dates[:1] if sample else dates, jurisdictions)
        calls.append((len(dates), time.perf_counter() - started))
        if sample and len(dates) > 1:
            rest = query.fast_figures(dates[1:], jurisdictions)
            grid.update(rest)
        return grid

    query.figures = measured
    try:
        yield
    finally:
        query.figures = reference_figures


def measure(args, rebuilt: float | None = None) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from jianhui.enterprises.models import Enterprise
    from jianhui.regions.models import Jurisdiction
    from jianhui.statistics import generation, query, sync
    from jianhui.unions.models import Member

    on = AS_OF
    if not sync.built():
        log("no facts yet: stats-rebuild first (timed)")
        rebuilt = time.perf_counter()
        log(f"  facts: {sync.rebuild()}")
        rebuilt = time.perf_counter() - rebuilt
    root = Jurisdiction.objects.get(parent__isnull=True, code="990000")
    n_j = Jurisdiction.objects.count()
    n_e, n_m = Enterprise.objects.count(), Member.objects.count()
    print(f"province: {n_j} jurisdictions, {n_e:,} enterprises, {n_m:,} memberships; "
          f"as of {on}")
    out: dict[str, tuple] = {}

    def stats_json() -> str:
        buffer = io.StringIO()
        call_command("stats", "--json", "--as-of", on.isoformat(), stdout=buffer)
        return buffer.getvalue()

    fast_json = stats_json()
    out["stats --json, one date"] = (median_time(stats_json, 5), None)
    with reference_path():
        started = time.perf_counter()
        ref_json = stats_json()
        out["stats --json, one date"] = (out["stats --json, one date"][0],
                                         time.perf_counter() - started)
    same = fast_json == ref_json
    print(f"stats --json: fast and reference identical: {'yes' if same else 'NO'}")

    days = [on - dt.timedelta(days=k) for k in range(364, -1, -1)]
    fast_series = median_time(lambda: query.series(days, root), 3)
    sample = days[:: len(days) // (args.reference_dates - 1)][:args.reference_dates]
    spent, measured = 0.0, 0
    with reference_path():
        for day in sample:  # one date at a time, stopping once the budget is spent
            started = time.perf_counter()
            query.reference_figures([day], [root])
            spent += time.perf_counter() - started
            measured += 1
            if spent > args.reference_budget:
                break
    per_date = spent / measured
    out["365-day series (root)"] = (fast_series, per_date * 365)
    print(f"series: reference measured on {measured} of 365 dates ({per_date:.2f} s a date), "
          "scaled to 365")

    user = get_user_model().objects.filter(username="bench").first() or \
        get_user_model().objects.create_superuser("bench", password=None)
    client = Client()
    client.force_login(user)
    url = f"/?j={root.code}&as_of={on.isoformat()}"  # a superuser without a role names it
    with override_settings(ALLOWED_HOSTS=["*"]):
        assert client.get(url).status_code == 200
        fast_dash = median_time(lambda: client.get(url), 5)
        calls: list[tuple[int, float]] = []  # (dates asked, seconds measured) per figure call
        scaled = per_date * 15 > args.reference_budget  # the dashboard asks about 15 dates
        with reference_path(), sampled_reference(calls, scaled):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            ref_dash = time.perf_counter() - started
        asked = sum(n for n, _ in calls)
        if scaled:  # the page's time, each figure call's one measured date counted n times
            ref_dash += sum(seconds * (n - 1) for n, seconds in calls)
            print(f"dashboard: reference figures measured on 1 date of each of {len(calls)} "
                  f"figure calls ({asked} dates in all, {per_date:.2f} s a date on the series "
                  f"x 15 > --reference-budget {args.reference_budget:.0f} s), scaled to "
                  f"{asked} dates")
        else:
            print(f"dashboard: reference measured directly ({len(calls)} figure calls, "
                  f"{asked} dates)")
        out["dashboard page (root)"] = (fast_dash, ref_dash)
        e = Enterprise.objects.filter(members__isnull=False).order_by("pk").first()
        for label, page in [("enterprise list", "/enterprises/"),
                            ("members list", "/members/"),
                            ("enterprise page", e.get_absolute_url())]:
            out[label] = (median_time(lambda page=page: client.get(page), 5), None)
        # The pages above are kept until the next write after their first request (web/
        # fragments.py): a first visit, computed afresh each time, for comparison.
        for label, page in [("dashboard, first visit", url),
                            ("enterprise page, first visit", e.get_absolute_url())]:
            out[label] = (median_time(lambda page=page: (generation.forget(), client.get(page)),
                                      5), None)
    if rebuilt is None:
        rebuilt = time.perf_counter()
        sync.rebuild()
        rebuilt = time.perf_counter() - rebuilt
    out["rebuild facts (stats-rebuild)"] = (rebuilt, None)
    with connection.cursor() as cursor:  # the rebuild TRUNCATEs: no dead rows to count
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                       "WHERE c.relkind = 'r' AND c.relname LIKE 'statistics_%%'")
        extra = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        whole = cursor.fetchone()[0]
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables "
                       "WHERE relname LIKE 'statistics_%%' ORDER BY relname")
        rows = cursor.fetchall()
    print()
    print(f"{'':34}{'fast':>12}{'reference':>14}{'ratio':>9}")
    for label, (fast, ref) in out.items():
        ratio = f"{ref / fast:8.0f}x" if ref else ""
        ref_text = f"{ref * 1000:11.0f} ms" if ref else ""
        print(f"{label:34}{fast * 1000:9.1f} ms{ref_text:>14}{ratio:>9}")
    print(f"extra disk (statistics tables)    {extra / 2**20:9.1f} MB of {whole / 2**20:,.0f} MB "
          f"({100 * extra / whole:.1f}%)")
    print("rows: " + ", ".join(f"{name.removeprefix('statistics_')} {n:,}" for name, n in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=20)
    parser.add_argument("--towns", type=int, default=20, help="towns per county")
    # The target scale (2x10^7 memberships: ~17 GB, ~22 min to generate and ~13 min for
    # the facts on a 2-core machine); --enterprises 100000 --members 1000000 for a quick one.
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=20_000_000)
    parser.add_argument("--unionized", type=float, default=0.6,
                        help="share of enterprises ever covered")
    parser.add_argument("--reference-dates", type=int, default=3,
                        help="dates of the series measured on the reference path")
    parser.add_argument("--reference-budget", type=float, default=120, metavar="SECONDS",
                        help="the series' reference stops measuring dates once past it; a "
                             "dashboard whose reference (a date's cost on the series x 15) "
                             "would take longer is measured on one date per figure call, "
                             "scaled")
    parser.add_argument("--reset", action="store_true",
                        help="drop and create the database of DATABASE_URL first (jh_* only)")
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--skip-facts", action="store_true",
                        help="generate without building the facts (--measure-only builds them)")
    parser.add_argument("--load", type=int, default=0, metavar="SECONDS",
                        help="then run benchmarks/load.py for SECONDS against jianhui serve")
    parser.add_argument("--port", type=int, default=8771, help="the server's port for --load")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (COPY)")
    if args.reset:
        reset_database(url)
    import django

    django.setup()
    rebuilt = None if args.measure_only else generate(args)
    if args.generate_only:
        return
    measure(args, rebuilt)
    if args.load:
        import subprocess

        print(flush=True)
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "load.py"),
                        "--start-server", "--port", str(args.port), "--seconds",
                        str(args.load), "--as-of", AS_OF.isoformat()], check=True)


if __name__ == "__main__":
    main()
