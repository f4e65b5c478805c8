"""Give every API error one shape: {"code", "message", "detail"}.

`code` is a stable machine word, `message` a sentence for people, `detail` anything
structured (field errors, a fresh quote) or null.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

# The code of each HTTP status the API answers with, when nothing more precise applies.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "insufficient_funds",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    451: "unavailable_for_legal_reasons",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a route to answer with an error of this status, code and detail."""

    def __init__(
        self, status: int, message: str, *, code: str = "", detail: Any = None, headers=None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "error")
        self.detail = detail
        self.headers = headers or {}


def error_body(status: int, message: str, *, code: str = "", detail: Any = None) -> dict:
    """Return the error document for a status."""
    return {"code": code or STATUS_CODES.get(status, "error"), "message": message, "detail": detail}


def error_response(
    status: int, message: str, *, code: str = "", detail: Any = None, headers=None
) -> HttpResponse:
    """Return a JSON error response (used where no route runs: middleware, URL fallbacks)."""
    body = json.dumps(error_body(status, message, code=code, detail=detail), default=str)
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response
