"""Limit each customer's concurrent downloads: one small slot interface, pluggable backends.

A slot is taken before a download's representation is built and given back exactly
once, whatever happens next: the body ends, fails or is never started (a 304, 412,
416, a HEAD, a client that hangs up before the first byte). The view ties release to
the response's close() and to the body's end; releasing twice releases once.

The backend is `settings.DOWNLOAD_SLOTS_BACKEND` (a dotted path to a `SlotBackend`
subclass). The default, `CoordinatedSlots`, counts across every node in Redis when
one is configured (`tunemeter.coordination`), else in this process; `LocalSlots`
always counts in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from tunemeter import coordination
from tunemeter.delivery.exceptions import TooManyDownloads


class DownloadSlot:
    """One taken slot: release() (or leaving the `with` block) gives it back, once."""

    def __init__(self, give: Callable[[], None]) -> None:
        self._give = give
        self._lock = threading.Lock()
        self.released = False

    def release(self) -> None:
        """Give the slot back; later calls do nothing."""
        with self._lock:
            if self.released:
                return
            self.released = True
        self._give()

    def __enter__(self) -> DownloadSlot:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


class SlotBackend:
    """Where slots are counted: a subclass says which counter (`coordination` slots)."""

    kind = "download"

    def counter(self) -> coordination.LocalSlots | coordination.RedisSlots:
        """Return the counter slots are taken from."""
        raise NotImplementedError

    def acquire(self, customer_id: int, *, limit: int | None = None) -> DownloadSlot:
        """Take one of the customer's slots; raise TooManyDownloads when all are taken."""
        limit = settings.MAX_DOWNLOADS_PER_CUSTOMER if limit is None else limit
        give = self.counter().take(self.kind, customer_id, limit)
        if give is None:
            raise TooManyDownloads(f"at most {limit} downloads at once")
        return DownloadSlot(give)

    def in_use(self, customer_id: int) -> int:
        """Return how many slots the customer holds now."""
        return self.counter().in_use(self.kind, customer_id)


class LocalSlots(SlotBackend):
    """Count slots in this process only."""

    def __init__(self) -> None:
        self._slots = coordination.LocalSlots()

    def counter(self) -> coordination.LocalSlots:
        return self._slots


class CoordinatedSlots(SlotBackend):
    """Count slots across nodes in Redis when configured, else in this process."""

    def counter(self) -> coordination.LocalSlots | coordination.RedisSlots:
        return coordination.slots()


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
