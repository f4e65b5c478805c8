"""Limit how many downloads one customer runs at once (slots, released when a body ends)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from django.conf import settings

from tunemeter.delivery.exceptions import TooManyDownloads

_active: Counter[int] = Counter()
_active_lock = threading.Lock()


def download_slot_acquire(customer_id: int) -> Callable[[], None]:
    """Take one of the customer's concurrent download slots; return its release function.

    Raises TooManyDownloads when all are taken. Releasing twice releases once.
    """
    with _active_lock:
        if _active[customer_id] >= settings.MAX_DOWNLOADS_PER_CUSTOMER:
            raise TooManyDownloads(
                f"at most {settings.MAX_DOWNLOADS_PER_CUSTOMER} downloads at once"
            )
        _active[customer_id] += 1
    released = threading.Event()

    def release() -> None:
        with _active_lock:
            if not released.is_set():
                released.set()
                _active[customer_id] -= 1

    return release
