"""Limit how many downloads one customer runs at once (slots, released when a body ends)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from tunemeter import coordination
from tunemeter.delivery.exceptions import TooManyDownloads


def download_slot_acquire(customer_id: int) -> Callable[[], None]:
    """Take one of the customer's concurrent download slots; return its release function.

    Slots are counted across nodes when Redis is configured (tunemeter.coordination).
    Raises TooManyDownloads when all are taken. Releasing twice releases once.
    """
    limit = settings.MAX_DOWNLOADS_PER_CUSTOMER
    release = coordination.slots().take("download", customer_id, limit)
    if release is None:
        raise TooManyDownloads(f"at most {limit} downloads at once")
    return release
