"""Inserting many rows at once: binary COPY on PostgreSQL, executemany elsewhere.

Django's bulk_create spends most of its time building a model object per row and one big
INSERT per batch; for hundreds of thousands of rows PostgreSQL's COPY is several times
faster. The values still go through the model's fields as bulk_create would send them:

- each column is converted by its field's `get_db_prep_save` (so an encrypted field
  encrypts), except for Django's plain field types, whose conversion is the identity for the
  Python values given here (and on PostgreSQL also dates and aware datetimes);
- a field not given is filled as bulk_create fills it: auto_now(_add) with now, a field
  that computes itself in `pre_save` (a blind index of another field) by its `pre_save`, a
  default by `get_default()` (called per row when it is a callable, e.g. a random key);
  a column with none of these is refused rather than left empty.

Rows arrive as tuples and are prepared a chunk at a time, column by column, so memory stays
bounded and each conversion is one map() over a column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import islice, repeat
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Field classes whose get_db_prep_save returns a correctly typed value (str, int, bool,
# None) unchanged on every database. Exact classes: a subclass may convert, so it goes
# through its own get_db_prep_save.
PLAIN_FIELDS = {
    models.CharField, models.TextField, models.IntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.SmallIntegerField, models.BigIntegerField,
    models.BooleanField, models.ForeignKey,
}
PLAIN_ON_POSTGRES = PLAIN_FIELDS | {models.DateField, models.DateTimeField}  # SQLite: text
CHUNK = 10_000  # rows prepared and sent at a time

Make = Callable[[models.Model], Any]


def insert_rows(model: type[models.Model], names: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples of Python values for the fields `names`, by name or attname)
    into `model`'s table, in the caller's transaction; returns the number of rows."""
    columns, batches = prepare(model, names, rows)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    listed = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary COPY: psycopg formats a row ten times faster than as text, given the
            # columns' types. psycopg's own cursor, so wrap its errors into Django's.
            cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = "
                           "%s::regclass AND attnum > 0 AND NOT attisdropped", [table])
            types = dict(cursor.fetchall())
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {table} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[c] for c in columns])
                write = copy.write_row
                for batch in batches:
                    for row in batch:
                        write(row)
                        count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            for batch in batches:
                batch = list(batch)
                cursor.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", batch)
                count += len(batch)
    return count


def prepare(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
            ) -> tuple[list[str], Iterator[Iterator[tuple]]]:
    """The columns to write and, a chunk at a time, the rows as the database gets them."""
    fields = [_field(model, n) for n in names]
    constant, per_row = _implied(model, fields)
    computed = [*fields, *(f for f, _ in per_row)]
    plain = PLAIN_ON_POSTGRES if connection.vendor == "postgresql" else PLAIN_FIELDS
    convert = [None if type(f) in plain else partial(f.get_db_prep_save, connection=connection)
               for f in computed]
    constants = [f.get_db_prep_save(v, connection) for f, v in constant]
    attnames = [f.attname for f in fields]

    def batches() -> Iterator[Iterator[tuple]]:
        scratch = model.__new__(model)  # what pre_save reads the row's values from
        for batch in chunks(rows, CHUNK):
            values = list(zip(*batch, strict=True))
            if per_row:
                made: list[list[Any]] = [[] for _ in per_row]
                for row in batch:
                    scratch.__dict__.update(zip(attnames, row, strict=True))
                    for column, (_, make) in zip(made, per_row, strict=True):
                        column.append(make(scratch))
                values += made
            values = [column if conv is None else list(map(conv, column))
                      for column, conv in zip(values, convert, strict=True)]
            yield zip(*values, *map(repeat, constants), strict=False)  # constants repeat

    return [f.column for f in computed] + [f.column for f, _ in constant], batches()


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _field(model: type[models.Model], name: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname):
            return f
    raise ValueError(f"{model.__name__} has no concrete field {name!r}")


def _implied(model: type[models.Model], given: list[models.Field]
             ) -> tuple[list[tuple[models.Field, Any]], list[tuple[models.Field, Make]]]:
    """The concrete fields not given: (field, value) for those with one value for all rows,
    (field, make(instance)) for those computed per row."""
    now = timezone.now()
    constant: list[tuple[models.Field, Any]] = []
    per_row: list[tuple[models.Field, Make]] = []
    for f in model._meta.concrete_fields:
        if f in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant.append((f, now))
        elif not type(f).pre_save.__module__.startswith("django."):
            per_row.append((f, partial(_pre_save, f)))  # a field that computes itself
        elif f.has_default() and callable(f.default):
            per_row.append((f, partial(_default, f)))
        elif f.has_default():
            constant.append((f, f.get_default()))
        else:
            raise ValueError(f"insert_rows({model.__name__}) needs a value for {f.name!r}")
    return constant, per_row


def _pre_save(field: models.Field, instance: models.Model) -> Any:
    return field.pre_save(instance, True)


def _default(field: models.Field, instance: models.Model) -> Any:
    return field.get_default()
