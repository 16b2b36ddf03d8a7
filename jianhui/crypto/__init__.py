"""Personal data at rest: authenticated encryption of single values and a blind index.

``encrypt``/``decrypt`` turn a string into a self-describing stored value and back;
``blind_index`` gives the keyed hash through which encrypted ID numbers are looked up and kept
unique. Models use them through the fields in ``jianhui.crypto.fields``; keys come from
``jianhui.crypto.keyring``; ``jianhui rotate-keys`` (``jianhui.crypto.rotation``) replaces the key.
"""

from .core import blind_index, decrypt, encrypt
from .errors import CryptoError, KeyMissing, KeyringError, TamperedValue

__all__ = ["CryptoError", "KeyMissing", "KeyringError", "TamperedValue", "blind_index",
           "decrypt", "encrypt"]
