"""Cut lists into pages with opaque cursors: stable under inserts, no offsets to skip.

A cursor names the last row of a page (by primary key); the next page starts after it.
Rows are in primary-key order, so a page never repeats or skips a row that existed
when the first page was read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from tunemeter.api.v1.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"k{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("k") or not raw[1:].isdigit() or len(raw) > 20:
            raise ValueError(cursor)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "this cursor is not one the API gave", code="invalid_cursor") from None


def page(
    queryset: QuerySet, *, cursor: str | None, limit: int, render: Callable[[Any], dict]
) -> dict:
    """Return {"items", "next_cursor"} for the page of queryset after cursor."""
    if cursor:
        queryset = queryset.filter(pk__gt=_decode(cursor))
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [render(row) for row in rows],
        "next_cursor": _encode(rows[-1].pk) if more and rows else None,
    }
