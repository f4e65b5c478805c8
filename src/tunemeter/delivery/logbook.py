"""Write download logs from a background thread, so logging never blocks a transfer.

`counted` wraps a body: it logs the bytes sent and frees the download slot at its end.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_queue: queue.Queue = queue.Queue(maxsize=10_000)
_started = threading.Lock()
_thread: threading.Thread | None = None


def _writer() -> None:
    from tunemeter.delivery.models import DownloadLog

    while True:
        record = _queue.get()
        try:
            close_old_connections()
            DownloadLog.objects.create(**record)
        except Exception:  # a lost log line must never take the writer down
            logger.exception("download log write failed record=%s", record)
        finally:
            # Hold no connection while idle: the database may be restarted or dropped.
            connection.close()
            _queue.task_done()


def log_download(**record) -> None:
    """Queue a download record; drop it (with a warning) if the queue is full."""
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_writer, daemon=True, name="download-log")
            _thread.start()
    try:
        _queue.put_nowait(record)
    except queue.Full:
        logger.warning("download log queue full: record dropped what=%s", record.get("what"))


def flush(timeout: float = 5.0) -> None:
    """Wait until queued records are written (tests, shutdown)."""
    done = threading.Event()
    threading.Thread(target=lambda: (_queue.join(), done.set()), daemon=True).start()
    done.wait(timeout)


def counted(
    chunks: Iterable[bytes], *, record: dict, release: Callable[[], None]
) -> Iterator[bytes]:
    """Yield chunks, then log the download (bytes sent, completed or not) and free the slot."""
    sent, completed = 0, False
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
        completed = True
    finally:
        release()
        log_download(**record, bytes_sent=sent, completed=completed, finished_at=timezone.now())
