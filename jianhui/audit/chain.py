"""The hash chain over audit events: what an event's hash is made of (issue 14, point 7).

Each event stores the hash of the event before it (`prev_hash`) and its own (`hash`), a SHA-256
of the previous hash and the event's content. A row rewritten or deleted behind the triggers'
back (someone holding the SQLite file or the PostgreSQL superuser) no longer matches: its own
hash, or the next event's `prev_hash`. Sealing happens in `models.AuditEvent.save`, one event
at a time under a lock on the chain's head; verifying in `verify.py`. This module is the one
definition both use and imports neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # the previous hash of the first event ever
FIELDS = ("at", "action", "user_id", "username", "ip", "request_id", "model", "object_key",
          "object_repr", "changes", "reason", "detail")


def content(values: dict[str, Any]) -> str:
    """The canonical text of an event's fields (a dict by field name), as stored and read back
    on SQLite and PostgreSQL alike: UTC time in microseconds, JSON with sorted keys."""
    at = values["at"]
    if isinstance(at, dt.datetime):
        at = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    shown = {**{name: values.get(name) for name in FIELDS}, "at": at}
    return json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def digest(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content(values)}".encode()).hexdigest()
