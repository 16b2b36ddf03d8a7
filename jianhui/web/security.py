"""Web hardening that Django and django-csp leave to the project: the Permissions-Policy
header, a cap on the size of any request body, and the page shown when a CSRF check fails.

Content-Security-Policy comes from django-csp, X-Frame-Options, Referrer-Policy,
Cross-Origin-Opener-Policy, nosniff and HSTS from Django's own middleware (see settings).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger("jianhui.security")


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy and refuses request bodies above JIANHUI_MAX_REQUEST_BYTES.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a
    multipart request could fill the temporary directory; the declared Content-Length is
    checked before anything is read. (`jianhui serve` gives waitress the same cap for bodies
    sent without a length.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._too_large(request) or self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

    def _too_large(self, request: HttpRequest) -> HttpResponse | None:
        limit = getattr(settings, "JIANHUI_MAX_REQUEST_BYTES", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None  # Django answers a malformed length itself
        if not limit or length <= limit:
            return None
        logger.warning("request body of %d bytes refused (limit %d): %s", length, limit,
                       request.path)
        # Rendered without the request: the body is never read and no session is needed.
        html = render_to_string("413.html", {"limit_mb": limit // (1024 * 1024)})
        response = HttpResponse(html, status=413)
        response["Connection"] = "close"
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a Chinese page saying what to do; the technical reason is logged."""
    logger.warning("CSRF check failed (%s): %s %s", reason, request.method, request.path)
    return render(request, "403_csrf.html", status=403)


# Error pages (urls.py: handler400/403/404/500). None shows a stack trace or an exception's
# English text; our own Chinese messages (Http404/PermissionDenied raised by our views) are
# shown, since they say what is missing.

def _own_message(exception) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    if isinstance(message, str) and any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return message
    return ""


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return HttpResponse(render_to_string("400.html"), status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", {"message": _own_message(exception)}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", {"message": _own_message(exception)}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context (no session or database access that could fail
    again); the request id lets an administrator find the traceback in the log."""
    request_id = getattr(request, "request_id", "")
    logger.error("server error on %s %s, request id %s", request.method, request.path, request_id)
    return HttpResponse(render_to_string("500.html", {"request_id": request_id}), status=500)


def chinese_413_in_waitress() -> None:
    """Waitress refuses a body above its max_request_body_size itself, before the
    application sees the request, with an English text page; make that our Chinese 413 page
    (issue 14, point 6). Called by `jianhui serve` before it starts waitress."""
    from waitress.utilities import RequestEntityTooLarge

    def to_response(self, ident=None):
        limit = getattr(settings, "JIANHUI_MAX_REQUEST_BYTES", 0) // (1024 * 1024)
        body = render_to_string("413.html", {"limit_mb": limit}).encode("utf-8")
        return (f"{self.code} {self.reason}",
                [("Content-Type", "text/html; charset=utf-8")], body)

    RequestEntityTooLarge.to_response = to_response
