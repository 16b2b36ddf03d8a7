"""The member facts of a rebuild, set-wise on PostgreSQL (sync.rebuild): the members never
travel to Python, which at 2×10^7 memberships is the difference between minutes and hours.

The rules are facts.py's, stated in SQL; the property and rebuild tests run both on
PostgreSQL, and a rebuild there must give the facts the writes kept (the same memberinterval
rows, the same daily changes and figures):

- counted: a membership's period [joined, left) cut to each cover of its enterprise (the
  covers already cut to the enterprise's in-scope time, given by the caller), and a person's
  periods in one enterprise merged where they overlap or touch (facts.merge);
- member changes: per jurisdiction, a person's counted periods merged across their
  enterprises there, +1 on each merged period's first day and −1 on its end (facts.member_deltas);
- warnings: per enterprise, the days its number of counted persons reaches the 25-member
  threshold or falls below it (facts.warned);
- the sums: each own jurisdiction's changes added to it and its ancestors (sums.roll_up), the
  checkpoints the running totals at the last daily row of each month (sums.checkpoints_of).

Open ends are FOREVER (date.max) inside the queries, NULL in the tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from .facts import FOREVER
from .models import DELTA_FIELDS, MemberInterval

# (Persons are compared byte by byte, COLLATE "C": the same groups as the database's collation
# gives, sorted several times faster.)
# Merging sorted periods in one window pass: `prev` is the latest end among the earlier rows
# of the partition (a row starts a new merged period when it begins after it), `upto` the
# latest end including the row (a row ends a merged period when the next begins after it).
_ISLANDS = """
    SELECT {keys}, s, t,
           MAX(t) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev,
           MAX(t) OVER (w ROWS UNBOUNDED PRECEDING) AS upto,
           LEAD(s) OVER w AS nxt
    FROM ({periods}) periods
    WINDOW w AS (PARTITION BY {partition} ORDER BY s, t)
"""

_COUNTED = """
    INSERT INTO statistics_memberinterval (enterprise_id, jurisdiction_id, person, start, "end")
    SELECT e, j, person, first, NULLIF(upto, %(forever)s) FROM (
        SELECT e, j, person, upto, nxt,
               MAX(CASE WHEN prev IS NULL OR s > prev THEN s END)
                   OVER (PARTITION BY e, person COLLATE "C" ORDER BY s, t
                         ROWS UNBOUNDED PRECEDING) AS first
        FROM ({islands}) islands
    ) ends
    WHERE nxt IS NULL OR nxt > upto
"""

_PERIODS = """
    SELECT c.enterprise_id AS e, c.jurisdiction_id AS j, m.id_number_index AS person,
           GREATEST(m.joined_on, c.a) AS s,
           LEAST(COALESCE(m.left_on, %(forever)s), c.b) AS t
    FROM unions_member m JOIN stat_cover c ON c.enterprise_id = m.enterprise_id
    WHERE GREATEST(m.joined_on, c.a) < LEAST(COALESCE(m.left_on, %(forever)s), c.b)
"""

_MEMBER_CHANGES = """
    SELECT j, day, SUM(n) FROM (
        SELECT j, s AS day, 1 AS n FROM islands WHERE prev IS NULL OR s > prev
        UNION ALL
        SELECT j, upto, -1 FROM islands WHERE (nxt IS NULL OR nxt > upto)
                                          AND upto <> %(forever)s
    ) changes
    GROUP BY j, day HAVING SUM(n) <> 0
"""

_WARNINGS = """
    SELECT e, d, over FROM (
        SELECT e, d, c >= %(threshold)s AS over,
               LAG(c >= %(threshold)s, 1, false) OVER (PARTITION BY e ORDER BY d) AS was
        FROM (
            SELECT e, d, SUM(n) OVER (PARTITION BY e ORDER BY d) AS c FROM (
                SELECT e, d, SUM(n) AS n FROM (
                    SELECT enterprise_id AS e, start AS d, 1 AS n
                    FROM statistics_memberinterval WHERE enterprise_id IN (many)
                    UNION ALL
                    SELECT enterprise_id, "end", -1
                    FROM statistics_memberinterval WHERE enterprise_id IN (many)
                                                     AND "end" IS NOT NULL
                ) events GROUP BY e, d
            ) by_day
        ) running
    ) flags
    WHERE over <> was
