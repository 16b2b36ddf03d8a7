"""The field types through which codes are stored: credit codes and resident ID numbers.

Callers read and write plain normalised strings; how the value sits in the database is the
field's business alone: members' ID numbers are stored encrypted (EncryptedIDNumberField), with
a blind index beside them for lookups. IDNumberField (clear text) remains for the first
migration only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models

from jianhui.crypto.fields import BlindIndexField, EncryptedCharField
from jianhui.lib.codes import CodeError, compact_code, normalise_credit_code, normalise_id_number
from jianhui.lib.lookups import ArrayIn


class NormalisedCodeField(models.CharField):
    """An 18-character code normalised (spaces, full-width, case) before validation; invalid
    input is left as typed so that validation can say what is wrong with it."""

    normalise: Callable[[str], str]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return type(self).normalise(value)
        except CodeError:
            return value


def validate_id_number(value: str) -> None:
    try:
        normalise_id_number(value)
    except CodeError as exc:
        raise ValidationError(str(exc), code="id_number") from exc


class IDNumberField(NormalisedCodeField):
    description = "公民身份号码"
    normalise = staticmethod(normalise_id_number)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if validate_id_number not in self.validators:
            self.validators.append(validate_id_number)


class CreditCodeField(NormalisedCodeField):
    description = "统一社会信用代码"
    normalise = staticmethod(normalise_credit_code)


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
