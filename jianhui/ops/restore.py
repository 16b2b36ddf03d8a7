"""`restore_backup(file)`: put a backup back onto an empty data dir and empty database.

Order: read and check the manifest (format, engine, migrations, external keys), check the
target is empty, extract everything into a private staging directory verifying each checksum,
and only then replace anything. With `force`, whatever would be replaced is first moved into
`before-restore-<time>/` in the data dir (a PostgreSQL database is pg_dumped there, then
emptied). Afterwards migrations run, so an older backup is brought up to this version.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.lib.files import sha256_file

from . import database
from .archive import check_signature, extract_verified, read_manifest, verify_whole
from .database import ENGINE_LABELS
from .datadir import (
    KEY_LABELS,
    OpsError,
    created_by_this_process,
    data_dir,
    external_keys,
    files_under,
    key_files,
)


def _signing_secret(manifest: dict, staging: Path) -> str:
    """The Django key the backup was signed under: the one given by environment variable
    when the backup says it was external (a forger holds no copy), else the archive's own
    key file (then the signature proves integrity, not origin: keep backups private)."""
    entry = manifest.get("keys", {}).get("secret_key", {})
    staged = staging / "keys" / "secret_key"
    if entry.get("external") or not staged.is_file():
        return settings.SECRET_KEY
    return staged.read_text().strip()


@dataclass
class Conflicts:
    messages: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    database: bool = False  # PostgreSQL tables to drop


def restore_backup(path: Path, *, force: bool, username: str,
                   log: Callable[[str], None]) -> dict:
    path = path.expanduser().absolute()
    if not path.is_file():
        raise OpsError(f"找不到备份文件 {path}。")
    verify_whole(path)
    manifest = read_manifest(path)
    kind = database.engine()
    _check_engine(manifest, kind)
    _check_migrations(manifest)
    warnings = _check_keys(manifest)
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    conflicts = _conflicts(manifest, kind, root)
    if conflicts.messages and not force:
        raise OpsError(
            "恢复只能在空的数据目录和空数据库上进行，拒绝恢复，未做任何改动：\n"
            + "".join(f"  - {m}\n" for m in conflicts.messages)
            + "确需覆盖时，请先停止建会服务，再加 --force 重试：被覆盖的文件会先移到数据目录下的"
            " before-restore-<时间> 目录" + ("，PostgreSQL 数据库会先用 pg_dump 备份到该目录再清空"
                                          if conflicts.database else "") + "。")

    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
    aside = None
    try:
        log("正在校验并解出备份……")
        extract_verified(path, manifest, staging)
        check_signature(path, _signing_secret(manifest, staging))
        if conflicts.messages:
            aside = _set_aside(conflicts, root, log)
        log("正在恢复数据库……")
        try:
            _put_database(kind, staging / manifest["database"]["file"], clean=conflicts.database)
            keys = _put_keys(staging / "keys", root)
            attachments = _put_directories(staging, root)
        except (OpsError, OSError) as exc:
            where = f"原有文件保存在 {aside}。" if aside else ""
            raise OpsError(f"恢复中途失败：{str(exc).rstrip('。')}。{where}请排除原因后重新恢复。") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    ContentType.objects.clear_cache()
    restored = database.current_counts()
    expected = manifest.get("row_counts", {})
    counts = {label: {"backup": n, "restored": restored.get(label)}
              for label, n in expected.items()}
    mismatches = sorted(label for label, c in counts.items() if c["backup"] != c["restored"])

    log("正在执行数据库迁移……")
    before = set(MigrationRecorder(connection).applied_migrations())
    call_command("migrate", interactive=False, verbosity=0)
    applied = sorted(f"{app}.{name}" for app, name in
                     set(MigrationRecorder(connection).applied_migrations()) - before)

    record(Action.BACKUP, username=username, object_key=path.name, object_repr="数据恢复",
           detail={"op": "restore", "file": str(path), "sha256": sha256_file(path),
                   "backup_created_at": manifest.get("created_at"), "engine": kind,
                   "forced": bool(conflicts.messages), "set_aside": str(aside or ""),
                   "migrations_applied": applied, "mismatches": mismatches})
    return {
        "file": str(path), "engine": kind, "backup_created_at": manifest.get("created_at"),
        "backup_jianhui_version": manifest.get("jianhui_version"),
        "row_counts": counts, "mismatches": mismatches, "keys": keys,
        "attachments": attachments, "migrations_applied": applied,
        "set_aside": str(aside) if aside else None, "warnings": warnings,
    }


# -- checks before anything is touched ------------------------------------------------------

def _check_engine(manifest: dict, kind: str) -> None:
    db = manifest.get("database") or {}
    source = db.get("engine")
    if source not in ENGINE_LABELS or db.get("file") not in manifest["files"]:
        raise OpsError("备份清单中没有数据库文件，拒绝恢复。")
    if source != kind:
        how = ("设置 DATABASE_URL 指向一个空的 PostgreSQL 数据库" if source == "postgresql"
               else "清空 DATABASE_URL（使用数据目录中的 SQLite）")
        raise OpsError(
            f"这是 {ENGINE_LABELS[source]} 数据库的备份，而当前配置的是 {ENGINE_LABELS[kind]}："
            f"不支持跨数据库恢复。请{how}后再恢复；未做任何改动。")


def _check_migrations(manifest: dict) -> None:
    """Refuse a backup whose schema is newer than this code (older ones are migrated up)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for (app, _), migration in loader.disk_migrations.items():
        known.update((app, name) for _, name in migration.replaces)
    for app, name in (manifest.get("migrations") or {}).items():
        if (app, name) not in known:
            raise OpsError(
                f"备份来自较新的版本（建会 {manifest.get('jianhui_version')}）：其数据库已执行迁移"
                f" {app}.{name}，本程序没有这个迁移。请先把建会升级到不低于备份时的版本再恢复；"
                f"未做任何改动。")


