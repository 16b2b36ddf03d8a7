"""The member facts of a rebuild, set-wise on PostgreSQL (sync.rebuild): the members never
travel to Python, which at 2×10^7 memberships is the difference between minutes and hours.

The rules are facts.py's, stated in SQL; the property and rebuild tests run both on
PostgreSQL, and a rebuild there must give the rows the Python path gives (the same
memberinterval rows, the same daily changes):

- counted: a membership's period [joined, left) cut to each cover of its enterprise (the
  covers already cut to the enterprise's in-scope time, given by the caller), and a person's
  periods in one enterprise merged where they overlap or touch (facts.merge);
- member changes: per jurisdiction, a person's counted periods merged across their
  enterprises there, +1 on each merged period's first day and −1 on its end;
- warnings: per enterprise, the days its number of counted persons reaches the 25-member
  threshold or falls below it (facts.warned).

Open ends are FOREVER (date.max) inside the queries, NULL in the tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from .facts import FOREVER
from .models import MemberInterval

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
                   OVER (PARTITION BY e, person ORDER BY s, t ROWS UNBOUNDED PRECEDING) AS first
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
    islands = _ISLANDS.format(keys="e, j, person", periods=periods, partition="e, person")
    cursor.execute(_COUNTED.format(islands=islands), {"forever": FOREVER})
    n = cursor.rowcount
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.add_index(MemberInterval, index)
    cursor.execute("DROP TABLE stat_cover")
    cursor.execute("ANALYZE statistics_memberinterval")
    return n


def member_changes(cursor) -> dict[int, list[tuple[dt.date, int]]]:
    """jurisdiction → (day, change of its own members) from the memberinterval table."""
    periods = ('SELECT jurisdiction_id AS j, person, start AS s, '
               'COALESCE("end", %(forever)s) AS t FROM statistics_memberinterval')
    islands = _ISLANDS.format(keys="j, person", periods=periods, partition="j, person")
    cursor.execute(f"WITH islands AS ({islands}) {_MEMBER_CHANGES}", {"forever": FOREVER})
    out: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for j, day, n in cursor.fetchall():
        out[j].append((day, int(n)))
    return out


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
