"""Keeping the facts in step with every write, in the writer's transaction.

Every row-by-row write of the domain (services, forms, the admin, deletions) reaches here through
the model signals connected in apps.py; bulk writers (imports, the demo) call `refresh` with the
enterprises and organisations they wrote. `refresh` recomputes the facts of what was touched
and adds the difference (new − old) to the sums, so a back-dated correction changes every later
day at once. `rebuild` recomputes everything from scratch (`jianhui stats-rebuild`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import add, itemgetter

from django.db import connection, transaction

from jianhui.enterprises.models import Enterprise
from jianhui.unions.models import Coverage, UnionOrganisation

from . import facts as f
from . import generation, sums
from .models import (
    Checkpoint,
    DailyDelta,
    EnterpriseInterval,
    MemberInterval,
    OrganisationInterval,
)

PIECE_FIELDS = ("enterprise_id", "jurisdiction_id", "start", "end", "kind", "employees", "rule25")
COUNTED_FIELDS = ("enterprise_id", "jurisdiction_id", "person", "start", "end")
ALIVE_FIELDS = ("organisation_id", "jurisdiction_id", "kind", "start", "end")

# Inside `deferred()`: the ids touched so far, refreshed once when the block ends.
_pending: contextvars.ContextVar[tuple[set, set] | None] = contextvars.ContextVar(
    "statistics_pending", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the refreshes of the writes inside the block and run them once at its end (a
    service writing many rows, a test building a history)."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set((set(), set()))
    try:
        yield
        e_ids, o_ids = _pending.get()
    finally:
        _pending.reset(token)
    refresh(e_ids, o_ids)


def touch(enterprise_ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()) -> None:
    """Refresh now, or at the end of the enclosing `deferred()` block."""
    pending = _pending.get()
    if pending is None:
        refresh(enterprise_ids, organisation_ids)
    else:
        pending[0].update(enterprise_ids)
        pending[1].update(organisation_ids)


def _rows(model, fields, lookup: str, ids: set[int]) -> list[tuple]:
    out: list[tuple] = []
    for batch in f.chunked(ids):
        out += model.objects.filter(**{f"{lookup}__in": batch}).order_by().values_list(*fields)
    return out


def refresh(enterprise_ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()) -> None:
    """Recompute the facts of these enterprises and organisations and add the difference to
    the sums, inside the caller's transaction."""
    e_ids = {i for i in enterprise_ids if i is not None}
    o_ids = {i for i in organisation_ids if i is not None}
    if not e_ids and not o_ids:
        return
    with transaction.atomic():
        generation.bump()
        if o_ids:  # an organisation's dates and kind decide its enterprises' cover periods
            e_ids |= set(Coverage._base_manager.filter(organisation_id__in=o_ids)
                         .values_list("enterprise_id", flat=True))
        if connection.features.has_select_for_update:
            # Two writers of one enterprise: the second waits, then reads the first's facts.
            list(Enterprise._base_manager.select_for_update().filter(pk__in=e_ids)
                 .order_by("pk").values_list("pk"))
        old_pieces = _rows(EnterpriseInterval, PIECE_FIELDS, "enterprise_id", e_ids)
        old_counted = _rows(MemberInterval, COUNTED_FIELDS, "enterprise_id", e_ids)
        old_alive = _rows(OrganisationInterval, ALIVE_FIELDS, "organisation_id", o_ids)
        new = f.compute(e_ids, o_ids)
        deltas: f.Deltas = {}
        if sorted(old_pieces, key=repr) != sorted(new.pieces, key=repr):
            f.enterprise_deltas(deltas, old_pieces, -1)
            f.enterprise_deltas(deltas, new.pieces, +1)
            _replace(EnterpriseInterval, PIECE_FIELDS, "enterprise_id", e_ids, new.pieces)
        if sorted(old_alive, key=repr) != sorted(new.alive, key=repr):
            f.organisation_deltas(deltas, old_alive, -1)
            f.organisation_deltas(deltas, new.alive, +1)
            _replace(OrganisationInterval, ALIVE_FIELDS, "organisation_id", o_ids, new.alive)
        if sorted(old_counted, key=repr) != sorted(new.counted, key=repr):
            # A person counts once per jurisdiction: take the union of their periods there
            # with those in other enterprises, before and after.
            persons = {r[2] for r in old_counted} | {r[2] for r in new.counted}
            others = [r for r in _rows(MemberInterval, COUNTED_FIELDS, "person", persons)
                      if r[0] not in e_ids] if persons else []
            f.member_deltas(deltas, others + old_counted, -1)
            f.member_deltas(deltas, others + new.counted, +1)
            _replace(MemberInterval, COUNTED_FIELDS, "enterprise_id", e_ids, new.counted)
        sums.apply(deltas)


