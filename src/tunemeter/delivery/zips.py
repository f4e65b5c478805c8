"""Stream a release as a stored (uncompressed) zip, encoding tracks ahead on free encoders.

Members are dated 1980-01-01 (the DOS epoch, as reproducible zips do), so a zip is
byte-identical every time — needed for its ETag and for resuming.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import zipstream
import zipstream.ng

from tunemeter import storage
from tunemeter.delivery.names import safe_filename
from tunemeter.transcoding.cache import cache_get, cache_open_waiting
from tunemeter.transcoding.exceptions import EncoderBusy
from tunemeter.transcoding.selectors import RenderJob, rendition_recorded
from tunemeter.transcoding.sizing import exact_size

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class _FixedDateInfo(zipstream.ng.ZipStreamInfo):
    def __init__(self, filename, date_time=None):
        super().__init__(filename, date_time or ZIP_DATE)


# zipstream-ng dates in-memory members "now"; pin them for byte-identical zips.
zipstream.ng.ZipStreamInfo = _FixedDateInfo


# Most file systems (ext4, APFS, NTFS in UTF-8) allow 255 bytes per name; unzip fails past
# it. Bytes, not characters: a Japanese title is three bytes a character.
MAX_NAME_BYTES = 255


def bounded_name(*, prefix: str, title: str, extension: str, limit: int = MAX_NAME_BYTES) -> str:
    """Return prefix + title + "." + extension within limit UTF-8 bytes, cutting the title
    (at a character boundary), never the track number or the extension."""
    fixed = len(prefix.encode()) + 1 + len(extension.encode())
    room = max(0, limit - fixed)
    cut = title.encode()[:room].decode("utf-8", "ignore").rstrip(" .")
    return f"{prefix}{cut}.{extension}"


def _member_name(job: RenderJob, multi_disc: bool) -> str:
    name = safe_filename(
        bounded_name(
            prefix=f"{job.tags.track:02d} - ",
            title=safe_filename(job.tags.title),
            extension=job.fmt.extension,
        )
    )
    return f"Disc {job.tags.disc}/{name}" if multi_disc else name


class ZipPlan:
    """The members of a release zip, their sizes if known, and how to stream them."""

    def __init__(self, *, release, jobs: list[RenderJob]) -> None:
        self.release, self.jobs = release, jobs
        self.multi_disc = len({j.tags.disc for j in jobs}) > 1
        self.member_sizes_bytes: list[int | None] = []
        for job in jobs:
            record = rendition_recorded(key=job.key)
            self.member_sizes_bytes.append(record.size_bytes if record else exact_size(job))
        self.cover = b""
        if release.cover_path:
            try:
                self.cover = storage.storage_local(release.cover_path).read_bytes()
            except FileNotFoundError:
                self.cover = b""
        self.sized = all(size is not None for size in self.member_sizes_bytes)
        self.digest = hashlib.sha256("|".join(j.key for j in jobs).encode()).hexdigest()
        self.size_bytes = len(self._zip(lambda i: iter(()))) if self.sized else None

    def _zip(self, member_data) -> zipstream.ZipStream:
        zs = zipstream.ZipStream(sized=self.sized)
        for i, job in enumerate(self.jobs):
            zs.add(
                member_data(i), _member_name(job, self.multi_disc), size=self.member_sizes_bytes[i]
            )
        if self.cover:
            # The full-size cover, once per zip (tracks embed a bounded copy).
            ext = {"image/png": "png", "image/webp": "webp"}.get(self.release.cover_mime, "jpg")
            zs.add(self.cover, f"cover.{ext}")
        return zs

    def _members(self) -> callable:
        """Return member_data(i): the i-th track's bytes, with the next tracks encoding ahead."""
        cache = cache_get()
        opened: dict[int, object] = {}

        def open_ahead(i: int) -> None:
            for k in range(i, min(i + cache.max_encodes, len(self.jobs))):
                if k not in opened:
                    try:
                        opened[k] = cache.open(self.jobs[k])
                    except EncoderBusy:
                        break

        def member_data(i: int) -> Iterator[bytes]:
            open_ahead(i)
            stream = opened.pop(i, None) or cache_open_waiting(self.jobs[i])
            for chunk in stream:
                yield chunk
                # A slot frees as soon as an encode ends: start the next track at once.
                open_ahead(i + 1)

        return member_data

    def open_at(self, offset: int) -> Iterator[bytes]:
        """Yield the zip's bytes from offset (the zip is regenerated and skipped up to it)."""
        skip = offset
        for chunk in self._zip(self._members()):
            if skip:
                if len(chunk) <= skip:
                    skip -= len(chunk)
                    continue
                chunk, skip = chunk[skip:], 0
            yield chunk
