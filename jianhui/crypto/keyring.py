"""The field-encryption keyring: which keys can read stored values, which one writes new ones,
and which one keys the blind index. Keys are never in the database or in the code.

Where the keys come from
------------------------
JIANHUI_FIELD_KEY
    base64 of a 32-byte master key (make one with ``openssl rand -base64 32``). During a
    rotation it may list several, comma separated: the first writes and keys the index, the
    others can still be read. Run ``jianhui rotate-keys`` right after changing the first key
    (it re-encrypts everything and rebuilds the index), then drop the old keys.
<DATA_DIR>/field.key
    used when JIANHUI_FIELD_KEY is unset: created on first use (mode 0600, exclusively, so two
    processes starting together cannot write two keyrings), rewritten atomically by
    ``jianhui rotate-keys``. Back it up with the database: without it nothing can be read.
    Its format (JSON)::

        {"format": "jianhui-field-keyring", "version": 1,
         "current": "k3f9a0c1d",                        # writes new values
         "index": {"key": "k3f9a0c1d", "hmac": "sha256"},  # keys the blind index
         "keys": [{"id": "k3f9a0c1d", "secret": "<base64, 32 bytes>",
                   "created": "2025-06-01T10:00:00+08:00"}]}

A key's id is derived from the key (`key_id`), so the same key has the same id in the file,
in the environment and in every stored value. The index key and its HMAC (sha256 or sm3) are
fixed when the keyring is made and change only by rotation, which rebuilds every index in the
same transaction: switching JIANHUI_FIELD_CIPHER takes effect for new values at once (values
say which cipher wrote them) and for the index at the next rotation.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .ciphers import CIPHERS, HMACS, IndexMac
from .errors import KeyMissing, KeyringError

FORMAT = "jianhui-field-keyring"
KEY_BYTES = 32
FILE_NAME = "field.key"
RECHECK_SECONDS = 1.0


def key_id(key: bytes) -> str:
    """A short public name for a key, derived from it (it reveals nothing usable)."""
    return "k" + hashlib.sha256(b"jianhui field key id\0" + key).hexdigest()[:8]


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{where}中的密钥不是有效的 base64 编码。") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{where}中的密钥应为 {KEY_BYTES} 字节，实际为 {len(key)} 字节。")
    return key


def configured_cipher() -> str:
    name = getattr(settings, "JIANHUI_FIELD_CIPHER", "aes")
    if name not in CIPHERS:
        raise KeyringError(f"JIANHUI_FIELD_CIPHER 只能是 {' 或 '.join(CIPHERS)}，当前为 {name!r}。")
    return name


@dataclass(frozen=True, eq=False)
class Keyring:
    current: str
    keys: dict[str, bytes]
    index_key: str
    index_hmac: str
    created: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # None: from JIANHUI_FIELD_KEY
    _ciphers: dict = field(default_factory=dict, repr=False)
    _sealers: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in (self.current, self.index_key):
            if name not in self.keys:
                raise KeyringError(f"密钥环引用了不存在的密钥 {name}。")
        if self.index_hmac not in HMACS:
            raise KeyringError(f"密钥环的索引算法 {self.index_hmac!r} 无法识别。")

    def cipher(self, name: str, kid: str):
        """The cipher object for `name` under key `kid` (built once per keyring)."""
        found = self._ciphers.get((name, kid))
        if found is None:
            master = self.keys.get(kid)
            if master is None:
                raise KeyMissing(
                    f"数据由密钥 {kid} 加密，但当前密钥环中没有该密钥（可能已在轮换后退役，"
                    "或加载了错误的密钥文件/JIANHUI_FIELD_KEY）。"
                )
            found = self._ciphers[(name, kid)] = CIPHERS[name](master)
        return found

    @cached_property
    def index_mac(self) -> IndexMac:
        return IndexMac(self.keys[self.index_key], self.index_hmac)

    def sealer(self, name: str, purpose: str):
        """A function str → stored value, encrypting under the current key with `name`."""
        found = self._sealers.get((name, purpose))
        if found is None:
            found = self._sealers[(name, purpose)] = self.cipher(name, self.current).sealer(
                f"v1:{name}:{self.current}:", purpose)
        return found

    def with_new_current(self, key: bytes, index_hmac: str) -> Keyring:
        """This keyring plus `key`, which now writes and keys the index; old keys still read."""
        kid = key_id(key)
        return Keyring(kid, {**self.keys, kid: key}, kid, index_hmac,
                       {**self.created, kid: timezone.localtime().isoformat(timespec="seconds")},
                       self.path)

    def only_current(self) -> Keyring:
        """The old keys retired: only the current key (which also keys the index) is left."""
        if self.index_key != self.current:
            raise KeyringError("索引密钥与当前密钥不同，不能退役旧密钥。")
        kid = self.current
        return Keyring(kid, {kid: self.keys[kid]}, kid, self.index_hmac,
                       {kid: self.created.get(kid, "")}, self.path)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": 1, "current": self.current,
            "index": {"key": self.index_key, "hmac": self.index_hmac},
            "keys": [{"id": kid, "secret": base64.b64encode(key).decode("ascii"),
                      "created": self.created.get(kid, "")} for kid, key in self.keys.items()],
        }, indent=2) + "\n"


# --------------------------------------------------------------------- the key file


def keyring_path() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def _write_private(directory: Path, text: str) -> str:
    """A new 0600 file in `directory` holding `text`, flushed to disk; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".field.key.", dir=directory)  # O_EXCL, mode 0600
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def create_keyring_file(path: Path, cipher: str | None = None) -> None:
    """Make a keyring with one fresh key at `path`, unless one exists (never overwrites)."""
    key = new_key()
    kid = key_id(key)
    hmac_name = CIPHERS[cipher or configured_cipher()].index_hmac
    ring = Keyring(kid, {kid: key}, kid, hmac_name,
                   {kid: timezone.localtime().isoformat(timespec="seconds")}, path)
    tmp = _write_private(path.parent, ring.to_json())
    try:
        os.link(tmp, path)  # atomic and exclusive: fails if another process made one first
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def write_keyring_file(ring: Keyring, path: Path | None = None) -> None:
    """Replace the key file atomically (readers see the old or the new file, never half)."""
    path = path or ring.path
    if path is None:
        raise KeyringError("密钥来自环境变量 JIANHUI_FIELD_KEY，无法写入密钥文件。")
    tmp = _write_private(path.parent, ring.to_json())
    os.replace(tmp, path)


