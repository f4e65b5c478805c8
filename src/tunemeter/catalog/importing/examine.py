"""Examine one candidate file in a worker process: probe, hash, read tags, store files.

Workers never touch the database; they return an `Examined` (or a `Rejected`, or an
`Unchanged` when the exact file is already stored) for the main process to record.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import mutagen
from PIL import Image

from tunemeter import storage
from tunemeter.catalog.covers import cover_embedded
from tunemeter.catalog.exceptions import MasterRejected, StorageFull
from tunemeter.catalog.importing.headers import open_regular
from tunemeter.catalog.importing.names import path_display
from tunemeter.catalog.importing.probe import AudioInfo, Limits, probe, probe_header
from tunemeter.catalog.importing.scan import Candidate, PathHints, folder_cover, path_hints
from tunemeter.catalog.importing.tags import MAX_COVER_BYTES, TagSet, tags_read

logger = logging.getLogger(__name__)

COVER_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
MAX_COVER_PIXELS = 8000 * 8000


@dataclass(frozen=True)
class Cover:
    relpath: str
    mime: str
    embedded: bool


# The preference among lossless containers when one recording arrives as several files:
# FLAC first (tags, MD5 signature, compression), then WavPack, ALAC, AIFF, WAV.
CONTAINER_ORDER = ("flac", "wv", "m4a", "aiff", "wav")


def source_rank(*, tagged: bool, container: str, path: Path) -> tuple[int, int, bytes]:
    """Return the sort key of a source file: tags over none, then container order, then path.

    The lowest key wins; every part is a property of the file itself, so the choice is
    the same on every run over the same tree.
    """
    order = CONTAINER_ORDER.index(container) if container in CONTAINER_ORDER else 99
    return (0 if tagged else 1, order, os.fsencode(path))


@dataclass(frozen=True)
class Examined:
    """A verified master, stored (unless a dry run), ready for the database."""

    path: Path
    sha256: str
    size_bytes: int
    audio: AudioInfo
    tags: TagSet  # without cover bytes: the cover is in `cover`
    tag_fingerprint: str
    hints: PathHints
    storage_relpath: str
    cover: Cover | None
    rank: tuple[int, int, bytes]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str


@dataclass(frozen=True)
class Unchanged:
    """A file byte-identical to the source of a recorded track."""

    path: Path
    sha256: str
    rank: tuple[int, int, bytes]


@dataclass(frozen=True)
class Job:
    candidate: Candidate
    limits: Limits
    dry_run: bool


# The file hashes of every recorded track's source, set by the pipeline before workers
# fork (so it is not pickled into every job).
KNOWN_SHA256S: frozenset[str] = frozenset()


def file_sha256(path: Path) -> tuple[str, int]:
    """Return the sha256 and size of a file's bytes."""
    with open_regular(path) as fh:
        digest = hashlib.file_digest(fh, "sha256")
        return digest.hexdigest(), fh.tell()


def _cover(data: bytes, *, embedded: bool, dry_run: bool) -> Cover | None:
    """Validate cover image bytes and store them content-addressed; None if not an image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_COVER_PIXELS or img.format not in COVER_FORMATS:
                return None
            img.verify()
            ext, mime = COVER_FORMATS[img.format]
    except (OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        return None
    relpath = storage.content_relpath("covers", hashlib.sha256(data).hexdigest(), ext)
    if not dry_run:
        storage.store_bytes(data, relpath)
        cover_embedded(relpath=relpath, data=data)  # in the worker, not in a download
    return Cover(relpath=relpath, mime=mime, embedded=embedded)


def _folder_cover_bytes(path: Path) -> bytes | None:
    cover_path = folder_cover(path.parent)
    if cover_path is None or cover_path.stat().st_size > MAX_COVER_BYTES:
        return None
    return cover_path.read_bytes()


def examine(job: Job) -> Examined | Rejected | Unchanged:
    """Examine one candidate; never raise for a bad file, return Rejected with the reason."""
    path = job.candidate.path
    try:
        return _examine(job)
    except MasterRejected as exc:
        return Rejected(path=path, reason=exc.reason)
    except StorageFull:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StorageFull(str(exc)) from exc
        return Rejected(
            path=path, reason=f"cannot be read ({exc.strerror or 'input/output error'})"
        )
    except Exception:  # a hostile file must not stop the whole import
        logger.exception("examine failed path=%s", path_display(path))
        return Rejected(
            path=path,
            reason="not a readable lossless master: its structure could not be parsed "
            "(re-export it from the original session or convert it to FLAC)",
        )


def _examine(job: Job) -> Examined | Unchanged:
    path = job.candidate.path
    if job.candidate.lossy_format:
        raise MasterRejected(
            f"{job.candidate.lossy_format} is lossy: masters must be lossless "
            "(the store encodes every format from the master)"
        )
    header = probe_header(path, limits=job.limits)
    sha256, size = file_sha256(path)
    try:
        tags = tags_read(path)
    except (mutagen.MutagenError, ValueError, struct.error, EOFError):
        tags = TagSet()
        warnings = ["tags unreadable: imported untagged (title and position from the file name)"]
    else:
        warnings = []
    rank = source_rank(tagged=tags.has_any(), container=header.container, path=path)
    if sha256 in KNOWN_SHA256S:
        # Byte-identical to a source that already passed the full decode check.
        return Unchanged(path=path, sha256=sha256, rank=rank)
    audio = probe(path, header=header, limits=job.limits)
    if header.extension_mismatch:
        warnings.append(header.extension_mismatch)
    if audio.over_full_scale:
        # The stated rule: every rendition is integer PCM or a lossy codec, so samples
        # beyond full scale are clipped there; say so rather than clip silently.
        warnings.append(
            f"float master with {audio.over_full_scale:,} samples beyond full scale: "
            "renditions clip them (lower the master's gain to keep them)"
        )
    cover = None
    if tags.cover:
        cover = _cover(tags.cover, embedded=True, dry_run=job.dry_run)
    if cover is None and (data := _folder_cover_bytes(path)):
        cover = _cover(data, embedded=False, dry_run=job.dry_run)
    fingerprint = tags.fingerprint()
    tags.cover = None
    relpath = storage.content_relpath("masters", sha256, header.container)
    if not job.dry_run:
        storage.store_copy(path, relpath)
    return Examined(
        rank=rank,
        warnings=tuple(warnings),
        path=path,
        sha256=sha256,
        size_bytes=size,
        audio=audio,
        tags=tags,
        tag_fingerprint=fingerprint,
        hints=path_hints(path, job.candidate.folder_position),
        storage_relpath=relpath,
        cover=cover,
    )
