"""Small file helpers shared by the imports and the backups, and private file modes."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's content, read in chunks (the standard library's file_digest)."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# ---------------------------------------------------------------- private files
# The data dir holds the database (with live session keys), the keys, uploads with personal
# data and backups: nobody but the account running Jianhui may read any of it.


class NotPrivate(Exception):
    """The data dir or a file in it is readable by others and cannot be tightened; the message
    is Chinese, names the file and the command that fixes it."""


def keep_private() -> None:
    """Everything this process creates from now on is for its own user only (0700/0600),
    whatever the umask it was started with: the database and its -wal/-shm, keys, uploads,
    reports, backups, logs. SQLite gives -wal and -shm the mode of the database file."""
    os.umask(os.umask(0o077) | 0o077)


def secure_data_dir(root: Path, names: tuple[str, ...] = ()) -> list[Path]:
    """Create root with mode 0700, or tighten an existing root and the named files in it that
    others may read (group or world bits) to 0700/0600. Returns what was tightened; raises
    NotPrivate when a mode cannot be changed (the files belong to someone else)."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    tightened = []
    for path in [root, *(root / n for n in names)]:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        current, mode = stat.S_IMODE(info.st_mode), 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        if current & 0o077 == 0:
            continue
        try:
            os.chmod(path, mode)
        except OSError as exc:
            command = f"chmod {mode:o} {path}"
            raise NotPrivate(
                f"{path} 的权限为 {current:o}，本机其他用户可以读取（其中有数据库、会话和密钥），"
                f"且无法自动收紧（{exc.strerror}）。请以该文件的所有者运行「{command}」"
                "后再启动建会。") from exc
        tightened.append(path)
    return tightened