def _replace(model, fields, lookup: str, ids: set[int], rows: list[tuple]) -> None:
    for batch in f.chunked(ids):
        qs = model.objects.filter(**{f"{lookup}__in": batch})
        qs._raw_delete(qs.db)
    sums.insert_rows(model, fields, rows)


def rebuild(progress=None) -> dict[str, int]:
    """Every fact and sum from scratch, in one transaction.

    Python (SQLite): one pass over the domain rows, the enterprises one jurisdiction at a time
    (a person counts once per jurisdiction, so a jurisdiction's members are one unit; one query
    for its members), the facts written as they are computed, the changes per (jurisdiction,
    day) summed up the tree in memory (their size grows with jurisdictions × days, not with
    members) and written with their checkpoints at the end.

    PostgreSQL: the same facts with the members never leaving the database (sql.py): the
    counted periods, the member changes per (jurisdiction, day) and the days each enterprise
    crosses the 25-member threshold set-wise in SQL; the pieces in Python from those days;
    the sums up the tree and their checkpoints in SQL. The fact tables are emptied with
    TRUNCATE (readers of the statistics wait for the rebuild instead of scanning millions of
    deleted rows after it)."""
    with transaction.atomic():
        generation.bump()  # kept pages were computed from the facts replaced here
        _clear(EnterpriseInterval, MemberInterval, OrganisationInterval, DailyDelta, Checkpoint)
        tree = sums.ancestors()
        surveys, covers = f.surveys_of(None), f.covers_of(None)
        firms = list(Enterprise._base_manager.order_by("jurisdiction_id", "pk").values_list(
            *f.ENTERPRISE_FIELDS))
        counts = {"enterprises": 0, "pieces": 0, "counted": 0, "organisations": 0}
        if connection.vendor == "postgresql":
            _rebuild_sql(firms, surveys, covers, tree, counts, progress)
        else:
            _rebuild_python(firms, surveys, covers, tree, counts, progress)
    return counts


def _rebuild_python(firms, surveys, covers, tree, counts, progress) -> None:
    total: dict[int, dict] = {}  # jurisdiction → day → changes of its subtree
    for j, group in groupby(firms, key=itemgetter(1)):
        group = list(group)
        members = f.members_of([row[0] for row in group])
        part = f.Facts()
        for row in group:
            f.enterprise(part, row, surveys.pop(row[0], ()), covers.pop(row[0], ()),
                         members.pop(row[0], ()))
        counts["pieces"] += sums.insert_rows(EnterpriseInterval, PIECE_FIELDS, part.pieces)
        counts["counted"] += sums.insert_rows(MemberInterval, COUNTED_FIELDS, part.counted)
        deltas: f.Deltas = {}
        f.enterprise_deltas(deltas, part.pieces)
        f.member_deltas(deltas, part.counted)
        _add_up(total, deltas, tree.get(j, [j]))
        counts["enterprises"] += len(group)
        if progress:
            progress(counts["enterprises"])
    deltas = _rebuild_organisations(counts)
    by_jurisdiction: dict[int, f.Deltas] = defaultdict(dict)
    for key, vector in deltas.items():
        by_jurisdiction[key[0]][key] = vector
    for j, own in by_jurisdiction.items():
        _add_up(total, own, tree.get(j, [j]))
    checkpoints: list[tuple] = []

    def days():  # the daily rows in order, their checkpoints collected on the way
        for j in sorted(total):
            rows = [(j, day, *v) for day, v in sorted(total.pop(j).items()) if any(v)]
            checkpoints.extend(sums.checkpoints_of(rows))
            yield from rows

    counts["days"] = sums.insert_rows(
        DailyDelta, ("jurisdiction_id", "day", *sums.DELTA_FIELDS), days())
    counts["checkpoints"] = sums.insert_rows(
        Checkpoint, ("jurisdiction_id", "month", *sums.DELTA_FIELDS), checkpoints)


def _rebuild_organisations(counts: dict[str, int]) -> f.Deltas:
    """Every organisation's alive period written; their changes per (jurisdiction, day)."""
    alive = f.alive_of(None, set())
    counts["organisations"] = sums.insert_rows(OrganisationInterval, ALIVE_FIELDS, alive)
    deltas: f.Deltas = {}
    f.organisation_deltas(deltas, alive)
    return deltas


def _add_up(total: dict[int, dict], deltas: f.Deltas, ancestors: list[int]) -> None:
    """Add one jurisdiction's own changes ((jurisdiction, day) → changes) to its subtree's
    and each ancestor's."""
    for a in ancestors:
        days = total.setdefault(a, {})
        for (_j, day), vector in deltas.items():
            row = days.get(day)
            days[day] = list(vector) if row is None else list(map(add, row, vector))


