"""The database part of a backup: a consistent snapshot with its row counts and migration
state, the emptiness test for a restore target, and putting a snapshot back.

SQLite is copied with sqlite3's online backup API (consistent while the server writes);
PostgreSQL with `pg_dump --format=custom` inside one exported snapshot, so the counts in the
manifest are those of the dump. A backup restores only onto the engine it came from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from .datadir import OpsError

ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DUMP_NAMES = {"sqlite": "database/jianhui.sqlite3", "postgresql": "database/jianhui.pgdump"}


@dataclass
class Snapshot:
    path: Path
    row_counts: dict[str, int]
    migrations: dict[str, str]


def engine() -> str:
    name = settings.DATABASES["default"]["ENGINE"]
    if name not in ENGINES:
        raise OpsError(f"不支持的数据库引擎 {name}：备份与恢复只支持 SQLite 和 PostgreSQL。")
    return ENGINES[name]


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def model_tables() -> dict[str, str]:
    """Model label -> table, for every concrete managed model (many-to-many tables too)."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.proxy and meta.managed:
            tables[meta.label] = meta.db_table
    return dict(sorted(tables.items()))


def count_rows(cursor, existing: set[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for label, table in model_tables().items():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[label] = cursor.fetchone()[0]
    return counts


def migration_state(cursor) -> dict[str, str]:
    """The latest applied migration of each app (in the order they were applied)."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(sorted({app: name for app, name in cursor.fetchall()}.items()))


def current_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        return count_rows(cursor, existing, connection.ops.quote_name)


# -- snapshots ----------------------------------------------------------------------------

def snapshot(dest_dir: Path) -> Snapshot:
    kind = engine()
    dest = dest_dir / Path(DUMP_NAMES[kind]).name
    return snapshot_sqlite(dest) if kind == "sqlite" else snapshot_postgresql(dest)


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_sqlite(dest: Path) -> Snapshot:
    live = sqlite_path()
    if not live.is_file() or not _sqlite_tables(live):
        raise OpsError(f"数据库 {live} 不存在或为空：没有可备份的数据（请检查 JIANHUI_DATA_DIR）。")
    src = sqlite3.connect(live, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # One step (pages=-1): the copy is the database as of one read transaction, while
        # the server may keep writing through the WAL.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        # Rebuild without free pages, so values deleted earlier do not travel in the backup.
        dst.execute("VACUUM")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise OpsError(f"数据库副本完整性检查未通过（{check}），未生成备份。")
        cursor = dst.cursor()
        existing = _sqlite_tables_of(cursor)
        if "django_migrations" not in existing:
            raise OpsError(f"数据库 {live} 尚未初始化（没有迁移记录），没有可备份的数据。")
        counts = count_rows(cursor, existing, _sqlite_quote)
        migrations = migration_state(cursor)
    finally:
        src.close()
        dst.close()
    os.chmod(dest, 0o600)
    return Snapshot(dest, counts, migrations)


def _sqlite_tables_of(cursor) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in cursor.fetchall()}


def _sqlite_tables(path: Path) -> set[str]:
    if not path.is_file() or path.stat().st_size == 0:
        return set()
    con = sqlite3.connect(path, timeout=30)
    try:
        return _sqlite_tables_of(con.cursor())
    finally:
        con.close()


def snapshot_postgresql(dest: Path) -> Snapshot:
    pg_dump = require_tool("pg_dump")
    # REPEATABLE READ + an exported snapshot: pg_dump sees exactly what we count.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        existing = set(connection.introspection.table_names(cursor))
        if "django_migrations" not in existing:
            raise OpsError(f"数据库 {pg_name()} 尚未初始化（没有迁移记录），没有可备份的数据。")
        counts = count_rows(cursor, existing, connection.ops.quote_name)
        migrations = migration_state(cursor)
        run_pg([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}",
                f"--file={dest}"], "pg_dump")
    os.chmod(dest, 0o600)
    return Snapshot(dest, counts, migrations)


# -- PostgreSQL client tools ----------------------------------------------------------------

def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OpsError(
            f"找不到 {name}：PostgreSQL 的备份与恢复需要 PostgreSQL 客户端工具"
            f"（pg_dump、pg_restore，版本不低于数据库服务器）。请安装后确保其在 PATH 中，"
            f"例如 Debian/Ubuntu：apt install postgresql-client；麒麟/统信/CentOS：yum install postgresql。")
    return path


def pg_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def pg_env() -> dict[str, str]:
    """Connection parameters for the client tools, all by environment (the password never
    appears on a command line, where other users could read it)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    options = db.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                     ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("options", "PGOPTIONS")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def run_pg(command: list[str], tool: str) -> None:
    result = subprocess.run(command, env=pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise OpsError(f"{tool} 失败（退出码 {result.returncode}）：{result.stderr.strip()}")


# -- restore targets ------------------------------------------------------------------------

def target_tables() -> list[str]:
    """Tables already in the target database (empty list: a fresh, empty database)."""
    if engine() == "sqlite":
        return sorted(_sqlite_tables(sqlite_path()))
    try:
        with connection.cursor() as cursor:
            return sorted(connection.introspection.table_names(cursor))
    except Exception as exc:  # a missing database is the usual cause
        raise OpsError(f"连接目标数据库 {pg_name()} 失败（{str(exc).strip()}）。请先创建一个空数据库"
                       f"（如 createdb {pg_name()}）并检查 DATABASE_URL。") from exc


def sqlite_side_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))
            if p.exists()]


def put_sqlite(staged: Path) -> None:
    """Move the verified copy into place; a leftover WAL of an empty file must not survive."""
    connection.close()
    live = sqlite_path()
    for path in sqlite_side_files(live):
        path.unlink()
    os.replace(staged, live)
    os.chmod(live, 0o600)


def put_postgresql(dump: Path, *, clean: bool) -> None:
    pg_restore = require_tool("pg_restore")
    connection.close()
    command = [pg_restore, "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={pg_name()}"]
    if clean:
        command += ["--clean", "--if-exists"]
    run_pg([*command, str(dump)], "pg_restore")


def drop_postgresql_tables() -> None:
    """--force on PostgreSQL: empty the schema (after a safety dump) so the dump fits."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connection.close()


def dump_postgresql(dest: Path) -> None:
    run_pg([require_tool("pg_dump"), "--format=custom", "--no-password", f"--file={dest}"],
           "pg_dump")
    os.chmod(dest, 0o600)
