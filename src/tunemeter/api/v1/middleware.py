"""Guard `/api/v1/`: rate limits per token and per address, bounded bodies, one error shape.

Runs before any route, so a flood or an oversized body costs no database work; and
after, so the errors Django or ninja write themselves (unknown URL, wrong method, a
crash) leave in the API's JSON shape too.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from tunemeter.api.v1.auth import bearer_secret
from tunemeter.api.v1.errors import error_response

logger = logging.getLogger(__name__)

PREFIX = "/api/v1/"
_MESSAGES = {
    404: "no such endpoint",
    405: "method not allowed here",
    500: "the server failed to answer; try again",
}


def _window_hit(key: str, limit: int, window: int) -> int | None:
    """Count a request in the current fixed window; return seconds to wait when over limit."""
    now = time.time()
    start = int(now // window) * window
    bucket = f"api-rate:{key}:{start}"
    # add() creates the counter atomically (it is a no-op when it exists), then incr() counts.
    cache.add(bucket, 0, timeout=window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, math.ceil(start + window - now))
    return None


def rate_limited(request: HttpRequest) -> int | None:
    """Return Retry-After seconds when the token or the address is over its limit."""
    window = settings.API_RATE_WINDOW_SECONDS
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    waits = []
    wait = _window_hit(f"addr:{address}", settings.API_RATE_PER_ADDRESS, window)
    if wait:
        waits.append(wait)
    secret = bearer_secret(request)
    if secret:
        # The cache key is a digest: the token itself is never stored or logged.
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        wait = _window_hit(f"token:{digest}", settings.API_RATE_PER_TOKEN, window)
        if wait:
            waits.append(wait)
    return max(waits) if waits else None


class ApiGuardMiddleware:
    """Apply the API's limits and error shape to every request under /api/v1/."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if (refused := self._refuse(request)) is not None:
            return refused
        response = self.get_response(request)
        return self._shape(request, response)

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        wait = rate_limited(request)
        if wait is not None:
            logger.info("api rate limited path=%s wait=%s", request.path, wait)
            return error_response(
                429,
                f"too many requests; retry in {wait} s",
                detail={"retry_after": wait},
                headers={"Retry-After": str(wait)},
            )
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            return error_response(411, "send a Content-Length", code="length_required")
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            return error_response(400, "Content-Length is not a number")
        if length > settings.API_MAX_BODY_BYTES:
            return error_response(
                413,
                f"request bodies are at most {settings.API_MAX_BODY_BYTES} bytes",
                detail={"max_bytes": settings.API_MAX_BODY_BYTES},
            )
        return None

    def _shape(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return response
        shaped = error_response(
            response.status_code,
            _MESSAGES.get(response.status_code, response.reason_phrase or "error"),
        )
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        if response.has_header("Retry-After"):
            shaped["Retry-After"] = response["Retry-After"]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not request.path.startswith(PREFIX):
            return None
        logger.exception("api error path=%s method=%s", request.path, request.method)
        return error_response(500, _MESSAGES[500])
