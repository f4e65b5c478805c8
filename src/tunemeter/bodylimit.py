"""Refuse request bodies past MAX_REQUEST_BODY_BYTES at the ASGI edge (413), before buffering.

Django's ASGI handler spools the whole body to a temporary file before any setting
is consulted, so a multi-gigabyte POST would fill the disk; this wrapper stops it
at the declared Content-Length, or at the first byte past the limit when the body
is chunked.
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger(__name__)

_BODY = b"Request body too large.\n"


async def _send_413(send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(_BODY)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BODY})


class BodyLimit:
    """Wrap an ASGI application so no request body larger than the limit reaches it."""

    def __init__(self, app, limit_bytes: int | None = None) -> None:
        self.app, self._limit = app, limit_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit if self._limit is not None else settings.MAX_REQUEST_BODY_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            logger.warning("request body refused path=%s declared=%s", scope["path"], declared)
            return await _send_413(send)
        received, over, started = 0, False, False

        async def limited_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}  # the app stops reading, sends nothing
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if over and not started:
            logger.warning("request body refused path=%s received>%d", scope["path"], limit)
            await _send_413(send)
