"""Key rotation: re-encrypt every encrypted value and rebuild every blind index under a new
key, in one transaction, then retire the old keys.

Order of events, so that a failure at any point loses nothing:
1. the new key is added to the key file as a readable, not yet current, key;
2. in one transaction every row of every model with encrypted fields is read (any key in the
   keyring can decrypt it), re-encrypted under the new key with the configured cipher, its
   blind index recomputed with the new index key, and written back; a check then counts
   values still under another key (must be none) and the caller audits the rotation;
3. only after the commit the key file is rewritten with the new key alone.
If the transaction fails, the file is put back as it was. If the process dies between 2 and 3,
values are readable (the new key is in the file) and running `jianhui rotate-keys` again
finishes the job. Stop the web server during a rotation: a process that wrote with an old key
after step 2 would leave a value no key can read once step 3 retires it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from .ciphers import CIPHERS
from .core import VERSION
from .errors import KeyringError
from .fields import BlindIndexField, EncryptedCharField
from .keyring import (
    Keyring,
    configured_cipher,
    forget_keyring,
    key_id,
    load_keyring,
    new_key,
    using_keyring,
    write_keyring_file,
)


@dataclass
class Target:
    model: type
    encrypted: list[EncryptedCharField]
    indexes: list[BlindIndexField]

    @property
    def label(self) -> str:
        return self.model._meta.label


def targets() -> list[Target]:
    """Every model with encrypted fields, found from the fields themselves."""
    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        encrypted = [f for f in fields if isinstance(f, EncryptedCharField)]
        if encrypted:
            found.append(Target(model, encrypted,
                                [f for f in fields if isinstance(f, BlindIndexField)]))
    return found


@dataclass
class Rotation:
    cipher: str
    new_key: str
    retired: list[str]
    index_hmac: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    keyring_file: str = ""

    def as_json(self) -> dict:
        return {"cipher": self.cipher, "new_key": self.new_key, "retired_keys": self.retired,
                "index": {"key": self.new_key, "hmac": self.index_hmac}, "rows": self.rows,
                "values": sum(self.rows.values()), "seconds": round(self.seconds, 2),
                "keyring_file": self.keyring_file}


def _reencrypt(target: Target, batch_size: int, advance: Callable[[int], None]) -> int:
    model = target.model
    qn = connection.ops.quote_name
    pk = model._meta.pk
    columns = [f.column for f in target.encrypted] + [f.column for f in target.indexes]
    update = (f"UPDATE {qn(model._meta.db_table)} SET "
              + ", ".join(f"{qn(c)} = %s" for c in columns) + f" WHERE {qn(pk.column)} = %s")
    names = [f.attname for f in target.encrypted]
    sources = [model._meta.get_field(f.source) for f in target.indexes]
    done, last = 0, None
    rows = model._base_manager.order_by("pk")
    with connection.cursor() as cursor:
        while True:
            batch = rows.filter(pk__gt=last) if last is not None else rows
            params = []
            for pk_value, *plain in batch.values_list("pk", *names)[:batch_size]:
                # decrypted on the way out, by whichever key in the keyring wrote them
                row = dict(zip(names, plain, strict=True))
                params.append((
                    *(f.get_db_prep_save(row[f.attname], connection) for f in target.encrypted),
                    *(src.index_for(row[src.attname]) for src in sources),
                    pk_value,
                ))
            if not params:
                break
            cursor.executemany(update, params)
            last = params[-1][-1]
            done += len(params)
            advance(len(params))
    return done


def _left_behind(prefix: str) -> int:
    """Values not written under `prefix` ("v1:<cipher>:<key id>:"), counted in SQL."""
    qn = connection.ops.quote_name
    total = 0
    with connection.cursor() as cursor:
        for target in targets():
            for f in target.encrypted:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(target.model._meta.db_table)} WHERE "
                    f"{qn(f.column)} <> '' AND {qn(f.column)} NOT LIKE %s", [prefix + "%"])
                total += cursor.fetchone()[0]
    return total


def count_rows() -> int:
    return sum(t.model._base_manager.count() for t in targets())


def rotate(key: bytes | None = None, *, batch_size: int = 1000,
           advance: Callable[[int], None] = lambda n: None,
           record: Callable[[Rotation], None] = lambda result: None) -> Rotation:
    """Rotate to `key` (a fresh random key if None). See the module docstring. `record` is
    called inside the transaction once every value is re-encrypted (the caller audits the
    rotation there, so that the event and the rotation commit together)."""
    started = time.monotonic()
    forget_keyring()
    old = load_keyring()
    cipher = configured_cipher()
    index_hmac = CIPHERS[cipher].index_hmac
    from_env = old.path is None
    if from_env:
        if key is not None:
            raise KeyringError("密钥来自环境变量 JIANHUI_FIELD_KEY：请把新密钥放在该变量的第一位，"
                               "旧密钥放在其后，然后不带 --key-file 运行本命令。")
        staged = Keyring(old.current, old.keys, old.current, index_hmac)
    else:
        key = key or new_key()
        if key_id(key) in old.keys:
            raise KeyringError(f"密钥 {key_id(key)} 已在密钥环中，请使用新的密钥。")
        staged = old.with_new_current(key, index_hmac)
        # Readable from now on, but not yet writing: the file matches the database until commit.
        pending = Keyring(old.current, staged.keys, old.index_key, old.index_hmac,
                          staged.created, old.path)
        write_keyring_file(pending)
    result = Rotation(cipher, staged.current, [k for k in old.keys if k != staged.current],
                      index_hmac, keyring_file="" if from_env else str(old.path))
    try:
        with using_keyring(staged), transaction.atomic():
            for target in targets():
                result.rows[target.label] = _reencrypt(target, batch_size, advance)
            left = _left_behind(f"{VERSION}:{cipher}:{staged.current}:")
            if left:
                raise KeyringError(f"仍有 {left} 个值未用新密钥加密，已回滚，旧密钥保持不变。")
            result.seconds = time.monotonic() - started
            record(result)
    except BaseException:
        if not from_env:
            write_keyring_file(old)
        forget_keyring()
        raise
    if not from_env:
        write_keyring_file(staged.only_current())
    forget_keyring()
    return result
