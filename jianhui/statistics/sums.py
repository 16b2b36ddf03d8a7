"""Running sums of the per-(jurisdiction, day) changes: every figure of a jurisdiction's subtree
on any date from one checkpoint and at most half a month of daily rows, in two queries.

A checkpoint holds a jurisdiction's totals through the last day of a month in which it has
daily rows (only those months: a quiet jurisdiction has few). The totals on D are then the
latest checkpoint before D's month plus D's month up to D, or the latest checkpoint up to D's
month minus the days after D, whichever reads fewer days.

Writes: `apply(deltas)` adds the changes of a set of facts (keyed by an enterprise's or an
organisation's own jurisdiction) to that jurisdiction and each of its ancestors, and to their
checkpoints after the day. Reads: `at(dates, jurisdiction ids)`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from operator import add

from django.db import connection
from django.db.models import OuterRef, Q, Subquery, Sum

from jianhui.regions.models import Jurisdiction

from . import generation
from .facts import Deltas
from .models import DELTA_FIELDS, Checkpoint, DailyDelta

SMALL = 200  # (jurisdiction, day) changes beyond which checkpoints are recomputed, not patched
N = len(DELTA_FIELDS)
Vector = list[int]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def ancestors() -> dict[int, list[int]]:
    """Each jurisdiction id → its own id and its ancestors' (the subtrees it adds to)."""
    rows = list(Jurisdiction.objects.order_by().values_list("pk", "code", "path"))
    by_code = {code: pk for pk, code, _ in rows}
    return {pk: [by_code[c] for c in path.strip("/").split("/") if c in by_code]
            for pk, _, path in rows}


def roll_up(deltas: Deltas, tree: dict[int, list[int]] | None = None) -> Deltas:
    tree = tree if tree is not None else ancestors()
    out: Deltas = {}
    for (j, day), vector in deltas.items():
        if not any(vector):
            continue
        for a in tree.get(j, [j]):
            row = out.get((a, day))
            if row is None:
                out[a, day] = list(vector)
            else:
                for i, v in enumerate(vector):
                    row[i] += v
    return {k: v for k, v in out.items() if any(v)}


# --- writing ---------------------------------------------------------------------------------

