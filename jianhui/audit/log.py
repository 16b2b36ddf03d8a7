"""Recording audit events, with the current request's user, IP and request id."""

from __future__ import annotations

import contextvars
import getpass
import uuid
from typing import Any

from .models import AuditEvent

_request: contextvars.ContextVar = contextvars.ContextVar("jianhui_request", default=None)


def current_request():
    return _request.get()


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return None


def login_name() -> str:
    """The operating-system user running this process: who ran a command (the import
    record's and the backup event's user, where no web user is logged in)."""
    return _os_user() or "unknown"


def operator() -> str:
    """Who acts outside a web request, as the audit log names them: 命令行（login name）."""
    name = _os_user()
    return f"命令行（{name}）" if name else "命令行"


def client_ip(request) -> str | None:
    # Behind a reverse proxy the deployment sets JIANHUI_TRUSTED_PROXY; by default the
    # socket's address is the only one we can trust.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives every request an id (also sent back as X-Request-ID) and makes it findable by
    `record()` without passing the request through every layer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def record(action: str, *, user: Any = None, request: Any = None, obj: Any = None,
           model: str = "", object_key: str = "", object_repr: str = "",
           changes: dict | None = None, reason: str = "", detail: dict | None = None,
           username: str = "") -> AuditEvent:
    """Append one event. `user` and `request` default to the current request's.

    `changes` is {field name: [before, after]} with personal data already masked (see
    tracking.py, which fills it for domain models); the auditor's page shows field labels.
    """
    request = request if request is not None else current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        user_id, username = user.pk, user.get_username()
    else:
        user_id = None
    if obj is not None:
        model = model or obj._meta.label
        object_key = object_key or str(getattr(obj, "public_key", None) or obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        action=action, user_id=user_id, username=username or "",
        ip=client_ip(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        model=model, object_key=object_key, object_repr=object_repr[:200],
        changes=changes or {}, reason=reason, detail=detail or {},
    )
