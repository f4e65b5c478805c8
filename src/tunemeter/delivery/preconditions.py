"""Evaluate HTTP conditional requests (RFC 9110 §13) for GET and HEAD of a download."""

from __future__ import annotations

from datetime import datetime

from django.utils.http import parse_http_date_safe

PROCEED, NOT_MODIFIED, FAILED = 200, 304, 412


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def if_match_passes(header: str, etag: str | None) -> bool:
    """Return the If-Match outcome (§13.1.1): "*" or a strong match with the current ETag."""
    tags = _tags(header)
    if "*" in tags:
        return True
    # Strong comparison (§8.8.3.2): weak tags never match.
    return etag is not None and not etag.startswith("W/") and etag in tags


def if_none_match_passes(header: str, etag: str | None) -> bool:
    """Return the If-None-Match outcome (§13.1.2): False when "*" or a weak match."""
    tags = _tags(header)
    if "*" in tags:
        return False  # the representation exists (even while it is being encoded)
    return etag is None or _opaque(etag) not in {_opaque(t) for t in tags}


def _date(header: str | None) -> int | None:
    return parse_http_date_safe(header) if header else None


def evaluate(headers, *, etag: str | None, last_modified: datetime | None) -> int:
    """Return PROCEED, NOT_MODIFIED (304) or FAILED (412) for a GET or HEAD.

    Follow RFC 9110 §13.2.2's order: If-Match, else If-Unmodified-Since; then
    If-None-Match, else If-Modified-Since. Unparsable dates are ignored (§13.1.3-4).
    If-Range is step 5, evaluated with the Range header by the caller.
    """
    modified = int(last_modified.timestamp()) if last_modified is not None else None
    if_match = headers.get("If-Match")
    if if_match is not None:
        if not if_match_passes(if_match, etag):
            return FAILED
    else:
        since = _date(headers.get("If-Unmodified-Since"))
        if since is not None and (modified is None or modified > since):
            return FAILED
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return PROCEED if if_none_match_passes(if_none_match, etag) else NOT_MODIFIED
    since = _date(headers.get("If-Modified-Since"))
    if since is not None and modified is not None and modified <= since:
        return NOT_MODIFIED
    return PROCEED
