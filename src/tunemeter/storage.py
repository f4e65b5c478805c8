"""Store the store's objects (masters, covers, renditions): one interface, local or S3.

The local folder (`STORAGE_DIR`) is always there: with no object storage configured
it holds every object; with S3 (`TUNEMETER_S3_*`) it is the node's read-through cache
and write staging area, and the bucket holds the objects. A write is staged in a
temp file, fsynced, published to the backend (for S3 a multipart upload completed
only once the whole file is there), and only then renamed under its final name, so
a crash or failed encode never leaves anything under a final name or key.
"""

from __future__ import annotations

import contextlib
import functools
import grp
import hashlib
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

from tunemeter.storage_s3 import S3Backend

logger = logging.getLogger(__name__)

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


class Backend(Protocol):
    """Where objects live beyond this node's folder (nothing for the local backend)."""

    name: str

    def publish(self, relpath: str, path: Path) -> None:
        """Make the complete file at path the object relpath (atomically)."""

    def fetch(self, relpath: str, out: BinaryIO) -> None:
        """Write the object's bytes to out; raise FileNotFoundError when there is none."""

    def exists(self, relpath: str) -> bool:
        """Return True when the object exists in the backend."""

    def delete(self, relpath: str) -> None:
        """Delete the object (no error when it is absent)."""

    def keys(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Yield (relpath, size_bytes) of every object under prefix."""

    def check(self) -> None:
        """Raise when the backend cannot be reached (health check)."""


class LocalBackend:
    """Objects are the files under STORAGE_DIR: publishing is the rename itself."""

    name = "local"

    def publish(self, relpath: str, path: Path) -> None:
        """Do nothing: the caller's rename publishes the file."""

    def fetch(self, relpath: str, out: BinaryIO) -> None:
        """Raise FileNotFoundError: a local object that is not on disk does not exist."""
        raise FileNotFoundError(relpath)

    def exists(self, relpath: str) -> bool:
        """Return True when the file is on disk."""
        return storage_path(relpath).exists()

    def delete(self, relpath: str) -> None:
        """Delete the file (the local copy is the object)."""
        storage_path(relpath).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Yield every stored file (temp files and dot files excluded)."""
        root = storage_root()
        for path in sorted((root / prefix).rglob("*") if (root / prefix).exists() else []):
            if path.is_file() and not path.name.startswith("."):
                with contextlib.suppress(FileNotFoundError):
                    yield path.relative_to(root).as_posix(), path.stat().st_size

    def check(self) -> None:
        """Raise when the storage folder is not writable."""
        root = storage_root()
        if not os.access(root, os.W_OK):
            raise OSError(f"storage folder not writable: {root}")


@functools.cache
def _backend_for(config: tuple) -> Backend:
    if not config:
        return LocalBackend()
    return S3Backend(**dict(config))


def backend() -> Backend:
    """Return the configured backend: S3 when settings.S3 is set, else the local folder."""
    s3 = getattr(settings, "S3", None)
    return _backend_for(tuple(sorted(s3.items())) if s3 else ())


def storage_root() -> Path:
    """Return the storage root directory (created on first use)."""
    root = Path(settings.STORAGE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def content_relpath(kind: str, sha256: str, ext: str) -> str:
    """Return the sharded relative path of a content-addressed file: kind/ab/cd/<sha>.<ext>."""
    return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext.lstrip('.')}"


def storage_path(relpath: str) -> Path:
    """Return the absolute local path of an object, refusing paths that escape the root."""
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


def dir_make(path: Path) -> None:
    """Create path and its missing parents with STORAGE_DIR_MODE (nginx must traverse them)."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for made in missing:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(made, settings.STORAGE_DIR_MODE)
            _group_set(made)


def file_mode_set(path: Path | int) -> None:
    """Give a stored file STORAGE_FILE_MODE (and STORAGE_GROUP) so nginx can read it."""
    if isinstance(path, int):
        os.fchmod(path, settings.STORAGE_FILE_MODE)
    else:
        os.chmod(path, settings.STORAGE_FILE_MODE)
    _group_set(path)


def _group_set(path: Path | int) -> None:
    """Hand the file or folder to STORAGE_GROUP (e.g. www-data), when one is set."""
    if group := settings.STORAGE_GROUP:
        gid = grp.getgrnam(group).gr_gid
        if isinstance(path, int):
            os.fchown(path, -1, gid)
        else:
            os.chown(path, -1, gid)


def temp_create(final: Path) -> Path:
    """Create an empty temp file beside final (readable by nginx once renamed)."""
    dir_make(final.parent)
    # The name carries its owner (host, pid, start time): only a dead owner's are swept.
    fd, name = tempfile.mkstemp(prefix=temp_prefix(), dir=final.parent)
    try:
        file_mode_set(fd)
    finally:
        os.close(fd)
    return Path(name)


def temp_publish(tmp: Path, relpath: str) -> Path:
    """Publish a complete, fsynced temp file as the object relpath; return its local path.

    The backend gets the object first (S3: a completed multipart upload), then the
    local rename: a failure before either leaves nothing under the final name.
    """
    final = storage_path(relpath)
    backend().publish(relpath, tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)
    return final


def _write_atomic(relpath: str, write: Callable[[BinaryIO], None]) -> Path:
    """Write an object via temp file, fsync, publish and rename; return the local path.

    A crash leaves at most a `.tmp-` file (swept at start-up), never a partial file
    under the final name. Content-addressed names make an existing file final already.
    """
    final = storage_path(relpath)
    if final.exists():
        return final
    tmp = temp_create(final)
    try:
        with open(tmp, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        return temp_publish(tmp, relpath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def store_copy(src: Path, relpath: str) -> Path:
    """Copy the file src into storage under relpath, atomically."""

    def write(out: BinaryIO) -> None:
        with open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)

    return _write_atomic(relpath, write)


def store_bytes(data: bytes, relpath: str) -> Path:
    """Write data into storage under relpath, atomically."""
    return _write_atomic(relpath, lambda out: out.write(data))


def storage_local(relpath: str) -> Path:
    """Return a local path holding the object, fetching it from the backend when missing.

    Raises FileNotFoundError when the object exists nowhere. This is the read-through
    cache encoders read masters from.
    """
    final = storage_path(relpath)
    if final.exists():
        return final
    tmp = temp_create(final)
    try:
        with open(tmp, "wb") as out:
            backend().fetch(relpath, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    logger.info("storage fetch path=%s backend=%s", relpath, backend().name)
    return final


def object_exists(relpath: str) -> bool:
    """Return True when the object exists locally or in the backend."""
    return storage_path(relpath).exists() or backend().exists(relpath)


def object_delete(relpath: str) -> None:
    """Delete an object everywhere: the backend and this node's copy."""
    backend().delete(relpath)
    storage_path(relpath).unlink(missing_ok=True)


def objects_list(prefix: str = "") -> Iterator[tuple[str, int]]:
    """Yield (relpath, size_bytes) of every stored object under prefix."""
    yield from backend().keys(prefix)


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
