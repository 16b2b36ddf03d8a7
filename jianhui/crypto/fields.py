"""Model fields that keep personal data encrypted in the database.

Callers read and write plain strings: the value is encrypted on its way into the database
(``save``, ``bulk_create``, ``bulk_update``, ``update``) and decrypted when a row is read
(including ``values``/``values_list``). Because every encryption uses a fresh nonce, equal
values are not equal in the database: an encrypted field cannot be filtered, ordered or
counted on. Filtering raises FieldError (except ``isnull`` and ``=""``), so a forgotten lookup
fails in tests instead of silently finding nothing; equality goes through a ``BlindIndexField``
next to the value (see ``MemberQuerySet.by_id_number``).
"""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from .core import blind_index, decrypt, encrypt, encrypter, indexer


class EmptyOnlyExact(Exact):
    """``field=""`` (blank) is the one equality that works on ciphertext."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: it "
                "cannot be compared with a value (use its blind index, e.g. by_id_number)."
            )
        return super().get_prep_lookup()


class EncryptedCharField(models.CharField):
    """A short string stored as ``v1:<cipher>:<key id>:<base64>`` in a text column.

    ``max_length`` limits the plain value (forms, validation); the column is unbounded.
    Blank stays blank (""), so optional fields need no ciphertext.
    """

    purpose = "text"  # authenticated with the value: ciphertexts cannot move between kinds
    description = "加密存储的文本"
    encrypted_at_rest = True  # how keyring.encrypted_data_in_database finds these columns

    def get_internal_type(self) -> str:
        return "TextField"

    def canonical(self, value: str) -> str:
        """The spelling that is encrypted and indexed (subclasses normalise cheaply)."""
        return value

    def index_for(self, value) -> str:
        """The blind index of `value` (as a lookup or a BlindIndexField computes it)."""
        if value is None or value == "":
            return ""
        return blind_index(self.canonical(str(value)), self.purpose)

    def index_many(self, values) -> list[str]:
        """`index_for` over many values (bulk lookups and inserts): the key looked up once."""
        digest, canonical = indexer(self.purpose), self.canonical
        return ["" if v is None or v == "" else digest(canonical(str(v))) for v in values]

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or value == "":
            return value
        return encrypt(self.canonical(str(value)), self.purpose)

    def get_db_prep_save_many(self, values, connection) -> list:
        """`get_db_prep_save` over a column (imports.bulk): the same values, with the keyring
        and cipher looked up once instead of once per value."""
        seal, canonical = encrypter(self.purpose), self.canonical
        return [v if v is None or v == "" else seal(canonical(str(v))) for v in values]

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, self.purpose)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return EmptyOnlyExact
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: lookup '{lookup_name}' is not "
            "possible (search by its blind index instead)."
        )

    def get_transform(self, lookup_name):
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: no transforms.")


class EncryptedPhoneField(EncryptedCharField):
    purpose = "phone"
    description = "加密存储的电话号码"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)


class BlindIndexField(models.CharField):
    """The keyed hash (HMAC, hex) of another encrypted field's canonical value, recomputed
    whenever the row is saved or bulk-created: lookups and uniqueness go through it.

    No default on purpose: code that writes rows without the model (raw INSERT, COPY) must
    give it, from the source field's `index_for(value)`, or fail at once.
    """

    description = "检索用哈希（不可逆）"

    def __init__(self, *args, source: str, **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        source = model_instance._meta.get_field(self.source)
        value = source.index_for(getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, value)
        return value

    def pre_save_many(self, columns: dict[str, list]) -> list[str] | None:
        """`pre_save` for many new rows at once (imports.bulk), given their values by attname:
        the index of each row's source value; None when the source is not among them."""
        source = self.model._meta.get_field(self.source)
        values = columns.get(source.attname)
        return None if values is None else source.index_many(values)
