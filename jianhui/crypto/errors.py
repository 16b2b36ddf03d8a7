"""What can go wrong with encrypted values: each fails loudly, never with a silent blank."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class; the message is Chinese, for the operator who reads the log or the CLI."""


class KeyringError(CryptoError):
    """The keyring (JIANHUI_FIELD_KEY or the key file) is missing, malformed or too open."""


class KeyMissing(CryptoError):
    """A stored value names a key that is not in the keyring (retired, or the wrong keyring)."""


class TamperedValue(CryptoError):
    """A stored value is not one we wrote: its authentication tag or its format is wrong."""