def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def apply(deltas: Deltas, *, checkpoints: bool = True) -> None:
    """Add these own-jurisdiction changes to the rolled-up daily rows and their checkpoints."""
    rolled = roll_up(deltas)
    if not rolled:
        return
    cols = ", ".join(DELTA_FIELDS)
    sets = ", ".join(f"{f} = {_table(DailyDelta)}.{f} + excluded.{f}" for f in DELTA_FIELDS)
    sql = (f"INSERT INTO {_table(DailyDelta)} (jurisdiction_id, day, {cols}) "
           f"VALUES (%s, %s, {', '.join(['%s'] * N)}) "
           f"ON CONFLICT (jurisdiction_id, day) DO UPDATE SET {sets}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(j, day, *v) for (j, day), v in sorted(rolled.items())])
    if checkpoints:
        _patch_checkpoints(rolled)


def _patch_checkpoints(rolled: Deltas) -> None:
    """Add the changes to the checkpoints of their month and every later one, and make the
    checkpoint of a month that had none (the totals through the previous checkpoint's month
    plus this month's rows)."""
    if len(rolled) > SMALL:
        build_checkpoints({j for j, _ in rolled})
        return
    touched = {(j, month_of(day)) for j, day in rolled}
    have = set(Checkpoint.objects.filter(
        jurisdiction_id__in={j for j, _ in touched}, month__in={m for _, m in touched})
        .values_list("jurisdiction_id", "month"))
    sets = ", ".join(f"{f} = {f} + %s" for f in DELTA_FIELDS)
    sql = f"UPDATE {_table(Checkpoint)} SET {sets} WHERE jurisdiction_id = %s AND month >= %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*v, j, month_of(day)) for (j, day), v in sorted(rolled.items())])
    for j, m in sorted(touched - have):
        before = (Checkpoint.objects.filter(jurisdiction_id=j, month__lt=m).order_by("-month")
                  .values_list(*DELTA_FIELDS).first()) or [0] * N
        during = DailyDelta.objects.filter(jurisdiction_id=j, day__gte=m,
                                           day__lt=next_month(m)).aggregate(
            **{f: Sum(f) for f in DELTA_FIELDS})
        Checkpoint.objects.create(jurisdiction_id=j, month=m, **{
            f: b + (during[f] or 0) for f, b in zip(DELTA_FIELDS, before, strict=True)})


def build_checkpoints(jurisdiction_ids: Iterable[int] | None = None) -> int:
    """(Re)compute the checkpoints of these jurisdictions (None: all) from their daily rows."""
    generation.bump()
    ids = None if jurisdiction_ids is None else sorted(set(jurisdiction_ids))
    old = Checkpoint.objects.all() if ids is None else Checkpoint.objects.filter(
        jurisdiction_id__in=ids)
    old._raw_delete(old.db)
    rows = DailyDelta.objects.order_by("jurisdiction_id", "day").values_list(
        "jurisdiction_id", "day", *DELTA_FIELDS)
    if ids is not None:
        rows = rows.filter(jurisdiction_id__in=ids)
    # Read before writing: the COPY holds the connection, so the daily rows (a server-side
    # cursor on PostgreSQL) cannot be read while it runs (that hung a jurisdiction's move).
    # A checkpoint a jurisdiction and month: 136,181 at 2x10^7 members.
    checkpoints = list(checkpoints_of(rows.iterator(chunk_size=10000)))
    return insert_rows(Checkpoint, ("jurisdiction_id", "month", *DELTA_FIELDS), checkpoints)


def checkpoints_of(rows: Iterable[tuple]) -> Iterator[tuple]:
    """The checkpoint rows (jurisdiction, month, *totals) of daily rows (jurisdiction, day,
    *changes) in (jurisdiction, day) order."""
    current, month, total = None, None, [0] * N
    for j, day, *vector in rows:
        if (j, month_of(day)) != (current, month):
            if current is not None:
                yield (current, month, *total)
            if j != current:
                total = [0] * N
            current, month = j, month_of(day)
        total = list(map(add, total, vector))
    if current is not None:
        yield (current, month, *total)


def insert_rows(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Many rows at once: binary COPY on PostgreSQL, one prepared INSERT for all rows elsewhere
    (the fact tables hold plain integers, dates and text: no field converts a value). Returns
    the number of rows. `rows` may be a generator, but not one reading the database: the COPY
    holds the connection while it runs."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(x).column for x in fields]
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = _column_types(cursor, model._meta.db_table)
            with cursor.cursor.copy(f"COPY {table} ({listed}) FROM STDIN (FORMAT BINARY)") \
                    as copy:
                copy.set_types([types[c] for c in columns])
                write = copy.write_row
                for row in rows:
                    write(row)
                    count += 1
            return count
        rows = list(rows)
        if rows:
            cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES "
                               f"({', '.join(['%s'] * len(fields))})", rows)
        return len(rows)


_types: dict[tuple[str, str], dict[str, int]] = {}


def _column_types(cursor, table: str) -> dict[str, int]:
    """A PostgreSQL table's column → type oid (what a binary COPY is told)."""
    key = (connection.settings_dict["NAME"], table)
    if key not in _types:
        cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = "
                       "%s::regclass AND attnum > 0 AND NOT attisdropped", [table])
        _types[key] = dict(cursor.fetchall())
    return _types[key]


# --- reading ---------------------------------------------------------------------------------

def _plan(on: dt.date) -> tuple[dt.date, dt.date, dt.date, int]:
    """Where the figures of `on` come from: the latest checkpoint at or before a month, then
    the daily rows of a range added (+1) or taken away (−1). From the month before: add the
    month's days up to `on`; from the month itself: take away the days after `on`. The
    shorter of the two."""
    month = month_of(on)
    end = next_month(month) - dt.timedelta(days=1)
    if (end - on).days < on.day:
        return month, on + dt.timedelta(days=1), end, -1
    return month - dt.timedelta(days=1), month, on, 1


