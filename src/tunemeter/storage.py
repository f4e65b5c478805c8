"""Write files into the store's content-addressed storage, atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

TEMP_PREFIX = ".tmp-"
# A temp file without an owner in its name (written before owners were recorded) is
# swept only once nothing has touched it for this long.
UNOWNED_TEMP_MAX_AGE_SECONDS = 24 * 3600
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_OWNER = re.compile(r"^\.tmp-([0-9a-f]{8})\.([0-9]+)\.([0-9]+)\.")


def _start_ticks(pid: int) -> int | None:
    """Return when a process started (clock ticks since boot), None when it is not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return -1  # exists, unreadable: alive as far as we can tell
    # The command name (field 2) may hold spaces and ")": split after its last ")".
    return int(stat.rsplit(")", 1)[1].split()[19])


def temp_prefix() -> str:
    """Return the prefix of this process's temp files: host, pid and start time, the owner.

    A pid alone is reused; with its start time it names one process forever, so a
    sweep can prove the owner dead instead of guessing (two servers, or an import run
    beside a server, on one data dir never delete each other's files in progress).
    """
    pid = os.getpid()
    return f"{TEMP_PREFIX}{_HOST}.{pid}.{_start_ticks(pid) or 0}."


def temp_owner_alive(name: str) -> bool:
    """Return False only when the temp file's owner provably no longer runs."""
    match = _OWNER.match(name)
    if match is None:
        return True  # no owner recorded: the caller decides by age
    host, pid, started = match.group(1), int(match.group(2)), int(match.group(3))
    if host != _HOST:
        return True  # another machine's process: nothing here can prove it dead
    if not Path("/proc/self/stat").exists():
        return True  # no way to tell start times apart on this system
    now = _start_ticks(pid)
    return now is not None and (now == -1 or started == 0 or now == started)


def storage_root() -> Path:
    """Return the storage root directory (created on first use)."""
    root = Path(settings.STORAGE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def content_relpath(kind: str, sha256: str, ext: str) -> str:
    """Return the sharded relative path of a content-addressed file: kind/ab/cd/<sha>.<ext>."""
    return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext.lstrip('.')}"


def storage_path(relpath: str) -> Path:
    """Return the absolute path of a stored file, refusing paths that escape the root."""
    root = storage_root().resolve()
    path = (root / relpath).resolve()
    if root not in path.parents:
        raise ValueError(f"path escapes storage: {relpath!r}")
    return path


def fsync_dir(path: Path) -> None:
    """Make a rename in this directory durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(relpath: str, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file under relpath via temp file, fsync and rename; return the final path.

    A crash leaves at most a `.tmp-` file (swept at start-up), never a partial file
    under the final name. Content-addressed names make an existing file final already.
    """
    final = storage_path(relpath)
    if final.exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(), dir=final.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return final


def store_copy(src: Path, relpath: str) -> Path:
    """Copy the file src into storage under relpath, atomically."""

    def write(out: BinaryIO) -> None:
        with open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)

    return _write_atomic(relpath, write)


def store_bytes(data: bytes, relpath: str) -> Path:
    """Write data into storage under relpath, atomically."""
    return _write_atomic(relpath, lambda out: out.write(data))


def sweep_temp_files() -> int:
    """Delete temp files whose owner provably died (a crash); return how many were removed.

    Files of live processes (another server, an import, this process) are left alone;
    files with no recorded owner go only once untouched for a day.
    """
    removed = 0
    unowned_before = time.time() - UNOWNED_TEMP_MAX_AGE_SECONDS
    for path in storage_root().rglob(f"{TEMP_PREFIX}*"):
        if temp_owner_alive(path.name):
            if _OWNER.match(path.name) is not None:
                continue
            try:
                if path.stat().st_mtime > unowned_before:
                    continue
            except FileNotFoundError:
                continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
