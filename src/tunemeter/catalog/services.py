"""Write the catalog: record imported masters as artists, releases, tracks and masters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from tunemeter import storage
from tunemeter.catalog.exceptions import MasterRejected
from tunemeter.catalog.importing.names import path_bytes, path_display
from tunemeter.catalog.loudness import album_loudness
from tunemeter.catalog.models import Artist, Genre, Master, Release, Track
from tunemeter.catalog.search import search_index_refresh
from tunemeter.catalog.validators import (
    normalize_gtin,
    normalize_isrc,
    validate_gtin,
    validate_isrc,
    validate_partial_date,
)

if TYPE_CHECKING:
    from tunemeter.catalog.importing.examine import Examined

logger = logging.getLogger(__name__)

UNKNOWN_ARTIST = "Unknown Artist"
VARIOUS_ARTISTS = "Various Artists"

IMPORTED, UPDATED, UNCHANGED = "imported", "updated", "unchanged"


@dataclass
class Upsert:
    """What recording one master did to the catalog."""

    outcome: str
    track_id: int
    warnings: list[str] = field(default_factory=list)
    touched: dict[str, set[int]] = field(default_factory=dict)


def _valid(value: str, validator, normalizer, what: str, warnings: list[str]) -> str:
    """Return the normalised value if valid, else "" with a warning (the track still imports)."""
    if not value:
        return ""
    value = normalizer(value)
    try:
        validator(value)
    except ValidationError:
        warnings.append(f"ignored invalid {what} {value!r}")
        return ""
    return value


def _date(value: str, warnings: list[str]) -> str:
    """Return YYYY[-MM[-DD]] from a tag date such as "2024-05-17T00:00" or "2024"."""
    value = value.strip()[:10]
    if value and len(value) >= 4:
        try:
            validate_partial_date(value)
            return value
        except ValidationError:
            pass
        if value[:4].isdigit():
            return value[:4]
    if value:
        warnings.append(f"ignored invalid date {value!r}")
    return ""


def artist_get_or_create(*, name: str) -> Artist:
    """Return the artist with this exact name, creating it if needed."""
    artist, _ = Artist.objects.get_or_create(name=name[:500])
    return artist


def release_key(*, tags, hints) -> tuple[str, str]:
    """Return the (album artist, title) a file's tags or path put it on."""
    artist_name = tags.albumartist or (VARIOUS_ARTISTS if tags.compilation else "") or tags.artist
    return (artist_name or UNKNOWN_ARTIST)[:500], (tags.album or hints.album or "Unknown Album")[
        :500
    ]


def _release_for(item: Examined, warnings: list[str]) -> Release:
    tags, hints = item.tags, item.hints
    artist_name, title = release_key(tags=tags, hints=hints)
    artist = artist_get_or_create(name=artist_name)
    release, _ = Release.objects.get_or_create(artist=artist, title=title)
    # Release fields come from any of its tracks; an empty tag never erases a value.
    updates = {
        "upc": _valid(tags.barcode, validate_gtin, normalize_gtin, "UPC/EAN", warnings),
        "release_date": _date(tags.date, warnings),
        "label": tags.label[:300],
        "copyright": tags.copyright[:500],
    }
    for name, value in updates.items():
        if value:
            setattr(release, name, value)
    release.is_compilation = release.is_compilation or tags.compilation
    disc = tags.disc or hints.disc or 1
    release.disc_total = max(release.disc_total, tags.disc_total or 0, disc)
    cover = item.cover
    if cover and (cover.embedded or not release.cover_path):
        release.cover_path, release.cover_mime = cover.relpath, cover.mime
    if release.pk is None or _dirty(release):
        release.save()
    for genre in tags.genres:
        release.genres.add(Genre.objects.get_or_create(name=genre[:100])[0])
    return release


def _dirty(release: Release) -> bool:
    """Return whether release differs from its row (an unchanged release keeps updated_at)."""
    stored = Release.objects.filter(pk=release.pk).values(*RELEASE_FIELDS).first()
    return stored != {name: getattr(release, name) for name in RELEASE_FIELDS}


RELEASE_FIELDS = (
    "upc",
    "release_date",
    "label",
    "copyright",
    "is_compilation",
    "disc_total",
    "cover_path",
    "cover_mime",
)


def _remove_if_empty(release: Release) -> set[int]:
    """Delete a release left without tracks (and its artist if bare); return deleted artist ids."""
    if release.tracks.exists():
        return set()
    artist = release.artist
    try:
        release.delete()
        if not artist.releases.exists() and not artist.tracks.exists():
            artist_id = artist.pk
            artist.delete()
            return {artist_id}
    except ProtectedError:
        logger.info("empty release kept, it is referenced release=%s", release.pk)
    return set()


def master_storage_release(*, relpath: str) -> None:
    """Delete a stored master file that no master refers to any more."""
    if not Master.objects.filter(storage_path=relpath).exists():
        storage.object_delete(relpath)
        logger.info("stored master removed path=%s", relpath)


def _master_for(item: Examined, master: Master | None) -> tuple[Master, str]:
    """Return the recording's master, created or kept; and a stored file no longer needed.

    The stored file changes only for a strictly preferred container (CONTAINER_ORDER), so
    renditions' keys stay put when the same recording arrives in an equal or worse file.
    """
    from tunemeter.catalog.importing.examine import CONTAINER_ORDER

    def order(container: str) -> int:
        return CONTAINER_ORDER.index(container) if container in CONTAINER_ORDER else 99

    if master is not None and order(item.audio.container) >= order(master.container):
        unused = item.storage_relpath if item.storage_relpath != master.storage_path else ""
        return master, unused
    unused = master.storage_path if master is not None else ""
    master = master or Master()
    for name in ("container", "codec", "sample_rate", "bit_depth", "channels", "length_samples"):
        setattr(master, name, getattr(item.audio, name))
    master.audio_sha256, master.pcm_md5 = item.audio.audio_sha256, item.audio.pcm_md5
    master.sha256, master.size_bytes = item.sha256, item.size_bytes
    master.storage_path, master.source_path = item.storage_relpath, path_display(item.path)
    master.tag_fingerprint = item.tag_fingerprint
    master.save()
    return master, unused


