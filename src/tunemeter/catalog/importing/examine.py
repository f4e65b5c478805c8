"""Examine one candidate file in a worker process: probe, hash, read tags, store files.

Workers never touch the database; they return an `Examined` (or a `Rejected`, or an
`Unchanged` when the exact file is already stored) for the main process to record.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import mutagen
from PIL import Image

from tunemeter import storage
from tunemeter.catalog.exceptions import MasterRejected
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


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str


@dataclass(frozen=True)
class Unchanged:
    path: Path
    sha256: str


@dataclass(frozen=True)
class Job:
    candidate: Candidate
    limits: Limits
    dry_run: bool
    known_sha256s: frozenset[str]


def file_sha256(path: Path) -> tuple[str, int]:
    """Return the sha256 and size of a file's bytes."""
    with open(path, "rb") as fh:
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
    except OSError as exc:
        return Rejected(path=path, reason=f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a hostile file must not stop the whole import
        logger.exception("examine failed path=%s", path)
        return Rejected(path=path, reason=f"unexpected error: {type(exc).__name__}: {exc}")


def _examine(job: Job) -> Examined | Unchanged:
    path = job.candidate.path
    if job.candidate.lossy_format:
        raise MasterRejected(
            f"{job.candidate.lossy_format} is lossy: masters must be lossless "
            "(the store encodes every format from the master)"
        )
    header = probe_header(path, limits=job.limits)
    sha256, size = file_sha256(path)
    if sha256 in job.known_sha256s:
        # Byte-identical to a master that already passed the full decode check.
        return Unchanged(path=path, sha256=sha256)
    audio = probe(path, header=header, limits=job.limits)
    try:
        tags = tags_read(path)
    except mutagen.MutagenError as exc:
        raise MasterRejected(f"unreadable tags: {exc}") from exc
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
