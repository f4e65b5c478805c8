"""Give each request an id (echoed as X-Request-ID) and count responses by status."""

from __future__ import annotations

import re
import secrets

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from tunemeter.observability import metrics
from tunemeter.observability.logs import request_id_var

# A proxy's id is kept when it looks like one; anything else is replaced.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def _request_id(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _SAFE_ID.match(given) else secrets.token_hex(8)


class RequestContextMiddleware:
    """Set the request id for logs, answer with it, count the response."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        """Run the request with its id in context."""
        if self.is_async:
            return self._acall(request)
        rid = _request_id(request)
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        except Exception:
            metrics.ERRORS.labels(where="request").inc()
            raise
        finally:
            request_id_var.reset(token)
        return self._finish(request, response, rid)

    async def _acall(self, request):
        rid = _request_id(request)
        token = request_id_var.set(rid)
        try:
            response = await self.get_response(request)
        except Exception:
            metrics.ERRORS.labels(where="request").inc()
            raise
        finally:
            request_id_var.reset(token)
        return self._finish(request, response, rid)

    @staticmethod
    def _finish(request, response, rid: str):
        response["X-Request-ID"] = rid
        metrics.REQUESTS.labels(method=request.method, status=str(response.status_code)).inc()
        if response.status_code >= 500:
            metrics.ERRORS.labels(where="response").inc()
        return response
