"""Build HTTP responses one way everywhere: attachments, 429 Retry-After, redirects, caching.

Every download names its file through content_disposition (RFC 6266): an ASCII
`filename` fallback (transliterated, never a MIME-encoded word, which no browser
decodes) and the exact name as UTF-8 in `filename*` (RFC 8187). Names lose bidi
overrides and control characters first, so a holder or track named with U+202E
cannot disguise a file's extension.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Iterator
from typing import BinaryIO
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

# Russian (the store's second language) transliterated as ICAO Doc 9303 does ("-": dropped).
_RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_LATIN = "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia"
_CYRILLIC = dict(zip(_RUSSIAN, (t.strip("-") for t in _LATIN.split()), strict=True))
_END = object()


def _visible(name: str) -> str:
    """Drop control, format (bidi overrides, zero-width) and line/paragraph separators."""
    return "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"})


def _ascii(name: str) -> str:
    out = []
    for c in name:
        low = c.lower()
        if low in _CYRILLIC:
            t = _CYRILLIC[low]
            out.append(t.capitalize() if c != low else t)
        else:
            out.append(unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode())
    text = "".join(out)
    # Quotes and backslashes would end or escape the quoted-string; "%" is percent-decoded
    # by some browsers in the plain `filename` (RFC 6266 appendix D); "/" is a path.
    return "".join(c if c.isprintable() and c not in '"\\%/' else "_" for c in text)


def ascii_transliterate(name: str) -> str:
    """Return name in ASCII as download fallbacks write it (Russian per ICAO 9303, accents
    dropped); DSR file names use it too, so a holder's name reads the same in both."""
    return _ascii(_visible(name))


def content_disposition(filename: str) -> str:
    """Return an RFC 6266 attachment header: an ASCII fallback and the exact UTF-8 name."""
    name = _visible(filename).replace("/", "_").replace("\\", "_").strip() or "download"
    fallback = _ascii(name)
    stem, dot, ext = fallback.rpartition(".")
    if not any(ch.isalnum() for ch in (stem if dot else fallback)):
        fallback = f"download.{ext}" if dot and ext.isalnum() else "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _async_pieces(pieces: Iterator) -> AsyncIterator:
    """Yield a blocking iterator's pieces to the ASGI server, one thread hop per piece.

    Each next() runs in the request's own sync thread (thread-sensitive), where a
    database cursor feeding the pieces lives; Django would otherwise read the whole
    body into memory before sending it.
    """
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (piece := await step(pieces, _END)) is not _END:
            yield piece
    finally:
        if (close := getattr(pieces, "close", None)) is not None:
            await sync_to_async(close, thread_sensitive=True)()


def file_chunks(handle: BinaryIO, size: int = 65_536) -> Iterator[bytes]:
    """Yield an open file's bytes in chunks, closing it at the end."""
    with handle:
        while chunk := handle.read(size):
            yield chunk


def attachment(
    request: HttpRequest,
    pieces: Iterator,
    *,
    filename: str,
    content_type: str,
    size_bytes: int | None = None,
) -> StreamingHttpResponse:
    """Return a streamed download of pieces named filename (async under ASGI, else sync)."""
    content = _async_pieces(pieces) if isinstance(request, ASGIRequest) else pieces
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    no_store(response)
    if size_bytes is not None:
        response["Content-Length"] = str(size_bytes)
    return response


def too_many_requests(retry_after: int, message: str) -> HttpResponse:
    """Return 429 with Retry-After in seconds (RFC 6585 section 4, RFC 9110 section 10.2.3)."""
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


def safe_next(request: HttpRequest, default: str = "") -> str:
    """Return the POSTed or asked `next` when it stays on this site, else default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def no_store(response: HttpResponse) -> HttpResponse:
    """Mark a response as the buyer's own, never stored by any cache."""
    response["Cache-Control"] = "private, no-store"
    return response


def cache_public(response: HttpResponse, *, max_age: int) -> HttpResponse:
    """Let any cache keep a response for max_age seconds (content that never changes)."""
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
