"""Read what a render needs: the master, the track's tags and cover, the cache key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from importlib.metadata import version

import av
from django.db.models import Count, Max

from tunemeter import storage
from tunemeter.catalog.covers import cover_embedded
from tunemeter.catalog.models import Master, Track
from tunemeter.transcoding.formats import FORMATS, Format
from tunemeter.transcoding.loudness import replaygain_db
from tunemeter.transcoding.models import Rendition
from tunemeter.transcoding.source import RenderSource
from tunemeter.transcoding.tagging import RenditionTags

# Bump RENDER_REVISION whenever rendering code changes its output bytes.
RENDER_REVISION = 1
ENCODER_VERSION = (
    f"r{RENDER_REVISION}-lameenc{version('lameenc')}-av{av.__version__}"
    f"-lavc{'.'.join(map(str, av.library_versions['libavcodec']))}"
)
PREVIEW_SECONDS = 30
PREVIEW_FADE_SECONDS = 1
PREVIEW_FORMAT = FORMATS["mp3-128"]  # every browser plays MP3


@dataclass(frozen=True)
class RenderJob:
    """Everything needed to render one track in one format, and where it is cached."""

    track_id: int
    master_id: int
    fmt: Format
    source: RenderSource
    tags: RenditionTags
    key: str

    @property
    def relpath(self) -> str:
        return storage.content_relpath("renditions", self.key, self.fmt.extension)


def _tags(track: Track) -> RenditionTags:
    release = track.release
    cover = b""
    if release.cover_path:
        try:
            cover = cover_embedded(relpath=release.cover_path)
        except (FileNotFoundError, OSError):
            cover = b""
    # A number is never above its total: an untagged folder may number "42" of 41 files.
    disc = release.tracks.filter(disc_number=track.disc_number).aggregate(
        count=Count("pk"), highest=Max("position")
    )
    on_disc = max(disc["count"], disc["highest"] or 0, track.position)
    has_track_gain = track.loudness_lufs is not None
    has_album_gain = release.loudness_lufs is not None
    return RenditionTags(
        title=track.title,
        artist=track.artist.name,
        album=release.title,
        albumartist=release.artist.name,
        track=track.position,
        track_total=on_disc,
        disc=track.disc_number,
        disc_total=release.disc_total,
        date=release.release_date,
        genre="; ".join(g.name for g in release.genres.all()),
        isrc=track.isrc,
        composer=track.composer,
        label=release.label,
        copyright=release.copyright,
        cover=cover or None,
        cover_mime="image/jpeg" if cover else "",
        track_gain_db=replaygain_db(track.loudness_lufs) if has_track_gain else None,
        track_peak=track.true_peak if has_track_gain else None,
        album_gain_db=replaygain_db(release.loudness_lufs) if has_album_gain else None,
        album_peak=release.true_peak if has_album_gain else None,
    )


def _master_path(relpath: str):
    """Return the master's local copy (read through from object storage when missing)."""
    try:
        return storage.storage_local(relpath)
    except FileNotFoundError:
        return storage.storage_path(relpath)  # the render reports it unreadable


def render_source(master) -> RenderSource:
    """Return the render source of a Master row."""
    return RenderSource(
        path=_master_path(master.storage_path),
        container=master.container,
        sample_rate=master.sample_rate,
        channels=master.channels,
        bit_depth=master.bit_depth,
        length_samples=master.length_samples,
        pcm_md5=bytes.fromhex(master.pcm_md5) if master.pcm_md5 else None,
    )


def _key(master_sha256: str, fmt_id: str, tags: RenditionTags, variant: str = "") -> str:
    text = f"{master_sha256}|{fmt_id}|{ENCODER_VERSION}|{tags.fingerprint()}|{variant}"
    return hashlib.sha256(text.encode()).hexdigest()


def render_job(*, track_id: int, format_id: str) -> RenderJob:
    """Return the render job of a track in a format (KeyError for an unknown format)."""
    fmt = FORMATS[format_id]
    track = (
        Track.objects.select_related("artist", "release__artist", "master")
        .prefetch_related("release__genres")
        .get(pk=track_id)
    )
    if track.master is None:  # a track entered by hand, not imported
        raise Master.DoesNotExist(f"track {track_id} has no master")
    tags = _tags(track)
    return RenderJob(
        track_id=track.pk,
        master_id=track.master.pk,
        fmt=fmt,
        source=render_source(track.master),
        tags=tags,
        key=_key(track.master.sha256, fmt.id, tags),
    )


def preview_job(*, track_id: int) -> RenderJob:
    """Return the job of a track's 30-second preview, from a third of the way in, faded."""
    job = render_job(track_id=track_id, format_id=PREVIEW_FORMAT.id)
    src = job.source
    length = min(PREVIEW_SECONDS * src.sample_rate, src.length_samples)
    start = min(src.length_samples // 3, src.length_samples - length)
    source = replace(
        src, windows=((start, length),), fade_samples=PREVIEW_FADE_SECONDS * src.sample_rate
    )
    # Previews carry title and artist only: no cover, so they stay small.
    tags = replace(job.tags, cover=None, cover_mime="")
    return replace(job, source=source, tags=tags, key=_key(job.key, "preview", tags, "preview"))


def rendition_recorded(*, key: str) -> Rendition | None:
    """Return the record of a rendition made before (even if since evicted)."""
    return Rendition.objects.filter(key=key).first()
