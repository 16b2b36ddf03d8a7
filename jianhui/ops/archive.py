"""The backup file: a gzip-compressed tar holding

    database/jianhui.sqlite3 | database/jianhui.pgdump
    keys/secret_key, keys/field.key, ...       (mode 0600 on restore)
    data/uploads/..., data/attachments/...     (attachment directories of the data dir)
    media/...                                  (MEDIA_ROOT, when it lies outside the data dir)
    manifest.json                              (it lists the sha256 of every other file)
    manifest.sig                               (last: HMAC-SHA256 of manifest.json, format 2)

Reading first streams the whole file (gzip to its trailer, its CRC and length; nothing after
it), then verifies every file against the manifest while extracting into a private staging
directory, then the manifest's signature under the Django key (issue 14, point 6); nothing
outside the staging directory is touched until all of it holds.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
import os
import tarfile
import time
import zlib
from pathlib import Path

from .datadir import OpsError, safe_member

FORMAT = "jianhui-backup"
FORMAT_VERSION = 2  # 2: signed (manifest.sig), uploads left out
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
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

    def close(self, manifest: dict, secret: str) -> None:
        """Add the manifest and its signature under `secret` (the Django key), and finish."""
        data = json.dumps({**manifest, "files": self.files}, ensure_ascii=False,
                          indent=2).encode()
        for name, content in ((MANIFEST, data), (SIGNATURE, sign(data, secret).encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), int(time.time()), 0o600
            self.tar.addfile(info, io.BytesIO(content))
        self.tar.close()


def sign(manifest: bytes, secret: str) -> str:
    """HMAC-SHA256 of the manifest (which holds every file's SHA-256) under a key derived from
    the Django secret key: a forger who rewrites a file and its checksum lacks the key."""
    key = hashlib.sha256(b"jianhui-backup-signature:" + secret.encode()).digest()
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def verify_whole(path: Path) -> None:
    """Stream the whole file: one gzip member whose CRC and length hold, and not a byte
    after it (Python's gzip would skip trailing zeros; tar stops at its end marker)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                data = chunk
                while data:
                    # Input left once the member has ended: bytes after it. (After the end,
                    # zlib keeps them in unconsumed_tail and consumes nothing: no loop on it.)
                    if inflater.eof:
                        raise OpsError(f"{path} 在备份数据之后还有多余的内容（文件末尾被追加或改动过），"
                                       "拒绝恢复，未做任何改动。")
                    inflater.decompress(data, 1 << 20)  # output discarded, 1 MiB at a time
                    data = inflater.unconsumed_tail
    except zlib.error as exc:
        raise OpsError(f"{path} 已损坏（gzip 校验失败：{exc}），拒绝恢复，未做任何改动。") from exc
    if not inflater.eof:
        raise OpsError(f"{path} 已损坏（不完整：gzip 数据没有正常结束），拒绝恢复，未做任何改动。")
    if inflater.unused_data:
        raise OpsError(f"{path} 在备份数据之后还有多余的内容（文件末尾被追加或改动过），"
                       "拒绝恢复，未做任何改动。")


def check_signature(path: Path, secret: str) -> None:
    """The manifest's signature must be the one the key gives; raises OpsError in Chinese."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for name in (MANIFEST, SIGNATURE):
                try:
                    found[name] = tar.extractfile(tar.getmember(name)).read()
                except KeyError:
                    pass
    except BROKEN as exc:
        raise OpsError(f"{path} 已损坏（{exc}），拒绝恢复，未做任何改动。") from exc
    if SIGNATURE not in found:
        raise OpsError(f"{path} 没有签名（{SIGNATURE}）：它不是本版本建会生成的备份，或签名被去掉了。"
                       "拒绝恢复，未做任何改动。")
    expected = sign(found.get(MANIFEST, b""), secret)
    if not hmac.compare_digest(expected, found[SIGNATURE].decode("ascii", "replace").strip()):
        raise OpsError(f"{path} 的签名与密钥不符：备份被伪造或改动过，或恢复时使用的 Django 密钥"
                       "与备份时不同。拒绝恢复，未做任何改动。")


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
                if name in (MANIFEST, SIGNATURE):
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