def _track_for(item: Examined, master: Master | None, release: Release) -> Track | None:
    """Return the track this file updates: the one imported from this very path, else
    the recording's track on the same release; None for a new track."""
    if master is None:
        return None
    tracks = list(master.tracks.select_related("release"))
    raw = path_bytes(item.path)
    for track in tracks:
        if bytes(track.source_path_bytes) == raw:
            return track
    return next((t for t in tracks if t.release_id == release.pk), None)


@transaction.atomic
def master_upsert(*, item: Examined) -> Upsert:
    """Record a verified file: its artist, release, track, and the recording's one master.

    The recording's identity is the hash of its decoded audio. A file whose tags changed
    updates the track imported from it; the same recording on another release is
    another track pointing at the same master (nothing is moved off its album).
    """
    warnings: list[str] = list(item.warnings)
    master = Master.objects.filter(audio_sha256=item.audio.audio_sha256).first()
    tags, hints = item.tags, item.hints
    release = _release_for(item, warnings)
    track = _track_for(item, master, release)
    if (
        track is not None
        and track.source_sha256 == item.sha256
        and track.tag_fingerprint == item.tag_fingerprint
        and track.release_id == release.pk
    ):
        return Upsert(outcome=UNCHANGED, track_id=track.pk, warnings=warnings)
    disc = tags.disc or hints.disc or 1
    position = tags.track or hints.position or 1
    same_place = Track.objects.filter(release=release, disc_number=disc, position=position)
    if track is not None:
        same_place = same_place.exclude(pk=track.pk)
    clash = same_place.first()
    if clash is not None:
        raise MasterRejected(
            f"disc {disc} track {position} of {release} is already taken by "
            f"{clash.source_path or repr(clash.title)}: give one of them another track number"
        )
    master, unused_storage = _master_for(item, master)
    old_release = track.release if track is not None else None
    outcome = UPDATED if track is not None else IMPORTED
    track = track or Track(release=release)
    track.release, track.master = release, master
    track.disc_number, track.position = disc, position
    track.title = (tags.title or hints.title)[:500]
    track.artist = artist_get_or_create(name=tags.artist or release.artist.name)
    track.composers = [name[:500] for name in tags.composers]
    track.composer = ", ".join(track.composers)[:500]
    track.isrc = _valid(tags.isrc, validate_isrc, normalize_isrc, "ISRC", warnings)
    track.length_ms = item.audio.length_samples * 1000 // item.audio.sample_rate
    track.source_sha256, track.tag_fingerprint = item.sha256, item.tag_fingerprint
    track.source_path = path_display(item.path)[:2000]
    track.source_path_bytes = path_bytes(item.path)
    if item.audio.loudness_lufs is not None:
        track.loudness_lufs, track.true_peak = item.audio.loudness_lufs, item.audio.true_peak
    track.save()
    touched = {
        "artist": {release.artist_id, track.artist_id},
        "release": {release.pk},
        "track": {track.pk},
    }
    release_loudness_refresh(release_id=release.pk)
    if old_release is not None and old_release.pk != release.pk:
        touched["release"].add(old_release.pk)
        touched["artist"] |= _remove_if_empty(old_release) | {old_release.artist_id}
        release_loudness_refresh(release_id=old_release.pk)
    if unused_storage:
        transaction.on_commit(lambda: master_storage_release(relpath=unused_storage))
    search_index_refresh(
        artist_ids=touched["artist"], release_ids=touched["release"], track_ids=touched["track"]
    )
    logger.debug(
        "track recorded outcome=%s track=%s sha256=%s path=%s",
        outcome,
        track.pk,
        item.sha256[:12],
        track.source_path,
    )
    return Upsert(outcome=outcome, track_id=track.pk, warnings=warnings, touched=touched)


def track_source_moved(*, track_id: int, path: Path) -> None:
    """Record that a track's unchanged source file now lives at path (no content change)."""
    Track.objects.filter(pk=track_id).update(
        source_path=path_display(path)[:2000], source_path_bytes=path_bytes(path)
    )


def release_loudness_refresh(*, release_id: int) -> None:
    """Recompute a release's album loudness from its measured tracks (all of them or none)."""
    rows = list(
        Track.objects.filter(release_id=release_id).values_list(
            "loudness_lufs", "true_peak", "length_ms"
        )
    )
    if not rows or any(lufs is None for lufs, _, _ in rows):
        Release.objects.filter(pk=release_id).update(loudness_lufs=None, true_peak=None)
        return
    lufs, peak = album_loudness([(lufs, peak or 0.0, ms / 1000) for lufs, peak, ms in rows])
    Release.objects.filter(pk=release_id).update(loudness_lufs=lufs, true_peak=peak)


def track_loudness_record(*, track_id: int, loudness_lufs: float, true_peak: float) -> None:
    """Store a track's measured EBU R128 loudness and true peak."""
    Track.objects.filter(pk=track_id).update(loudness_lufs=loudness_lufs, true_peak=true_peak)


def release_loudness_record(*, release_id: int, loudness_lufs: float, true_peak: float) -> None:
    """Store a release's (album) loudness and true peak."""
    Release.objects.filter(pk=release_id).update(loudness_lufs=loudness_lufs, true_peak=true_peak)
