"""Write files into the store's content-addressed storage, atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

TEMP_PREFIX = ".tmp-"


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
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
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
    """Delete temp files left by a crash; return how many were removed."""
    removed = 0
    for path in storage_root().rglob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
