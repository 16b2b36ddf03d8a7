"""Converting existing columns between clear text and encrypted values, for data migrations.

Works on raw rows (the historical models' fields would try to decrypt clear text), in batches
by primary key, and is idempotent: values already encrypted are left alone going forward, and
clear values are left alone going back. On SQLite `secure_delete` (settings) overwrites the
freed clear text; on PostgreSQL run VACUUM FULL on the converted tables afterwards so that the
old row versions are gone from the data files too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .core import VERSION, blind_index, decrypt, encrypt

BATCH = 2000


@dataclass(frozen=True)
class Column:
    name: str
    purpose: str
    canonical: Callable[[str], str] = str
    index: str = ""  # the blind-index column filled from this one, if any


def is_encrypted(value: str) -> bool:
    return value.startswith(VERSION + ":")


def _rows(cursor, qn, table: str, columns: list[str]):
    last = None
    select = f"SELECT {qn('id')}, {', '.join(qn(c) for c in columns)} FROM {qn(table)}"
    while True:
        where = f" WHERE {qn('id')} > %s" if last is not None else ""
        cursor.execute(f"{select}{where} ORDER BY {qn('id')} LIMIT {BATCH}",
                       [last] if last is not None else [])
        batch = cursor.fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def convert(schema_editor, table: str, columns: list[Column], *, forward: bool) -> int:
    """Encrypt (forward) or decrypt (backward) `columns` of `table`; fill index columns going
    forward. Returns the number of rows written."""
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    names = [c.name for c in columns]
    targets = names + ([c.index for c in columns if c.index] if forward else [])
    update = (f"UPDATE {qn(table)} SET {', '.join(f'{qn(n)} = %s' for n in targets)} "
              f"WHERE {qn('id')} = %s")
    written = 0
    with connection.cursor() as read, connection.cursor() as write:
        for batch in _rows(read, qn, table, names):
            params = []
            for pk, *values in batch:
                new, indexes = [], []
                for column, value in zip(columns, values, strict=True):
                    if forward:
                        clear = decrypt(value, column.purpose) if value and is_encrypted(value) \
                            else column.canonical(value or "")
                        if value and not is_encrypted(value):
                            value = encrypt(clear, column.purpose)
                        if column.index:
                            indexes.append(blind_index(clear, column.purpose) if clear else "")
                    elif value and is_encrypted(value):
                        value = decrypt(value, column.purpose)
                    new.append(value)
                params.append((*new, *indexes, pk))
            write.executemany(update, params)
            written += len(params)
    return written
