"""Cache renditions on disk, content-addressed, with single-flight encoding and an LRU budget.

A missing rendition is encoded once, however many requests want it: the first
request starts the encoder in a thread, which writes a temp file; every reader
streams from that file while it grows. When the encode ends the file is fsynced and
renamed under its final name (readers keep reading the same inode); if it fails,
the temp file is deleted and every reader gets the error. At most MAX_ENCODES
encoders run at once; past that `EncoderBusy` is raised at once.

Single flight spans nodes when Redis is configured: an encode holds the rendition's
lock (tunemeter.coordination); a request on another node waits, bounded, for the
object to appear in storage and reads it through. With object storage (S3) the
finished file is uploaded before it is renamed into place, so a final key or name
only ever holds a complete rendition. Reads never touch the file (nginx's validators
stay put); recency for eviction is kept in the Rendition row (`used_at`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from tunemeter import coordination, storage
from tunemeter.observability import metrics
from tunemeter.transcoding.exceptions import EncoderBusy, RenderError
from tunemeter.transcoding.render import render
from tunemeter.transcoding.selectors import RenderJob

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 1024 * 1024
# Recency is written at most this often per rendition and process (a hit is a read).
USED_AT_EVERY_SECONDS = 600
# How long a request waits for another node's encode of the same rendition.
REMOTE_ENCODE_WAIT_SECONDS = 300


@dataclass
class Flight:
    """One encode in progress, shared by everyone reading it."""

    job: RenderJob
    temp: Path
    final: Path
    cond: threading.Condition = field(default_factory=threading.Condition)
    written_bytes: int = 0
    done: bool = False
    error: BaseException | None = None
    sha256: str = ""
    lock: object = None  # the cross-node encode lock, released when the encode ends


class RenditionStream:
    """An open rendition: iterate for its bytes. `size` is known when it was already cached."""

    def __init__(self, cache: RenditionCache, path: Path, flight: Flight | None) -> None:
        self._cache, self.path, self._flight = cache, path, flight
        self.cached = flight is None
        self.size_bytes: int | None = None  # known for cached files
        self._fd: int | None = None
        if flight is None:
            # Open now: an eviction after this point unlinks a name, not our file.
            self._fd = os.open(path, os.O_RDONLY)
            self.size_bytes = os.fstat(self._fd).st_size

    def close(self) -> None:
        """Release the open file of a cached rendition."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_from(0)

    def iter_from(self, offset: int) -> Iterator[bytes]:
        """Yield the rendition's bytes from offset on, waiting for an encode to reach them."""
        self._cache.reading_add(self.path, 1)
        try:
            if self._fd is not None:
                yield from self._read_fd(offset)
            elif self._flight is None:
                yield from self._read_file(offset)
            else:
                yield from self._follow(self._flight, offset)
        finally:
            self._cache.reading_add(self.path, -1)

    def _read_fd(self, offset: int) -> Iterator[bytes]:
        """Read the open cached file with pread, so several ranges can read it at once."""
        while chunk := os.pread(self._fd, READ_CHUNK_BYTES, offset):
            offset += len(chunk)
            yield chunk

    def _read_file(self, offset: int = 0) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            while chunk := fh.read(READ_CHUNK_BYTES):
                yield chunk

    def _follow(self, flight: Flight, offset: int = 0) -> Iterator[bytes]:
        """Yield the growing temp file's bytes from offset as the encoder writes them."""
        try:
            fh = open(flight.temp, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            # Finished (renamed) or failed before we opened it.
            with flight.cond:
                flight.cond.wait_for(lambda: flight.done)
            if flight.error is not None:
                raise RenderError(str(flight.error)) from flight.error
            yield from self._read_file(offset)
            return
        with fh:
            fh.seek(offset)
            sent = offset
            while True:
                with flight.cond:
                    flight.cond.wait_for(
                        lambda sent=sent: flight.written_bytes > sent or flight.done
                    )
                    available, done, error = flight.written_bytes, flight.done, flight.error
                if error is not None:
                    raise RenderError(str(error)) from error
                while sent < available:
                    chunk = fh.read(min(READ_CHUNK_BYTES, available - sent))
                    if not chunk:
                        break
                    sent += len(chunk)
                    yield chunk
                if done and sent >= available:
                    return


class RenditionCache:
    """The process's rendition cache: open renditions, encode missing ones once."""

    def __init__(self, *, max_encodes: int | None = None, max_bytes: int | None = None) -> None:
        self.max_encodes = max_encodes or settings.MAX_ENCODES
        self.max_bytes = max_bytes if max_bytes is not None else settings.CACHE_MAX_BYTES
        self.min_free_bytes = settings.CACHE_MIN_FREE_BYTES
        self._slots = threading.BoundedSemaphore(self.max_encodes)
        self._lock = threading.Lock()
        self._flights: dict[str, Flight] = {}
        self._reading: Counter[Path] = Counter()
        self._evict_lock = threading.Lock()
        self._used: dict[str, float] = {}
        self.encodes_started = 0

    def open(self, job: RenderJob) -> RenditionStream:
        """Return a stream of the rendition: from the cache, a running encode, or a new one."""
        final = storage.storage_path(job.relpath)
        deadline = time.monotonic() + REMOTE_ENCODE_WAIT_SECONDS
        fetched = storage.backend().name == "local"  # nothing to read through
        while True:
            fetch = False
            with self._lock:
                flight = self._flights.get(job.key)
                if flight is not None:
                    return RenditionStream(self, final, flight)
                stream = self._cached(final)
                if stream is None and not fetched:
                    fetch = True
                elif stream is None:
                    lock = coordination.encode_lock(job.key)
                    if lock.acquire():
                        if not self._slots.acquire(blocking=False):
                            lock.release()
                            raise EncoderBusy(retry_after=5)
                        try:
                            flight = self._start(job, final, lock)
                        except BaseException:
                            # Disk full, no thread: nothing runs, so nothing may hold the slot.
                            self._slots.release()
                            lock.release()
                            raise
                        return RenditionStream(self, final, flight)
            if stream is not None:
                self._used_mark(job.key)
                metrics.CACHE.labels(result="hit").inc()
                logger.debug("cache hit format=%s track=%s", job.fmt.id, job.track_id)
                return stream
            if fetch:
                # Read through from object storage, outside the lock (it may take a while).
                fetched = True
                with contextlib.suppress(FileNotFoundError):
                    storage.storage_local(job.relpath)
                continue
            # Another node encodes it: wait, then look again (it is in storage by then).
            self._remote_wait(job, deadline)
            fetched = storage.backend().name == "local"

    def _cached(self, final: Path) -> RenditionStream | None:
        """Open this node's copy of the rendition, if there is one."""
        try:
            return RenditionStream(self, final, None)
        except FileNotFoundError:
            return None  # not here, or evicted just now

    def _remote_wait(self, job: RenderJob, deadline: float) -> None:
        """Wait while another node holds the rendition's encode lock (bounded)."""
        metrics.ENCODES_QUEUED.inc()
        try:
            while coordination.encode_lock(job.key).held():
                if time.monotonic() > deadline:
                    raise EncoderBusy(retry_after=10)
                time.sleep(0.1)
        finally:
            metrics.ENCODES_QUEUED.dec()

    def _used_mark(self, key: str) -> None:
        """Record that a rendition was read, in its row, at most every few minutes."""
        now = time.monotonic()
        if now - self._used.get(key, -USED_AT_EVERY_SECONDS) < USED_AT_EVERY_SECONDS:
            return
        self._used[key] = now
        from tunemeter.transcoding.models import Rendition

        Rendition.objects.filter(key=key).update(used_at=timezone.now())

    def _start(self, job: RenderJob, final: Path, lock: coordination.Lock) -> Flight:
        metrics.CACHE.labels(result="miss").inc()
        flight = Flight(job=job, temp=storage.temp_create(final), final=final, lock=lock)
        thread = threading.Thread(target=self._encode, args=(flight,), daemon=True, name="encode")
        self._flights[job.key] = flight
        try:
            thread.start()
        except BaseException:
            del self._flights[job.key]
            flight.temp.unlink(missing_ok=True)
            raise
        self.encodes_started += 1
        logger.info(
            "encode start format=%s track=%s key=%s", job.fmt.id, job.track_id, job.key[:12]
        )
        return flight

    def _encode(self, flight: Flight) -> None:
        started = time.perf_counter()
        digest = hashlib.sha256()
        metrics.ENCODES_RUNNING.inc()
        try:
            with open(flight.temp, "wb") as out:
                for chunk in render(flight.job.source, flight.job.fmt, flight.job.tags):
                    out.write(chunk)
                    out.flush()
                    digest.update(chunk)
                    with flight.cond:
                        flight.written_bytes += len(chunk)
                        flight.cond.notify_all()
                os.fsync(out.fileno())
            flight.sha256 = digest.hexdigest()
            # Record before publishing: whoever finds the final file finds its size and hash.
            self._record(flight)
            storage.temp_publish(flight.temp, flight.job.relpath)
            metrics.ENCODES.labels(result="done").inc()
            logger.info(
                "encode done format=%s track=%s bytes=%d seconds=%.2f",
                flight.job.fmt.id,
                flight.job.track_id,
                flight.written_bytes,
                time.perf_counter() - started,
            )
        except BaseException as exc:  # every waiting reader must learn of any failure
            flight.error = exc
            metrics.ENCODES.labels(result="failed").inc()
            with contextlib.suppress(FileNotFoundError):
                flight.temp.unlink()
            logger.warning(
                "encode failed format=%s track=%s error=%s",
                flight.job.fmt.id,
                flight.job.track_id,
                exc,
            )
        finally:
            with flight.cond:
                flight.done = True
                flight.cond.notify_all()
            with self._lock:
                self._flights.pop(flight.job.key, None)
            self._slots.release()
            flight.lock.release()
            metrics.ENCODES_RUNNING.dec()
            if flight.error is None:
                self.evict()

    def _record(self, flight: Flight) -> None:
        """Remember the rendition's exact size and hash (kept even after eviction)."""
        from tunemeter.transcoding.models import Rendition

        try:
            Rendition.objects.update_or_create(
                key=flight.job.key,
                defaults={
                    "master_id": flight.job.master_id,
                    "format_id": flight.job.fmt.id,
                    "size_bytes": flight.written_bytes,
                    "sha256": flight.sha256,
                    "storage_path": flight.job.relpath,
                    "used_at": timezone.now(),
                },
            )
        finally:
            if threading.current_thread() is not threading.main_thread():
                close_old_connections()
                connection.close()

    def evict(self) -> int:
        """Delete least recently used renditions past the size budget, or while the disk's
        free space is under CACHE_MIN_FREE_BYTES; return bytes freed."""
        with self._evict_lock:  # two evictions at once would each free the budget's excess
            return self._evict()

    def reading_add(self, path: Path, delta: int) -> None:
        """Count readers of a file (eviction skips files with readers)."""
        with self._lock:
            self._reading[path] += delta

    def _evict(self) -> int:
        root = storage.storage_root() / "renditions"
        if not root.exists():
            return 0
        from tunemeter.transcoding.models import Rendition

        files = []
        for path in root.rglob("*"):
            if path.is_file() and not path.name.startswith(storage.TEMP_PREFIX):
                with contextlib.suppress(FileNotFoundError):
                    st = path.stat()
                    files.append((path.stem, st.st_mtime, st.st_size, path))
        # Recency from the rows (reads never touch files); a file with no row goes first.
        used = dict(
            Rendition.objects.filter(key__in=[f[0] for f in files]).values_list("key", "used_at")
        )
        order = sorted(
            files, key=lambda f: used[f[0]].timestamp() if used.get(f[0]) else f[1] - 1e10
        )
        if threading.current_thread() is not threading.main_thread():
            connection.close()
        total = sum(size for _, _, size, _ in files)
        # Keep a free-space floor on the disk too: other data (the database, masters,
        # encodes in progress) shares it, and a full disk fails writes everywhere.
        short = max(0, self.min_free_bytes - shutil.disk_usage(root).free)
        freed = 0
        for _, _, size, path in order:
            if total - freed <= self.max_bytes and freed >= short:
                break
            with self._lock:
                if self._reading[path] > 0:
                    continue  # never evict a file someone is reading
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                freed += size
                logger.info("cache evict path=%s bytes=%d", path.name, size)
        return freed


_cache: RenditionCache | None = None
_cache_lock = threading.Lock()


def cache_get() -> RenditionCache:
    """Return the process-wide rendition cache."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = RenditionCache()
        return _cache


def cache_open_waiting(job: RenderJob, *, wait_seconds: float = 60.0) -> RenditionStream:
    """Open a rendition, waiting up to wait_seconds for a free encoder slot (zips use it)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return cache_get().open(job)
        except EncoderBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