def _rebuild_sql(firms, surveys, covers, tree, counts, progress) -> None:
    from . import sql

    scoped = {}
    for row in firms:
        found = f.in_scope(row, covers.pop(row[0], ()))
        if found is not None:
            scoped[row[0]] = found
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '1GB'")  # sorts of 10^7 rows, one at a time
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        counts["counted"] = sql.counted(cursor, (
            (pk, row[1], a, b) for row in firms if (pk := row[0]) in scoped
            for a, b, _kind in scoped[pk][2]))
        warnings = sql.warnings(cursor, f.RULE25_THRESHOLD)
        sql.own_changes(cursor)  # the members' first
    pieces: list[tuple] = []
    own: list[tuple] = []

    def flush(at_least: int) -> None:
        if len(pieces) + len(own) >= at_least:
            counts["pieces"] += sums.insert_rows(EnterpriseInterval, PIECE_FIELDS, pieces)
            with connection.cursor() as cursor:
                sql.add_own_changes(cursor, own)
            pieces.clear()
            own.clear()

    for _j, group in groupby(firms, key=itemgetter(1)):
        start = len(pieces)
        for row in group:
            if (found := scoped.pop(row[0], None)) is not None:
                s0, s1, cuts = found
                f.pieces(pieces, row, s0, s1, cuts, surveys.pop(row[0], ()),
                         warnings.pop(row[0], ()))
            counts["enterprises"] += 1
        deltas: f.Deltas = {}
        f.enterprise_deltas(deltas, pieces[start:])
        own.extend((j, day, *v) for (j, day), v in deltas.items())
        flush(100_000)
        if progress:
            progress(counts["enterprises"])
    deltas = _rebuild_organisations(counts)
    own.extend((j, day, *v) for (j, day), v in deltas.items())
    flush(0)
    with connection.cursor() as cursor:
        counts["days"], counts["checkpoints"] = sql.sums_up_the_tree(cursor, tree)


def _clear(*models) -> None:
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
        return
    for model in models:
        qs = model.objects.all()
        qs._raw_delete(qs.db)


def rebuild_sums() -> None:
    """The daily rows and checkpoints again from the stored facts (the tree changed shape)."""
    with transaction.atomic():
        for model in (DailyDelta, Checkpoint):
            qs = model.objects.all()
            qs._raw_delete(qs.db)
        deltas: f.Deltas = {}
        f.enterprise_deltas(deltas, EnterpriseInterval.objects.values_list(*PIECE_FIELDS))
        f.member_deltas(deltas, MemberInterval.objects.values_list(*COUNTED_FIELDS))
        f.organisation_deltas(deltas, OrganisationInterval.objects.values_list(*ALIVE_FIELDS))
        sums.apply(deltas, checkpoints=False)
        sums.build_checkpoints()


def built() -> bool:
    """Are there facts for this database (or nothing to have facts of)?"""
    if DailyDelta.objects.exists():
        return True
    return not (Enterprise._base_manager.exists() or UnionOrganisation._base_manager.exists())


# --- the signals (connected in apps.py) -------------------------------------------------------

def enterprise_written(sender, instance, **kwargs) -> None:
    touch(enterprise_ids=[instance.pk])


def enterprise_row_written(sender, instance, **kwargs) -> None:
    """A survey, coverage or member: its enterprise (and the one it left, if moved)."""
    touch(enterprise_ids=[instance.enterprise_id, getattr(instance, "_stat_old_enterprise",
                                                           None)])


def remember_enterprise(sender, instance, **kwargs) -> None:
    if instance.pk is not None and not kwargs.get("raw"):
        instance._stat_old_enterprise = (sender._base_manager.filter(pk=instance.pk)
                                         .values_list("enterprise_id", flat=True).first())


def organisation_written(sender, instance, **kwargs) -> None:
    touch(organisation_ids=[instance.pk])


def remember_path(sender, instance, **kwargs) -> None:
    instance._stat_old_path = (sender._base_manager.filter(pk=instance.pk)
                               .values_list("path", flat=True).first()
                               if instance.pk is not None else None)


def jurisdiction_written(sender, instance, created=False, **kwargs) -> None:
    generation.bump()  # a name, a new or a removed child: pages show them beside the figures
    old = getattr(instance, "_stat_old_path", None)
    if old is not None and old != instance.path and DailyDelta.objects.exists():
        rebuild_sums()


def jurisdiction_removed(sender, instance, **kwargs) -> None:
    generation.bump()