"""


def counted(cursor, covers: Iterable[tuple[int, int, dt.date, dt.date]]) -> int:
    """Write every counted period (an empty memberinterval table) from the covers
    (enterprise, jurisdiction, start, end or FOREVER) cut to their enterprises' in-scope time;
    the table's indexes are made after the rows. Returns the number of rows."""
    cursor.execute("CREATE TEMP TABLE stat_cover (enterprise_id bigint, jurisdiction_id bigint, "
                   "a date, b date) ON COMMIT DROP")
    with cursor.cursor.copy("COPY stat_cover FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int8", "date", "date"])
        for row in covers:
            copy.write_row(row)
    cursor.execute("CREATE INDEX ON stat_cover (enterprise_id)")
    cursor.execute("ANALYZE stat_cover")
    indexes = MemberInterval._meta.indexes
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(MemberInterval, index)
    periods = _PERIODS
    islands = _ISLANDS.format(keys="e, j, person", periods=periods,
                              partition='e, person COLLATE "C"')
    cursor.execute(_COUNTED.format(islands=islands), {"forever": FOREVER})
    n = cursor.rowcount
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.add_index(MemberInterval, index)
    cursor.execute("DROP TABLE stat_cover")
    cursor.execute("ANALYZE statistics_memberinterval")
    return n


FIELDS = ", ".join(DELTA_FIELDS)


def own_changes(cursor) -> None:
    """Make the temporary table of changes per (own jurisdiction, day) and put the members'
    in it, from the memberinterval table."""
    cursor.execute(f"CREATE TEMP TABLE stat_own (j bigint, day date, "
                   f"{', '.join(f'{name} bigint NOT NULL DEFAULT 0' for name in DELTA_FIELDS)}"
                   f") ON COMMIT DROP")
    periods = ('SELECT jurisdiction_id AS j, person, start AS s, '
               'COALESCE("end", %(forever)s) AS t FROM statistics_memberinterval')
    islands = _ISLANDS.format(keys="j, person", periods=periods,
                              partition='j, person COLLATE "C"')
    cursor.execute(f"INSERT INTO stat_own (j, day, members) WITH islands AS ({islands}) "
                   f"{_MEMBER_CHANGES}", {"forever": FOREVER})


def add_own_changes(cursor, rows: list[tuple]) -> None:
    """More (jurisdiction, day, *changes) rows for stat_own (the enterprises', the
    organisations')."""
    with cursor.cursor.copy(f"COPY stat_own (j, day, {FIELDS}) FROM STDIN (FORMAT BINARY)") \
            as copy:
        copy.set_types(["int8", "date", *["int8"] * len(DELTA_FIELDS)])
        for row in rows:
            copy.write_row(row)


def sums_up_the_tree(cursor, tree: dict[int, list[int]]) -> tuple[int, int]:
    """The daily rows (each jurisdiction's changes with its subtree's: sums.roll_up) and their
    checkpoints (the running totals at each month's last row: sums.checkpoints_of) from
    stat_own. Returns the numbers of rows."""
    cursor.execute("CREATE TEMP TABLE stat_tree (j bigint, ancestor bigint) ON COMMIT DROP")
    with cursor.cursor.copy("COPY stat_tree FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int8"])
        for j, ancestors in tree.items():
            for a in ancestors:
                copy.write_row((j, a))
    cursor.execute("ANALYZE stat_own")
    sums = ", ".join(f"SUM(o.{name})" for name in DELTA_FIELDS)
    nonzero = " OR ".join(f"SUM(o.{name}) <> 0" for name in DELTA_FIELDS)
    # An own jurisdiction missing from the tree adds to itself only (as sums.roll_up).
    cursor.execute(f"""
        INSERT INTO statistics_dailydelta (jurisdiction_id, day, {FIELDS})
        SELECT COALESCE(t.ancestor, o.j), o.day, {sums}
        FROM stat_own o LEFT JOIN stat_tree t ON t.j = o.j
        GROUP BY COALESCE(t.ancestor, o.j), o.day HAVING {nonzero}""")
    days = cursor.rowcount
    running = ", ".join(f"SUM({name}) OVER w AS {name}" for name in DELTA_FIELDS)
    cursor.execute(f"""
        INSERT INTO statistics_checkpoint (jurisdiction_id, month, {FIELDS})
        SELECT jurisdiction_id, date_trunc('month', day)::date, {FIELDS} FROM (
            SELECT jurisdiction_id, day, {running}, LEAD(day) OVER w AS nxt
            FROM statistics_dailydelta
            WINDOW w AS (PARTITION BY jurisdiction_id ORDER BY day ROWS UNBOUNDED PRECEDING)
        ) totals
        WHERE nxt IS NULL OR date_trunc('month', nxt) <> date_trunc('month', day)""")
    checkpoints = cursor.rowcount
    cursor.execute("DROP TABLE stat_own, stat_tree")
    return days, checkpoints


def warnings(cursor, threshold: int) -> dict[int, list[tuple[dt.date, bool]]]:
    """enterprise → the days it reaches (True) or falls below (False) the threshold, in
    order (facts.warned), for the enterprises that ever have `threshold` counted periods."""
    many = ("SELECT enterprise_id FROM statistics_memberinterval GROUP BY enterprise_id "
            "HAVING COUNT(*) >= %(threshold)s")
    cursor.execute(_WARNINGS.replace("(many)", f"({many})"), {"threshold": threshold})
    out: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    for e, day, over in cursor.fetchall():
        out[e].append((day, over))
    for rows in out.values():
        rows.sort()
    return out
