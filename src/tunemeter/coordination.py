"""Coordinate nodes: counted slots and single-flight locks, in Redis or in this process.

With REDIS_URL set, download slots and encoder locks are shared by every node; without
it they live in this process (one node). Both kinds have the same small interface,
so callers never know which they hold.

Slots are Redis sorted sets of holders scored by expiry: a crashed node's holders
expire instead of leaking. Locks are SET NX PX with a random token (only the holder
releases, by compare-and-delete) and a fencing number from INCR, so a writer whose
lock expired can be told from the current one.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections import Counter
from typing import Protocol

from django.conf import settings

SLOT_TTL_SECONDS = 6 * 3600  # a download longer than this loses its slot
LOCK_TTL_SECONDS = 30  # renewed while the encode runs; a dead node's lock lapses after it

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_TAKE = """
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[3], ARGV[4])
redis.call('expire', KEYS[1], ARGV[5])
return 1
"""


class Lock(Protocol):
    """A single-flight lock: acquire without waiting, release once, ask if anyone holds it."""

    fence: int

    def acquire(self) -> bool:
        """Take the lock if free; return whether we hold it now."""

    def release(self) -> None:
        """Let go (only if we hold it; twice is once)."""

    def held(self) -> bool:
        """Return True while anyone holds the lock."""


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def redis_client():
    """Return the shared Redis client, or None when REDIS_URL is not set."""
    return _redis(settings.REDIS_URL) if settings.REDIS_URL else None


_local_locks: dict[str, object] = {}
_local_guard = threading.Lock()


class LocalLock:
    """An in-process lock by name (one node)."""

    def __init__(self, name: str) -> None:
        self.name, self.fence, self._owner = name, 0, object()

    def acquire(self) -> bool:
        """Take the name if no one in this process holds it."""
        with _local_guard:
            if self.name in _local_locks:
                return False
            _local_locks[self.name] = self._owner
            return True

    def release(self) -> None:
        """Free the name if we hold it."""
        with _local_guard:
            if _local_locks.get(self.name) is self._owner:
                del _local_locks[self.name]

    def held(self) -> bool:
        """Return True while someone in this process holds the name."""
        with _local_guard:
            return self.name in _local_locks


class RedisLock:
    """A Redis lock with a random token, renewed by a thread while held, and a fence."""

    def __init__(self, client, name: str, ttl_seconds: float = LOCK_TTL_SECONDS) -> None:
        self._client, self.name = client, f"tunemeter:lock:{name}"
        self._token, self._ttl_ms = secrets.token_hex(16), int(ttl_seconds * 1000)
        self.fence = 0
        self._stop = threading.Event()

    def acquire(self) -> bool:
        """Take the lock if free; start renewing it; take the next fencing number."""
        if not self._client.set(self.name, self._token, nx=True, px=self._ttl_ms):
            return False
        self.fence = int(self._client.incr(self.name + ":fence"))
        threading.Thread(target=self._renew, daemon=True, name="lock-renew").start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._ttl_ms / 3000):
            try:
                if not self._client.eval(_RENEW, 1, self.name, self._token, self._ttl_ms):
                    return  # lost it (expired): the holder's writes are atomic anyway
            except Exception:  # noqa: BLE001 - a Redis hiccup: try again next period
                continue

    def release(self) -> None:
        """Delete the lock only if it still holds our token."""
        self._stop.set()
        self._client.eval(_RELEASE, 1, self.name, self._token)

    def held(self) -> bool:
        """Return True while anyone holds the lock."""
        return bool(self._client.exists(self.name))


def encode_lock(key: str) -> Lock:
    """Return the single-flight lock of one rendition's encode (across nodes with Redis)."""
    client = redis_client()
    if client is None:
        return LocalLock(f"encode:{key}")
    return RedisLock(client, f"encode:{key}", settings.ENCODE_LOCK_TTL_SECONDS)


class Slots(Protocol):
    """Counted slots per owner: take one (or fail), give it back through the returned callable."""

    def take(self, kind: str, owner: int, limit: int):
        """Take a slot; return its release function, or None when all `limit` are taken."""


class LocalSlots:
    """Slots counted in this process."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def take(self, kind: str, owner: int, limit: int):
        """Take one of owner's `limit` slots of this kind, or return None."""
        key = (kind, owner)
        with self._lock:
            if self._counts[key] >= limit:
                return None
            self._counts[key] += 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if not released.is_set():
                    released.set()
                    self._counts[key] -= 1

        return release

    def in_use(self, kind: str, owner: int) -> int:
        """Return how many of owner's slots are taken."""
        with self._lock:
            return self._counts[(kind, owner)]


class RedisSlots:
    """Slots counted in Redis, shared by every node; a holder that never releases expires."""

    def __init__(self, client) -> None:
        self._client = client

    def take(self, kind: str, owner: int, limit: int):
        """Take one of owner's `limit` slots of this kind (atomically, in Lua), or return None."""
        key, member, now = f"tunemeter:slots:{kind}:{owner}", secrets.token_hex(8), time.time()
        ok = self._client.eval(
            _TAKE, 1, key, now, limit, now + SLOT_TTL_SECONDS, member, SLOT_TTL_SECONDS
        )
        if not ok:
            return None
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self._client.zrem(key, member)

        return release

    def in_use(self, kind: str, owner: int) -> int:
        """Return how many of owner's slots are taken (expired holders dropped)."""
        key = f"tunemeter:slots:{kind}:{owner}"
        self._client.zremrangebyscore(key, "-inf", time.time())
        return int(self._client.zcard(key))


_local_slots = LocalSlots()


def slots() -> LocalSlots | RedisSlots:
    """Return the slot counter: Redis when configured, else this process's."""
    client = redis_client()
    return RedisSlots(client) if client else _local_slots
