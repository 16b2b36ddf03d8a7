"""The backup file: a gzip-compressed tar holding

    database/jianhui.sqlite3 | database/jianhui.pgdump
    keys/secret_key, keys/field.key, ...       (mode 0600 on restore)
    data/uploads/..., data/attachments/...     (attachment directories of the data dir)
    media/...                                  (MEDIA_ROOT, when it lies outside the data dir)
    manifest.json                              (last: it lists the sha256 of every other file)

Reading verifies every file against the manifest while extracting into a private staging
directory; nothing outside the staging directory is touched until all files are verified.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from pathlib import Path

from .datadir import OpsError, safe_member

FORMAT = "jianhui-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BROKEN = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError)


class _Hashing(io.RawIOBase):
    """Reads a file once for both the archive and its checksum."""

    def __init__(self, fh) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


class Writer:
    """Adds files with their checksums, then the manifest; the caller renames the result."""

    def __init__(self, fileobj) -> None:
        self.tar = tarfile.open(fileobj=fileobj, mode="w:gz", format=tarfile.PAX_FORMAT)
        self.files: dict[str, dict] = {}

    def add(self, path: Path, name: str) -> None:
        with path.open("rb") as fh:
            info = tarfile.TarInfo(name)
            info.size = os.fstat(fh.fileno()).st_size
            info.mtime, info.mode = int(os.fstat(fh.fileno()).st_mtime), 0o600
            reader = _Hashing(fh)
            self.tar.addfile(info, reader)  # raises if the file shrank while being read
        self.files[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}

    def close(self, manifest: dict) -> None:
        data = json.dumps({**manifest, "files": self.files}, ensure_ascii=False,
                          indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()


def read_manifest(path: Path) -> dict:
    """The manifest of a backup file, checked for shape; raises OpsError in Chinese."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            try:
                member = tar.getmember(MANIFEST)
            except KeyError:
                raise OpsError(f"{path} 中没有 {MANIFEST}：这不是建会备份文件。") from None
            manifest = json.loads(tar.extractfile(member).read())
    except OpsError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OpsError(f"{path} 中的 {MANIFEST} 已损坏（{exc}），拒绝恢复。") from exc
    except BROKEN as exc:
        raise OpsError(f"{path} 已损坏或不是 .tar.gz 备份文件（{exc}），拒绝恢复。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise OpsError(f"{path} 不是建会备份文件（清单格式不符）。")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise OpsError(f"备份格式版本 {version} 比本程序支持的 {FORMAT_VERSION} 新："
                       f"请先升级建会再恢复。")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in files.values()):
        raise OpsError(f"{path} 的清单缺少文件校验值，拒绝恢复。")
    unsafe = [name for name in files if not safe_member(name)]
    if unsafe:
        raise OpsError(f"备份清单中有不允许的路径 {unsafe[0]}，拒绝恢复。")
    return manifest


def extract_verified(path: Path, manifest: dict, staging: Path) -> None:
    """Extract every listed file into staging (mode 0600), checking its sha256 and size."""
    expected: dict[str, dict] = manifest["files"]
    seen: set[str] = set()
    try:
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                name = member.name
                if name == MANIFEST:
                    continue
                if name not in expected or name in seen:
                    raise OpsError(f"备份中的 {name} 不在清单中（或重复出现），备份已被改动，拒绝恢复。")
                if not member.isfile():
                    raise OpsError(f"备份中的 {name} 不是普通文件，拒绝恢复。")
                seen.add(name)
                _extract(tar, member, staging / name, expected[name])
    except OpsError:
        raise
    except BROKEN as exc:
        raise OpsError(f"{path} 已损坏（{exc}），拒绝恢复，未做任何改动。") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise OpsError(f"备份中缺少清单所列的文件 {missing[0]}，拒绝恢复，未做任何改动。")


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, want: dict) -> None:
    for parent in reversed(dest.parents):
        if not parent.exists():
            parent.mkdir(mode=0o700)  # attachments hold personal data: private directories
    digest, size = hashlib.sha256(), 0
    source = tar.extractfile(member)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != want["sha256"] or size != want.get("size", size):
        raise OpsError(f"校验失败：{member.name} 的 SHA-256 与清单不符，备份已损坏或被改动。"
                       f"拒绝恢复，未做任何改动。")
