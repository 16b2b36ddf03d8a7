"""Encrypting one value, decrypting it, and its blind index.

A stored value says how it was made: ``v1:<cipher>:<key id>:<base64(nonce | ciphertext | tag)>``
(e.g. ``v1:aes:k3f9a0c1d:...``), so values written by different ciphers and keys live side by
side and a rotation can tell which ones are left. The header and the value's purpose (``id_number``,
``phone``) are authenticated as associated data: a value cannot be relabelled or moved into a
field of another kind without failing its tag check.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag

from .ciphers import CIPHERS, NONCE_BYTES, TAG_BYTES
from .errors import TamperedValue
from .keyring import current_cipher, current_keyring

VERSION = "v1"


def encrypt(plaintext: str, purpose: str) -> str:
    """The stored value for `plaintext`: current key, configured cipher, fresh random nonce."""
    return current_keyring().sealer(current_cipher(), purpose)(plaintext)


def split(token: str) -> tuple[str, str, str]:
    """(cipher, key id, payload) of a stored value, or TamperedValue if it is not one."""
    parts = token.split(":", 3)
    if len(parts) != 4 or parts[0] != VERSION or parts[1] not in CIPHERS:
        raise TamperedValue(
            f"数据库中的值不是本系统写入的加密值（开头为 {token[:12]!r}），可能被篡改或未经迁移。"
        )
    return parts[1], parts[2], parts[3]


def decrypt(token: str, purpose: str) -> str:
    name, kid, payload = split(token)
    ring = current_keyring()
    cipher = ring.cipher(name, kid)
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise TamperedValue(f"密钥 {kid} 加密的一个值编码已损坏，可能被篡改。") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise TamperedValue(f"密钥 {kid} 加密的一个值长度不足，可能被篡改。")
    aad = f"{VERSION}:{name}:{kid}:{purpose}".encode("ascii")
    try:
        return cipher.open(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode("utf-8")
    except InvalidTag:
        raise TamperedValue(
            f"一个加密值（{purpose}，密钥 {kid}）未通过完整性校验：数据可能被篡改，已拒绝读取。"
        ) from None


def encrypter(purpose: str):
    """`encrypt` for many values of one purpose: the keyring and cipher looked up once."""
    return current_keyring().sealer(current_cipher(), purpose)


def indexer(purpose: str):
    """`blind_index` for many values of one purpose: the keyed HMAC looked up once."""
    return current_keyring().index_mac.hexdigester(purpose)


def blind_index(canonical: str, purpose: str) -> str:
    """HMAC of the canonical value under the keyring's index key: equal values, equal index."""
    return current_keyring().index_mac.hexdigest(purpose, canonical)
