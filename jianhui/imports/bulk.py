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
bounded and each conversion is one pass over a column. A field may convert a whole column
itself (`get_db_prep_save_many(values, connection)`: an encrypted field looks its key up
once), a self-computing field may fill one (`pre_save_many(columns by attname)`: the blind
index), a callable default may make n values at once (`default.many(n)`: random keys); each
must give what its one-value form would.
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

Make = Callable[[dict[str, Sequence[Any]], int], Any]


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
    convert = [None if type(f) in plain else _converter(f) for f in computed]
    constants = [f.get_db_prep_save(v, connection) for f, v in constant]
    attnames = [f.attname for f in fields]

    def batches() -> Iterator[Iterator[tuple]]:
        scratch = model.__new__(model)  # what pre_save reads a row's values from
        for batch in chunks(rows, CHUNK):
            values = list(zip(*batch, strict=True))
            by_attname = dict(zip(attnames, values, strict=True))
            for f, make in per_row:
                column = make(by_attname, len(batch)) if make else None
                if column is None:  # row by row, from a model instance as bulk_create would
                    column = []
                    for row in batch:
                        scratch.__dict__.update(zip(attnames, row, strict=True))
                        column.append(_pre_save(f, scratch) if _computes_itself(f)
                                      else f.get_default())
                values.append(column)
            values = [column if conv is None else conv(column)
                      for column, conv in zip(values, convert, strict=True)]
            yield zip(*values, *map(repeat, constants), strict=False)  # constants repeat

    return [f.column for f in computed] + [f.column for f, _ in constant], batches()


def _converter(field: models.Field) -> Callable[[Sequence[Any]], list[Any]]:
    """A column → the column as `field.get_db_prep_save` converts it: the field's own bulk
    form when it has one (an encrypted field looks its key up once), else value by value."""
    many = getattr(field, "get_db_prep_save_many", None)
    if many is not None:
        return partial(many, connection=connection)
    return partial(_map, partial(field.get_db_prep_save, connection=connection))


def _map(function: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    return list(map(function, column))


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _field(model: type[models.Model], name: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname):
            return f
    raise ValueError(f"{model.__name__} has no concrete field {name!r}")


def _computes_itself(field: models.Field) -> bool:
    return not type(field).pre_save.__module__.startswith("django.")


def _implied(model: type[models.Model], given: list[models.Field]
             ) -> tuple[list[tuple[models.Field, Any]], list[tuple[models.Field, Make | None]]]:
    """The concrete fields not given: (field, value) for those with one value for all rows,
    (field, make) for those computed per row. `make(columns by attname, n)` gives a chunk's
    column at once, or None (or is None) to compute it row by row: a field that computes
    itself may offer `pre_save_many(columns)`, a callable default `default.many(n)`."""
    now = timezone.now()
    constant: list[tuple[models.Field, Any]] = []
    per_row: list[tuple[models.Field, Make | None]] = []
    for f in model._meta.concrete_fields:
        if f in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant.append((f, now))
        elif _computes_itself(f):  # a field that computes itself (a blind index)
            many = getattr(f, "pre_save_many", None)
            per_row.append((f, None if many is None else _columns_to(many)))
        elif f.has_default() and callable(f.default):
            many = getattr(f.default, "many", None)
            per_row.append((f, None if many is None else _count_to(many)))
        elif f.has_default():
            constant.append((f, f.get_default()))
        else:
            raise ValueError(f"insert_rows({model.__name__}) needs a value for {f.name!r}")
    return constant, per_row


def _columns_to(many: Callable[[dict[str, Any]], Any]) -> Make:
    return lambda columns, n: many(columns)


def _count_to(many: Callable[[int], Any]) -> Make:
    return lambda columns, n: many(n)


def _pre_save(field: models.Field, instance: models.Model) -> Any:
    return field.pre_save(instance, True)