def read_keyring_file(path: Path) -> Keyring:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyringError(
            f"密钥文件 {path} 的权限为 {mode:04o}，其他用户可读：请执行 chmod 600 {path}。"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != 1:
            raise ValueError("format")
        keys, created = {}, {}
        for entry in data["keys"]:
            key = decode_key(entry["secret"], f"密钥文件 {path} ")
            if key_id(key) != entry["id"]:
                raise KeyringError(f"密钥文件 {path} 中密钥 {entry['id']} 与其编号不符，文件可能已损坏。")
            keys[entry["id"]] = key
            created[entry["id"]] = entry.get("created", "")
        return Keyring(data["current"], keys, data["index"]["key"], data["index"]["hmac"],
                       created, path)
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"密钥文件 {path} 格式不正确（{exc}）。") from None


def keyring_from_env(value: str) -> Keyring:
    keys = {}
    for n, part in enumerate(p for p in value.split(",") if p.strip()):
        key = decode_key(part, f"JIANHUI_FIELD_KEY 第 {n + 1} 个")
        keys[key_id(key)] = key
    if not keys:
        raise KeyringError("JIANHUI_FIELD_KEY 为空。")
    first = next(iter(keys))
    return Keyring(first, keys, first, CIPHERS[configured_cipher()].index_hmac)


def load_keyring() -> Keyring:
    """The configured keyring, read afresh (creating the key file on first use, unless the
    database already holds encrypted values: then the key file was lost or misplaced, and a
    new key would make a second, unreadable set of values and a second index)."""
    env = getattr(settings, "JIANHUI_FIELD_KEY", "")
    if env:
        return keyring_from_env(env)
    path = keyring_path()
    if not path.exists():
        if (where := encrypted_data_in_database()):
            raise KeyringError(
                f"找不到密钥文件 {path}，但数据库中已有加密数据（{where}）：请从备份恢复 field.key "
                "到数据目录（权限 600），或用 JIANHUI_FIELD_KEY 提供原密钥。不会自动生成新密钥。"
            )
        create_keyring_file(path)
    return read_keyring_file(path)


def encrypted_data_in_database() -> str:
    """The first table.column holding an encrypted value, or "" (tables not yet made count as
    empty). Run only before creating a key file, so its cost does not matter."""
    from django.apps import apps
    from django.db import DatabaseError, connection, transaction

    qn = connection.ops.quote_name
    try:
        tables = set(connection.introspection.table_names())
        for model in apps.get_models():
            table = model._meta.db_table
            if table not in tables:
                continue
            # EncryptedCharField says so (crypto/fields.py; not imported here: it imports us).
            for f in (f for f in model._meta.concrete_fields
                      if getattr(f, "encrypted_at_rest", False)):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SELECT 1 FROM {qn(table)} WHERE {qn(f.column)} LIKE %s "
                                   "LIMIT 1", ["v1:%"])
                    if cursor.fetchone():
                        return f"{table}.{f.column}"
    except DatabaseError:
        return ""
    return ""


# --------------------------------------------------------------------- the current keyring

_override: contextvars.ContextVar[Keyring | None] = contextvars.ContextVar(
    "jianhui_keyring", default=None)


class _Cache:
    token: tuple | None = None
    signature: tuple | None = None
    keyring: Keyring | None = None
    checked: float = 0.0


def _signature(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def current_keyring() -> Keyring:
    """The keyring in force: an override (rotation), else the configured one, re-read when the
    key file changes (checked at most once a second, so a rotation reaches running processes;
    a settings change in tests drops the cache through the setting_changed signal)."""
    ring = _override.get()
    if ring is not None:
        return ring
    c = _Cache
    now = time.monotonic()
    if c.keyring is not None and now - c.checked < RECHECK_SECONDS:
        return c.keyring
    token = (getattr(settings, "JIANHUI_FIELD_KEY", ""), str(settings.DATA_DIR))
    signature = None if token[0] else _signature(keyring_path())
    if c.keyring is None or c.token != token or signature is None or c.signature != signature:
        c.keyring = load_keyring()
        signature = None if token[0] else _signature(keyring_path())
    c.token, c.signature, c.checked = token, signature, now
    return c.keyring


def forget_keyring() -> None:
    """Drop the cached keyring and cipher choice (settings changed, or the file was rewritten)."""
    _Cache.keyring = None
    _cipher_choice.clear()


_cipher_choice: list[str] = []


def current_cipher() -> str:
    """configured_cipher(), remembered until the settings change."""
    if not _cipher_choice:
        _cipher_choice.append(configured_cipher())
    return _cipher_choice[0]


@contextlib.contextmanager
def using_keyring(ring: Keyring) -> Iterator[Keyring]:
    """Encrypt, decrypt and index with `ring` inside the block (this thread/context only)."""
    token = _override.set(ring)
    try:
        yield ring
    finally:
        _override.reset(token)
