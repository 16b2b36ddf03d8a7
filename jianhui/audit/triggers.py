"""Database triggers that keep the audit table append-only below the application.

The ORM already refuses to update or delete events (models.AuditQuerySet); these triggers
also refuse raw SQL, the Django shell and a psql session:

- UPDATE of any row is rejected;
- DELETE of a row younger than RETENTION_DAYS is rejected, so only `jianhui audit-purge`
  (which deletes older rows only) can ever remove anything;
- on PostgreSQL, TRUNCATE of the table is rejected as well (SQLite has no TRUNCATE; its
  DELETE without WHERE fires the row trigger).

The trigger's floor is fixed at 180 days, the legal minimum; JIANHUI_AUDIT_RETENTION_DAYS may
only make the purge command keep more. Installed by migration 0002 and again after every
`migrate` (idempotently), because SQLite drops a table's triggers when Django rebuilds the
table for a later schema change. Someone who owns the database can still drop a trigger: the
guard is against the application and its operators' mistakes, not against the DBA.
"""

from __future__ import annotations

RETENTION_DAYS = 180
TABLE = "audit_auditevent"
UPDATE_MESSAGE = "审计日志只能追加，不能修改。"
DELETE_MESSAGE = f"审计日志至少保留{RETENTION_DAYS}天，保留期内的记录不能删除。"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END""",
    # Django keeps datetimes on SQLite as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", which
    # compares correctly with datetime('now', ...) (also UTC).
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_early_delete BEFORE DELETE ON {TABLE}
    WHEN OLD."at" > datetime('now', '-{RETENTION_DAYS} days')
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_early_delete",
]

POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD."at" < now() - interval '{RETENTION_DAYS} days' THEN
            RETURN OLD;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{DELETE_MESSAGE}';
        END IF;
        RAISE EXCEPTION '{UPDATE_MESSAGE}';
    END $$""",
    f"""CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    f"""CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_append_only()",
]

STATEMENTS = {
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
}


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection) -> bool:
    """Create the triggers if this engine has them; False for other engines."""
    if connection.vendor not in STATEMENTS or TABLE not in connection.introspection.table_names():
        return False
    _run(connection, STATEMENTS[connection.vendor][0])
    return True


def remove(connection) -> None:
    if connection.vendor in STATEMENTS:
        _run(connection, STATEMENTS[connection.vendor][1])


def installed(connection) -> set[str]:
    """Names of the audit triggers present (for tests and checks)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                           [TABLE])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                           "AND NOT tgisinternal", [TABLE])
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}
