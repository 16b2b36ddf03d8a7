"""The facts' generation: a token that changes with every write the figures could see, so that
what was computed from them (a page's figures) can be kept and reused until the next write.

`bump()` runs in the writer's transaction (sync.refresh, the rebuilds, a jurisdiction's save or
deletion): a rolled-back write leaves the old token. The token is random, not a counter, so that
a token once seen never comes back after a rollback (tests roll back every write; a counter
would return to the same value with different data). `remembered(key, compute)` keeps `compute()`
per process under (database, token, key), for as long as the token holds; without a token (a
database flushed by a test, or JIANHUI_KEEP_PAGES=0) nothing is kept.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from django.conf import settings
from django.db import connection

from .models import Generation

T = TypeVar("T")
KEPT = 512  # entries per process, the least recently used dropped first
_kept: OrderedDict[tuple, object] = OrderedDict()
_lock = Lock()


def bump() -> None:
    token = secrets.randbits(62)
    if not Generation.objects.filter(pk=1).update(token=token):
        Generation.objects.update_or_create(pk=1, defaults={"token": token})


def current() -> int | None:
    """This database's token (None: no row, nothing may be kept)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {connection.ops.quote_name(Generation._meta.db_table)} "
                       "WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave under the same key since the last write. The token is read
    before computing: a write committed meanwhile only makes the kept value newer than its
    token, and the next reader (seeing the new token) computes again."""
    token = current() if settings.JIANHUI_KEEP_PAGES else None
    if token is None:
        return compute()
    full = (connection.settings_dict["NAME"], token, key)
    with _lock:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _kept[full] = value
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return value


def forget() -> None:
    with _lock:
        _kept.clear()
