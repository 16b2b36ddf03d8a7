"""Inserting many rows at once: COPY on PostgreSQL, executemany elsewhere.

Django's bulk_create spends most of its time building a model object per row and one big
INSERT per batch; for hundreds of thousands of rows PostgreSQL's COPY is several times
faster. Values still go through the model's fields: each column is converted by its field's
`get_db_prep_save`, exactly as bulk_create would, except on PostgreSQL for Django's plain
field types whose conversion is the identity for the Python values given here. So a field
that stores its value differently (an encrypted ID number) keeps doing so with no change
here. Rows arrive as tuples and are prepared a chunk at a time, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import islice, repeat
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Field classes whose get_db_prep_save returns a correctly typed value (str, int, bool,
# None) unchanged on every database; on PostgreSQL also dates and aware datetimes. Exact
# classes: a subclass may convert, so it goes through its own get_db_prep_save.
PLAIN_FIELDS = {
    models.CharField, models.TextField, models.IntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.SmallIntegerField, models.BigIntegerField,
    models.BooleanField, models.ForeignKey,
}
PLAIN_ON_POSTGRES = PLAIN_FIELDS | {models.DateField, models.DateTimeField}
CHUNK = 10_000  # rows prepared (column by column) and sent at a time


def insert_rows(model: type[models.Model], names: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples of Python values for the fields `names`, by field name or
    attname) into `model`'s table; returns the count. Other concrete fields must be the
    primary key, auto_now(_add) (set to now) or have a default: anything else is refused,
    so that a new column is never silently left empty."""
    fields = [_field(model, n) for n in names]
    extra = _implied(model, fields)
    postgres = connection.vendor == "postgresql"
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*fields, *(f for f, _ in extra)])
    table = quote(model._meta.db_table)
    plain = PLAIN_ON_POSTGRES if postgres else PLAIN_FIELDS  # SQLite stores dates as text
    convert = [None if type(f) in plain else partial(f.get_db_prep_save, connection=connection)
               for f in fields]
    constant = [repeat(f.get_db_prep_save(v, connection)) for f, v in extra]
    count = 0

    def prepared() -> Iterator[Iterator[tuple]]:
        nonlocal count
        for batch in chunks(rows, CHUNK):
            # column by column: each conversion is one map() over a column
            values = [col if conv is None else list(map(conv, col))
                      for col, conv in zip(zip(*batch, strict=True), convert, strict=True)]
            count += len(batch)
            yield zip(*values, *constant, strict=False)  # the constants repeat

    with connection.cursor() as cursor:
        if postgres:  # psycopg's own cursor, so its errors become Django's as elsewhere
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for batch in prepared():
                    for row in batch:
                        write(row)
        else:
            marks = ", ".join(["%s"] * (len(fields) + len(extra)))
            for batch in prepared():
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
    return count


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _field(model: type[models.Model], name: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname):
            return f
    raise ValueError(f"{model.__name__} has no concrete field {name!r}")


def _implied(model: type[models.Model], given: list[models.Field]) -> list[tuple[models.Field, Any]]:
    """Values for the concrete fields not given: now for auto_now(_add), else the default."""
    now = timezone.now()
    extra = []
    for f in model._meta.concrete_fields:
        if f in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            extra.append((f, now))
        elif f.has_default():
            extra.append((f, f.get_default()))
        else:
            raise ValueError(f"insert_rows({model.__name__}) needs a value for {f.name!r}")
    return extra
