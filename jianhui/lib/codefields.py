"""Model fields for the codes of DOMAIN.md §3: credit codes and resident ID numbers.

Callers read and write plain normalised strings. Input is normalised (spaces, full-width, case)
before validation; invalid input is left as typed so that validation can say what is wrong
with it. How a value sits in the database (members' ID numbers are encrypted) is the business
of subclasses in the domain (unions/fields.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models

from .codes import CodeError, normalise_credit_code, normalise_id_number


class NormalisedCodeField(models.CharField):
    """An 18-character code, normalised before validation."""

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
    """A resident ID number in clear text (kept for the first migration; members' numbers are
    stored encrypted through unions.fields.EncryptedIDNumberField)."""

    description = "公民身份号码"
    normalise = staticmethod(normalise_id_number)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if validate_id_number not in self.validators:
            self.validators.append(validate_id_number)


class CreditCodeField(NormalisedCodeField):
    description = "统一社会信用代码"
    normalise = staticmethod(normalise_credit_code)
