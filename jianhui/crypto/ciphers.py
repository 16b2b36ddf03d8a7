"""The two authenticated ciphers a deployment may choose, and the subkeys derived for them.

AES-256-GCM with an HMAC-SHA256 blind index is the default; SM4-GCM with an HMAC-SM3 index
(国密, for deployments assessed under GB/T 39786) is chosen with JIANHUI_FIELD_CIPHER=sm4.
Both come from `cryptography`; subkeys are derived from a 32-byte master key with HKDF (over
SHA-256 or SM3 to match), one per use, so the encryption key and the index key are never the
same bytes.
"""

from __future__ import annotations

import base64
import itertools
import os

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
TAG_BYTES = 16
HMACS = {"sha256": hashes.SHA256, "sm3": hashes.SM3}


def derive(master: bytes, label: str, length: int, hash_name: str) -> bytes:
    """A subkey of `master` for one use (`label`), by HKDF over the named hash."""
    return HKDF(algorithm=HMACS[hash_name](), length=length, salt=None,
                info=b"jianhui/field/v1/" + label.encode()).derive(master)


class NonceSource:
    """GCM nonces by the deterministic construction of NIST SP 800-38D §8.2.1: a 64-bit random
    field fixed per process (drawn again in a forked child, and after 2^32 uses) followed by a
    32-bit invocation counter. Unique within a process by the counter, across processes by
    the random field; a fraction of the cost of a system call per value. `(prefix, counter)`
    is swapped as one tuple and `next()` on a counter is atomic, so threads never share one.
    """

    LIMIT = 2**32

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._state = (os.urandom(NONCE_BYTES - 4), itertools.count())

    def __call__(self) -> bytes:
        prefix, counter = self._state
        n = next(counter)
        if n >= self.LIMIT:
            self.reset()
            return self()
        return prefix + n.to_bytes(4, "big")


nonce = NonceSource()


def _sealer(seal, header: str, purpose: str):
    """str → "header + base64(nonce | ciphertext | tag)", the header and purpose authenticated.
    Built once per (cipher, key, purpose): the per-value work is one nonce and one seal."""
    aad = (header + purpose).encode("ascii")
    b64, next_nonce = base64.b64encode, nonce

    def encrypt(text: str) -> str:
        n = next_nonce()
        return header + b64(n + seal(n, text.encode("utf-8"), aad)).decode("ascii")

    return encrypt


class AESGCMCipher:
    name = "aes"
    index_hmac = "sha256"

    def __init__(self, master: bytes) -> None:
        self._aead = AESGCM(derive(master, "enc/aes-256-gcm", 32, "sha256"))

    def seal(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self._aead.encrypt(nonce, data, aad)  # ciphertext | tag

    def open(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        return self._aead.decrypt(nonce, sealed, aad)  # raises InvalidTag

    def sealer(self, header: str, purpose: str):
        return _sealer(self._aead.encrypt, header, purpose)


class SM4GCMCipher:
    name = "sm4"
    index_hmac = "sm3"

    def __init__(self, master: bytes) -> None:
        self._key = derive(master, "enc/sm4-gcm", 16, "sm3")

    def seal(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        enc = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        return enc.update(data) + enc.finalize() + enc.tag

    def open(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < TAG_BYTES:
            from cryptography.exceptions import InvalidTag

            raise InvalidTag
        body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        dec = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body) + dec.finalize()

    def sealer(self, header: str, purpose: str):
        return _sealer(self.seal, header, purpose)


CIPHERS = {c.name: c for c in (AESGCMCipher, SM4GCMCipher)}


class IndexMac:
    """HMAC for the blind index, keyed once; each value costs one copy of the keyed state."""

    def __init__(self, master: bytes, hash_name: str) -> None:
        self.hash_name = hash_name
        self._keyed = hmac.HMAC(derive(master, f"index/hmac-{hash_name}", 32, hash_name),
                                HMACS[hash_name]())

    def hexdigest(self, purpose: str, value: str) -> str:
        return self.hexdigester(purpose)(value)

    def hexdigester(self, purpose: str):
        """A function value → hex index for one purpose: what `hexdigest` computes, with the
        purpose's prefix encoded once (bulk paths call it per value)."""
        prefix, copy = purpose.encode("ascii") + b"\0", self._keyed.copy

        def digest(value: str) -> str:
            mac = copy()
            mac.update(prefix + value.encode("utf-8"))
            return mac.finalize().hex()

        return digest
