"""Answer 503 with Retry-After when the database is overloaded or out of space, never a 500.

SQLite's "database is locked" (a writer waited its whole busy timeout), a full disk,
or PostgreSQL's pool running dry are temporary: the client should come back shortly,
and an API client gets JSON it can parse.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# Messages of temporary conditions (SQLite, PostgreSQL, psycopg's pool).
_TEMPORARY = (
    "database is locked",
    "database table is locked",
    "disk is full",
    "database or disk is full",
    "no space left on device",
    "couldn't get a connection",
    "too many clients",
)


def is_overload(exc: BaseException) -> bool:
    """Return True when exc says the database is busy or full, not that a query is wrong."""
    if type(exc).__name__ == "PoolTimeout":
        return True
    return isinstance(exc, OperationalError) and any(t in str(exc).lower() for t in _TEMPORARY)


def overload_response(request: HttpRequest) -> HttpResponse:
    """Return the 503 answer: JSON on the API, plain text elsewhere, with Retry-After."""
    message = "The store is busy; try again in a few seconds."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class OverloadMiddleware:
    """Turn overload errors from any view into 503 + Retry-After."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_overload(exception):
            return None
        logger.warning("overload answered 503 path=%s error=%s", request.path, str(exception)[:200])
        return overload_response(request)
