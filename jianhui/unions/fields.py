"""The one field type through which resident ID numbers are stored.

Callers read and write plain normalised strings; how the value sits in the database is this
field's business alone, so encryption at rest can be added here without touching callers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from jianhui.lib.codes import CodeError, normalise_credit_code, normalise_id_number


def validate_id_number(value: str) -> None:
    try:
        normalise_id_number(value)
    except CodeError as exc:
        raise ValidationError(str(exc), code="id_number") from exc


class IDNumberField(models.CharField):
    description = "公民身份号码"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)
        if validate_id_number not in self.validators:
            self.validators.append(validate_id_number)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        # Normalise what can be normalised (spaces, full-width, lower-case x); leave
        # invalid input as typed so the validator can report it.
        try:
            return normalise_id_number(value)
        except CodeError:
            return value

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))


class CreditCodeField(models.CharField):
    """A unified social credit code, normalised (spaces, full-width, case) before validation."""

    description = "统一社会信用代码"

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
            return normalise_credit_code(value)
        except CodeError:
            return value  # left as typed; clean() reports what is wrong with it
