"""Build download responses: ETag, Last-Modified, ranges, multipart/byteranges, HEAD.

Bodies are async iterators so the ASGI server streams them without holding a
thread per download; blocking reads run in worker threads one chunk at a time.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

from tunemeter.delivery import preconditions
from tunemeter.delivery.ranges import if_range_allows, parse_range
from tunemeter.httputil import content_disposition

_END = object()


@dataclass
class Representation:
    """Something to download: its bytes from any offset, and what HTTP says about it."""

    content_type: str
    filename: str
    size_bytes: int | None  # None: unknown until sent (chunked, no ranges)
    open_at: Callable[[int], Iterable[bytes]]  # the bytes from an offset to the end
    etag: str | None = None  # strong: '"<hash>"'
    last_modified: datetime | None = None


async def aiter_sync(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    """Iterate a blocking iterable from async code, one item per worker-thread hop.

    When the client goes away mid-transfer the task is cancelled while a worker may
    still be inside next(); the iterator is closed only once that call returns (a
    generator cannot be closed while it runs), so its clean-up always happens.
    """
    iterator = iter(items)
    pending: asyncio.Future | None = None
    try:
        while True:
            pending = asyncio.ensure_future(asyncio.to_thread(next, iterator, _END))
            chunk = await asyncio.shield(pending)
            pending = None
            if chunk is _END:
                return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            if pending is not None and not pending.done():
                pending.add_done_callback(
                    lambda _: threading.Thread(target=close, daemon=True).start()
                )
            else:
                threading.Thread(target=close, daemon=True).start()


async def _nothing() -> AsyncIterator[bytes]:
    """An empty async body (HEAD, 304): streaming, so no Content-Length: 0 is invented."""
    return
    yield b""  # makes this an async generator


def sliced(chunks: Iterable[bytes], count: int) -> Iterator[bytes]:
    """Yield the first `count` bytes of chunks, pulling no chunk beyond them."""
    iterator = iter(chunks)
    remaining = count
    try:
        while remaining > 0:
            chunk = next(iterator, None)
            if chunk is None:
                raise OSError(f"representation ended {remaining} bytes early")
            if len(chunk) > remaining:
                chunk = chunk[:remaining]
            remaining -= len(chunk)
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _headers(response: HttpResponse, rep: Representation) -> None:
    response["Content-Disposition"] = content_disposition(rep.filename)
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    if rep.etag:
        response["ETag"] = rep.etag
    if rep.last_modified:
        response["Last-Modified"] = http_date(rep.last_modified.timestamp())
    response["Accept-Ranges"] = "bytes" if rep.size_bytes is not None else "none"


def _multipart(rep: Representation, ranges: list[tuple[int, int]]) -> tuple[str, int, Callable]:
    boundary = secrets.token_hex(16)
    heads = [
        (
            f"\r\n--{boundary}\r\nContent-Type: {rep.content_type}\r\n"
            f"Content-Range: bytes {a}-{b}/{rep.size_bytes}\r\n\r\n"
        ).encode()
        for a, b in ranges
    ]
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = sum(len(h) for h in heads) + sum(b - a + 1 for a, b in ranges) + len(tail)

    def body() -> Iterator[bytes]:
        for head, (a, b) in zip(heads, ranges, strict=True):
            yield head
            yield from sliced(rep.open_at(a), b - a + 1)
        yield tail

    return f"multipart/byteranges; boundary={boundary}", length, body


def respond(
    request: HttpRequest,
    rep: Representation,
    *,
    wrap: Callable[[Iterable[bytes]], Iterable[bytes]] | None = None,
) -> HttpResponse:
    """Answer GET or HEAD for rep, honouring RFC 9110 §13 preconditions, Range and If-Range.

    `wrap` sees the body iterator (to count bytes, log, release limits).
    """
    outcome = preconditions.evaluate(
        request.headers, etag=rep.etag, last_modified=rep.last_modified
    )
    if outcome == preconditions.NOT_MODIFIED:
        # An empty streaming body: no Content-Length of 0 is added for it (RFC 9110 §8.6).
        response = StreamingHttpResponse(_nothing(), status=304)
        _headers(response, rep)
        return response
    if outcome == preconditions.FAILED:
        response = HttpResponse(status=412)
        _headers(response, rep)
        return response
    status, content_type, length, body = 200, rep.content_type, rep.size_bytes, None
    content_range = None
    if rep.size_bytes is not None:
        wanted = parse_range(request.headers.get("Range"), rep.size_bytes)
        if not if_range_allows(request.headers.get("If-Range"), rep.etag or ""):
            wanted = parse_range(None, rep.size_bytes)
        if wanted.unsatisfiable:
            response = HttpResponse(status=416)
            _headers(response, rep)
            response["Content-Range"] = f"bytes */{rep.size_bytes}"
            return response
        if wanted.ranges and len(wanted.ranges) == 1:
            (a, b), status = wanted.ranges[0], 206
            content_range, length = f"bytes {a}-{b}/{rep.size_bytes}", b - a + 1

            def body() -> Iterator[bytes]:
                return sliced(rep.open_at(a), b - a + 1)

        elif wanted.ranges:
            status = 206
            content_type, length, body = _multipart(rep, wanted.ranges)
    if body is None:

        def body() -> Iterable[bytes]:
            return rep.open_at(0) if length is None else sliced(rep.open_at(0), length)

    if request.method == "HEAD":
        # GET's headers, no body; streaming so no Content-Length of 0 is made up.
        response = StreamingHttpResponse(_nothing(), status=status, content_type=content_type)
    else:
        chunks = body()
        if wrap is not None:
            chunks = wrap(chunks)
        response = StreamingHttpResponse(
            aiter_sync(chunks), status=status, content_type=content_type
        )
    _headers(response, rep)
    if content_range:
        response["Content-Range"] = content_range
    if length is not None:
        response["Content-Length"] = str(length)
    return response
