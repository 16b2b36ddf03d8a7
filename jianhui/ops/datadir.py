"""What a backup takes from the data dir besides the database: key files and attachments.

Keys: `secret_key` (Django's), `field.key` (the field-encryption key) and any other `*.key`,
plus `demo_password`. A key given by environment variable instead of a file is *external*: the
backup cannot contain it, records only a fingerprint, and warns that it must be kept apart.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path, PurePosixPath

from django.conf import settings


class OpsError(Exception):
    """A refusal or failure with a Chinese message for the operator; nothing was changed
    unless the message says otherwise."""


KEY_FILES = ("secret_key", "field.key", "demo_password")
# File name -> the environment variable that overrides it.
KEY_ENV = {"secret_key": "JIANHUI_SECRET_KEY", "field.key": "JIANHUI_FIELD_KEY"}
KEY_LABELS = {"secret_key": "Django 密钥", "field.key": "字段加密密钥",
              "demo_password": "演示账号密码"}
# Attachment directories inside the data dir (the ones that exist are taken). Not `uploads/`:
# import files hold full ID numbers and phones in clear, live a day (JIANHUI_UPLOAD_KEEP_HOURS)
# and are needed by no restore (issue 14, point 6).
ATTACHMENT_DIRS = ("attachments",)


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def key_files(root: Path | None = None) -> dict[str, Path]:
    """name -> path of the key files present in the data dir."""
    root = root or data_dir()
    names = set(KEY_FILES) | {p.name for p in root.glob("*.key")}
    return {n: root / n for n in sorted(names) if (root / n).is_file()}


def external_keys() -> dict[str, dict]:
    """Keys given by environment variable: {file name: {"env": VAR, "fingerprint": ...}}."""
    out = {}
    for name, var in KEY_ENV.items():
        value = os.environ.get(var, "").strip()
        if value:
            out[name] = {"env": var, "fingerprint": fingerprint(value)}
    return out


def fingerprint(value: str) -> str:
    """A short one-way fingerprint to check that the same external key is set at restore."""
    return hashlib.sha256(b"jianhui-key-fingerprint:" + value.encode()).hexdigest()[:16]


def attachment_roots() -> dict[str, Path]:
    """Archive prefix -> directory, for every attachment directory configured.

    `data/<name>` for directories inside the data dir; `media` for a MEDIA_ROOT elsewhere."""
    root = data_dir()
    roots = {f"data/{name}": root / name for name in ATTACHMENT_DIRS}
    media = getattr(settings, "MEDIA_ROOT", "")
    if media:
        media = Path(media).resolve()
        try:
            roots[f"data/{media.relative_to(root.resolve()).as_posix()}"] = media
        except ValueError:
            roots["media"] = media
    return roots


def files_under(directory: Path) -> list[Path]:
    """Regular files below a directory, sorted; symbolic links are not followed."""
    if not directory.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def safe_member(name: str) -> bool:
    """An archive member name we are willing to write: relative, no `..`, one of our folders."""
    path = PurePosixPath(name)
    return (not path.is_absolute() and ".." not in path.parts and len(path.parts) >= 2
            and path.parts[0] in {"database", "keys", "data", "media"}
            and "" not in path.parts and "\\" not in name)


def process_started() -> float | None:
    """Wall-clock start of this process (Linux), to tell a key file that settings generated
    in this very run from one that was there before; None when unknown."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start, in ticks after boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def created_by_this_process(path: Path) -> bool:
    started = process_started()
    # Start times are truncated to a clock tick (10 ms): later than that is surely ours.
    return started is not None and path.stat().st_mtime > started + 0.02
