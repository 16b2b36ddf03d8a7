"""How members' ID numbers are stored: encrypted, with a blind index beside them for lookups.

Callers read and write plain normalised strings; the plain code fields (credit codes, clear ID
numbers) are in lib/codefields.py.
"""

from __future__ import annotations

from jianhui.crypto.fields import BlindIndexField, EncryptedCharField
from jianhui.lib.codefields import IDNumberField
from jianhui.lib.codes import compact_code
from jianhui.lib.lookups import ArrayIn


class EncryptedIDNumberField(IDNumberField, EncryptedCharField):
    """An ID number, validated and normalised like IDNumberField, stored encrypted.

    The encrypted and indexed spelling is `compact_code` (half-width, no spaces, upper case):
    for every valid number that is its normalised form, without validating it a second time
    on the way into the database.
    """

    description = "公民身份号码（加密存储）"
    purpose = "id_number"

    def canonical(self, value: str) -> str:
        return compact_code(value)


# Imports look ID numbers up by the thousand, through the blind index: one array parameter
# on PostgreSQL (lib/lookups). The encrypted field itself takes no lookups.
BlindIndexField.register_lookup(ArrayIn)