def at(dates: Iterable[dt.date], jurisdiction_ids: Iterable[int]) -> dict[tuple[dt.date, int],
                                                                          Vector]:
    """Every figure (DELTA_FIELDS) of each jurisdiction's subtree on each date: two queries
    (and one per group of nearby dates in which some jurisdiction had no change for two
    months)."""
    dates = sorted(set(dates))
    ids = sorted(set(jurisdiction_ids))
    if not dates or not ids:
        return {}
    plans = {on: _plan(on) for on in dates}
    columns = ("jurisdiction_id", "month", *DELTA_FIELDS)
    # Per cluster of nearby dates, the checkpoints from two months before its first one: an
    # index range scan that for nearly every jurisdiction holds the latest checkpoint at or
    # before each date; the few without one ("quiet") get theirs by an index probe each.
    rows: list[tuple] = []
    clusters = _clusters(sorted({p[0] for p in plans.values()}))
    q = Q()
    for lo, hi in clusters:
        q |= Q(month__gte=_two_months_before(lo), month__lte=hi)
    rows = list(Checkpoint.objects.filter(q, jurisdiction_id__in=ids).values_list(*columns))
    for lo, _hi in clusters:
        since = _two_months_before(lo)
        found = {r[0] for r in rows if since <= r[1] <= lo}
        quiet = [j for j in ids if j not in found]
        if quiet:
            latest = Jurisdiction.objects.filter(pk__in=quiet).annotate(c=Subquery(
                Checkpoint.objects.filter(jurisdiction_id=OuterRef("pk"), month__lt=since)
                .order_by("-month").values("pk")[:1])).values("c")
            rows += Checkpoint.objects.filter(pk__in=latest).values_list(*columns)
    rows = list(dict.fromkeys(rows))  # a quiet one's checkpoint may be another cluster's too
    months: dict[int, list[dt.date]] = defaultdict(list)
    totals: dict[int, list[Vector]] = defaultdict(list)
    for j, m, *v in sorted(rows, key=lambda r: (r[0], r[1])):
        months[j].append(m)
        totals[j].append(v)
    spans = _merge_spans([(a, b) for _, a, b, _ in plans.values() if a <= b])
    days: dict[int, list[dt.date]] = defaultdict(list)
    sums: dict[int, list[Vector]] = defaultdict(list)
    if spans:
        q = Q()
        for a, b in spans:
            q |= Q(day__gte=a, day__lte=b)
        for j, day, *v in DailyDelta.objects.filter(q, jurisdiction_id__in=ids).order_by(
                "jurisdiction_id", "day").values_list("jurisdiction_id", "day", *DELTA_FIELDS):
            running = sums[j]
            days[j].append(day)
            running.append([a + b for a, b in zip(running[-1], v, strict=True)] if running
                           else v)
    out = {}
    zero = [0] * N
    for on, (month, a, b, sign) in plans.items():
        for j in ids:
            k = bisect.bisect_right(months.get(j, []), month)
            start = totals[j][k - 1] if k else zero
            d, s = days.get(j, []), sums.get(j, [])
            upper, lower = bisect.bisect_right(d, b), bisect.bisect_left(d, a)
            up = s[upper - 1] if upper else zero
            low = s[lower - 1] if lower else zero
            out[on, j] = [x + sign * (u - w) for x, u, w in zip(start, up, low, strict=True)]
    return out


def _two_months_before(day: dt.date) -> dt.date:
    month = month_of(month_of(day) - dt.timedelta(days=1))
    return month_of(month - dt.timedelta(days=1))


def _clusters(targets: list[dt.date], gap: int = 92) -> list[tuple[dt.date, dt.date]]:
    """Sorted dates grouped where each is within `gap` days of the previous one."""
    out: list[list[dt.date]] = []
    for t in targets:
        if out and (t - out[-1][1]).days <= gap:
            out[-1][1] = t
        else:
            out.append([t, t])
    return [(a, b) for a, b in out]


def _merge_spans(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    out: list[list[dt.date]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + dt.timedelta(days=1):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]
