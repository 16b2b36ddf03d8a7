"""The idle timeout without a database write on every request (issue 14, point 5).

Django's SESSION_SAVE_EVERY_REQUEST writes the session row on every page view to push its
expiry on; on SQLite a page view then waits for (and, past the busy timeout, fails on) the
write lock that a big import holds. Here a page view pushes the expiry on at most once a
minute, and only if the write lock is free at once: otherwise it skips (the next page view
tries again), so reading never waits for a writer. The idle timeout holds to within
TOUCH_EVERY seconds.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.db import DatabaseError, connection, transaction

TOUCH_EVERY = 60  # seconds
TOUCHED = "_touched"
logger = logging.getLogger(__name__)


class IdleTimeoutMiddleware:
    """After SessionMiddleware in MIDDLEWARE (so it runs before it on the way out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or not session.session_key or session.is_empty():
            return response  # a session that changed is saved by SessionMiddleware anyway
        now = int(time.time())
        if now - session.get(TOUCHED, 0) < TOUCH_EVERY:
            return response
        session[TOUCHED] = now
        try:
            with _no_waiting(), transaction.atomic():
                session.save()
        except DatabaseError:
            logger.info("session expiry not pushed on (database busy); next request retries")
        session.modified = False  # saved here, or skipped: not again by SessionMiddleware
        return response


@contextlib.contextmanager
def _no_waiting():
    """On SQLite: give up on the write lock after a moment instead of the busy timeout."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 50")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(before)}")