def _check_keys(manifest: dict) -> list[str]:
    """Keys kept outside the backup must be set again, the same ones (by fingerprint)."""
    warnings = []
    current = external_keys()
    for name, info in (manifest.get("keys") or {}).items():
        label = KEY_LABELS.get(name, name)
        if not info.get("external"):
            if name in current:
                warnings.append(f"当前设置了环境变量 {current[name]['env']}，它优先于恢复的{label}"
                                f"文件 {name}：请确认两者是同一密钥。")
            continue
        have = current.get(name)
        if have and have["fingerprint"] == info.get("fingerprint"):
            continue
        state = "当前未设置" if not have else "当前设置的不是同一密钥（指纹不符）"
        message = (f"备份时{label}由环境变量 {info.get('env')} 提供（指纹 "
                   f"{info.get('fingerprint')}），{state}。")
        if name == "field.key":
            raise OpsError(message + "请先设置同一密钥再恢复，否则加密的身份证号和手机号将无法"
                           "解密；未做任何改动。")
        warnings.append(message + "恢复后原有的登录会话和密码重置链接将失效，其余数据不受影响。")
    return warnings


def _conflicts(manifest: dict, kind: str, root: Path) -> Conflicts:
    found = Conflicts()
    tables = database.target_tables()
    if tables:
        if kind == "sqlite":
            live = database.sqlite_path()
            found.messages.append(f"数据目录中已有数据库 {live}（{len(tables)} 张表）")
            found.paths += database.sqlite_side_files(live)
        else:
            found.messages.append(f"目标 PostgreSQL 数据库 {database.pg_name()} 已有 "
                                  f"{len(tables)} 张表")
            found.database = True
    for name, path in key_files(root).items():
        want = manifest["files"].get(f"keys/{name}", {}).get("sha256")
        if want == sha256_file(path):
            continue
        # Generated moments ago by this very run (settings creates secret_key on start).
        if created_by_this_process(path):
            continue
        # Django's secret key only signs things that live in the database: without one, the
        # old key protects nothing.
        if name == "secret_key" and not tables:
            continue
        found.messages.append(f"数据目录中已有{KEY_LABELS.get(name, '密钥')}文件 {path}，"
                              + ("与备份中的不同" if want else "而备份中没有"))
        found.paths.append(path)
    dests = [root / top for top in sorted(_tops(manifest))]
    if any(name.startswith("media/") for name in manifest["files"]):
        dests.append(_media_root(root))
    for dest in dests:
        count = len(files_under(dest))
        if count:
            found.messages.append(f"附件目录 {dest} 中已有 {count} 个文件")
            found.paths.append(dest)
    return found


def _tops(manifest: dict) -> set[str]:
    """Top-level data-dir directories the backup brings (`uploads`, `attachments`, ...)."""
    return {name.split("/")[1] for name in manifest["files"] if name.startswith("data/")}


# -- replacing ------------------------------------------------------------------------------

def _set_aside(conflicts: Conflicts, root: Path, log: Callable[[str], None]) -> Path:
    aside = root / f"before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}"
    aside.mkdir(mode=0o700)
    if conflicts.database:
        log(f"正在用 pg_dump 把现有数据库备份到 {aside}……")
        database.dump_postgresql(aside / "jianhui.pgdump")
        database.drop_postgresql_tables()
    connection.close()
    for path in conflicts.paths:
        shutil.move(path, aside / path.name)
    log(f"原有文件已移到 {aside}")
    return aside


def _put_database(kind: str, staged: Path, *, clean: bool) -> None:
    if kind == "sqlite":
        database.put_sqlite(staged)
    else:
        database.put_postgresql(staged, clean=clean)


def _put_keys(staged: Path, root: Path) -> list[str]:
    names = []
    if staged.is_dir():
        for path in sorted(staged.iterdir()):
            dest = root / path.name
            path.replace(dest)
            dest.chmod(0o600)
            names.append(path.name)
    return names


def _put_directories(staging: Path, root: Path) -> int:
    count = 0
    for base, dest_root in ((staging / "data", root), (staging / "media", None)):
        if not base.is_dir():
            continue
        tops = [base] if dest_root is None else sorted(base.iterdir())
        for top in tops:
            dest = _media_root(root) if dest_root is None else dest_root / top.name
            count += len(files_under(top))
            if dest.exists():
                shutil.rmtree(dest)  # holds no files (else it was a conflict, set aside)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(top, dest)
    return count


def _media_root(root: Path) -> Path:
    media = getattr(settings, "MEDIA_ROOT", "")
    return Path(media) if media else root / "media"
