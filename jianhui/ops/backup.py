"""`make_backup(out)`: database snapshot + key files + attachments + manifest, in one file.

The file is written under a temporary name in the target directory with mode 0600 and renamed
into place only when complete, so a crash never leaves a half backup under the final name.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django
from django.conf import settings
from django.utils import timezone

from jianhui.audit.log import record
from jianhui.audit.models import Action
from jianhui.audit.verify import verify_chain
from jianhui.lib.files import sha256_file

from . import database
from .archive import FORMAT, FORMAT_VERSION, Writer
from .datadir import (
    KEY_LABELS,
    OpsError,
    attachment_roots,
    data_dir,
    external_keys,
    files_under,
    key_files,
)

SUFFIXES = (".tar.gz", ".tgz")


def jianhui_version() -> str:
    try:
        return version("jianhui")
    except PackageNotFoundError:
        return "unknown"


def target_path(out: Path) -> Path:
    """OUT as given, or a time-stamped file name inside OUT when it is a directory."""
    if out.is_dir():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = out / f"jianhui-backup-{stamp}.tar.gz"
    if not out.name.endswith(SUFFIXES):
        raise OpsError(f"备份文件名 {out.name} 须以 .tar.gz 结尾（或给出一个已有目录，自动命名）。")
    if out.exists():
        raise OpsError(f"{out} 已存在：备份不覆盖已有文件，请换一个文件名。")
    if not out.parent.is_dir():
        raise OpsError(f"目录 {out.parent} 不存在，请先创建。")
    for root in attachment_roots().values():
        if out.parent.resolve().is_relative_to(root.resolve()):
            raise OpsError(f"备份文件不能放在附件目录 {root} 中（否则会把备份打进备份），请换一个目录。")
    return out


def make_backup(out: Path, *, username: str) -> dict:
    """Write the backup; return a summary (also what `--json` prints)."""
    out = target_path(out.expanduser().absolute())
    kind = database.engine()
    # The audit log's hash chain is checked first: a backup records whether the log it
    # carries was intact, and its head, to compare with later (issue 14, point 7).
    audit_chain = verify_chain()
    work = Path(tempfile.mkdtemp(prefix=".jianhui-backup-", dir=out.parent))
    # mkstemp creates the file with mode 0600: it will hold the keys.
    fd, part = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        snap = database.snapshot(work)
        keys, warnings = _keys()
        with os.fdopen(fd, "wb") as fh:
            writer = Writer(fh)
            writer.add(snap.path, database.DUMP_NAMES[kind])
            for name, path in key_files().items():
                writer.add(path, f"keys/{name}")
            directories = {}
            for prefix, root in attachment_roots().items():
                files = files_under(root)
                if files:
                    directories[prefix] = str(root)
                for path in files:
                    writer.add(path, f"{prefix}/{path.relative_to(root).as_posix()}")
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION,
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
                "jianhui_version": jianhui_version(), "django_version": django.get_version(),
                "host": platform.node(), "data_dir": str(data_dir()),
                "database": {"engine": kind, "file": database.DUMP_NAMES[kind]},
                "migrations": snap.migrations, "row_counts": snap.row_counts,
                "keys": keys, "directories": directories,
                "audit_chain": audit_chain.as_json(),
            }
            writer.close(manifest, settings.SECRET_KEY)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _fsync_dir(out.parent)
    summary = {
        "file": str(out), "size": out.stat().st_size, "sha256": sha256_file(out),
        "created_at": manifest["created_at"], "engine": kind,
        "migrations": snap.migrations, "row_counts": snap.row_counts,
        "files": len(writer.files), "keys": keys, "warnings": warnings,
        "audit_chain": audit_chain.as_json(),
    }
    if not audit_chain.ok:
        warnings.append(audit_chain.summary())
    record(Action.BACKUP, username=username, object_key=out.name, object_repr="数据备份",
           detail={"op": "backup", "file": str(out), "sha256": summary["sha256"],
                   "size": summary["size"], "engine": kind, "files": summary["files"],
                   "row_counts": snap.row_counts,
                   "external_keys": sorted(k for k, v in keys.items() if v["external"])})
    return summary


def _keys() -> tuple[dict, list[str]]:
    """What the manifest says about each key, and the warnings for keys kept outside."""
    keys: dict[str, dict] = {}
    for name in key_files():
        keys[name] = {"external": False, "file": f"keys/{name}"}
    warnings = []
    for name, ext in external_keys().items():
        keys[name] = {**keys.get(name, {}), "external": True, "env": ext["env"],
                      "fingerprint": ext["fingerprint"]}
        warnings.append(
            f"{KEY_LABELS[name]}由环境变量 {ext['env']} 提供，不在备份中：请另行妥善保管该密钥"
            f"（指纹 {ext['fingerprint']}），恢复时须设置同一密钥。"
            + ("没有它，备份中加密的身份证号和手机号将无法解密。" if name == "field.key" else ""))
    return keys, warnings


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
