"""Limit each customer's concurrent downloads: one small slot interface, pluggable backends.

A slot is taken before a download's representation is built and given back exactly
once, whatever happens next: the body ends, fails or is never started (a 304, 412,
416, a HEAD, a client that hangs up before the first byte). The view ties release to
the response's close() and to the body's end; releasing twice releases once.

The backend is `settings.DOWNLOAD_SLOTS_BACKEND` (a dotted path to a `SlotBackend`
subclass): the default counts in this process; a cross-node backend (Redis) only has
to implement `_take` and `_give`.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from django.conf import settings
from django.utils.module_loading import import_string

from tunemeter.delivery.exceptions import TooManyDownloads

logger = logging.getLogger(__name__)


class DownloadSlot:
    """One taken slot: release() (or leaving the `with` block) gives it back, once."""

    def __init__(self, backend: SlotBackend, customer_id: int) -> None:
        self._backend, self.customer_id = backend, customer_id
        self._lock = threading.Lock()
        self.released = False

    def release(self) -> None:
        """Give the slot back; later calls do nothing."""
        with self._lock:
            if self.released:
                return
            self.released = True
        self._backend._give(self.customer_id)

    def __enter__(self) -> DownloadSlot:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


class SlotBackend:
    """Where slots are counted. Subclasses implement _take (atomic check-and-add) and _give."""

    def acquire(self, customer_id: int, *, limit: int | None = None) -> DownloadSlot:
        """Take one of the customer's slots; raise TooManyDownloads when all are taken."""
        limit = settings.MAX_DOWNLOADS_PER_CUSTOMER if limit is None else limit
        if not self._take(customer_id, limit):
            raise TooManyDownloads(f"at most {limit} downloads at once")
        return DownloadSlot(self, customer_id)

    def in_use(self, customer_id: int) -> int:
        """Return how many slots the customer holds now."""
        raise NotImplementedError

    def _take(self, customer_id: int, limit: int) -> bool:
        raise NotImplementedError

    def _give(self, customer_id: int) -> None:
        raise NotImplementedError


class LocalSlots(SlotBackend):
    """Count slots in this process (one server process per store, the default)."""

    def __init__(self) -> None:
        self._active: Counter[int] = Counter()
        self._lock = threading.Lock()

    def in_use(self, customer_id: int) -> int:
        with self._lock:
            return self._active[customer_id]

    def _take(self, customer_id: int, limit: int) -> bool:
        with self._lock:
            if self._active[customer_id] >= limit:
                return False
            self._active[customer_id] += 1
            return True

    def _give(self, customer_id: int) -> None:
        with self._lock:
            if self._active[customer_id] <= 0:
                # Never below zero: a bug elsewhere must not grant extra slots.
                logger.error("download slot released twice customer=%s", customer_id)
                return
            self._active[customer_id] -= 1
            if not self._active[customer_id]:
                del self._active[customer_id]


_backend: SlotBackend | None = None
_backend_lock = threading.Lock()


def slots_backend() -> SlotBackend:
    """Return the process's slot backend (built once from settings)."""
    global _backend
    with _backend_lock:
        if _backend is None:
            _backend = import_string(settings.DOWNLOAD_SLOTS_BACKEND)()
        return _backend


def download_slot_acquire(customer_id: int) -> DownloadSlot:
    """Take one of the customer's concurrent download slots (TooManyDownloads when full)."""
    return slots_backend().acquire(customer_id)
