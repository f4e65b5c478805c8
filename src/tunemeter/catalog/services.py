"""Write the catalog: record imported masters as artists, releases, tracks and masters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from tunemeter import storage
from tunemeter.catalog.exceptions import MasterRejected
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


def _release_for(item: Examined, warnings: list[str]) -> Release:
    tags, hints = item.tags, item.hints
    artist_name = tags.albumartist or (VARIOUS_ARTISTS if tags.compilation else "") or tags.artist
    artist = artist_get_or_create(name=artist_name or UNKNOWN_ARTIST)
    title = (tags.album or hints.album or "Unknown Album")[:500]
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
    release.save()
    for genre in tags.genres:
        release.genres.add(Genre.objects.get_or_create(name=genre[:100])[0])
    return release


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
        storage.storage_path(relpath).unlink(missing_ok=True)
        logger.info("stored master removed path=%s", relpath)


@transaction.atomic
def master_upsert(*, item: Examined) -> Upsert:
    """Record a verified master: create or update its artist, release, track and master rows.

    The recording's identity is the hash of its decoded audio, so a file whose tags
    changed updates the same track instead of adding a duplicate.
    """
    warnings: list[str] = []
    master = (
        Master.objects.select_related("track__release")
        .filter(audio_sha256=item.audio.audio_sha256)
        .first()
    )
    if master and master.sha256 == item.sha256 and master.tag_fingerprint == item.tag_fingerprint:
        return Upsert(outcome=UNCHANGED, track_id=master.track_id)
    tags, hints = item.tags, item.hints
    release = _release_for(item, warnings)
    disc = tags.disc or hints.disc or 1
    position = tags.track or hints.position or 1
    same_place = Track.objects.filter(release=release, disc_number=disc, position=position)
    if master is not None:
        same_place = same_place.exclude(pk=master.track_id)
    clash = same_place.select_related("master").first()
    if clash is not None:
        other = getattr(clash, "master", None)
        raise MasterRejected(
            f"disc {disc} track {position} of {release} is already taken by "
            f"{other.source_path if other else clash.title!r}"
        )
    old_release = master.track.release if master else None
    old_storage = master.storage_path if master else ""
    track = master.track if master else Track(release=release)
    track.release = release
    track.disc_number, track.position = disc, position
    track.title = (tags.title or hints.title)[:500]
    track.artist = artist_get_or_create(name=tags.artist or release.artist.name)
    track.composer = tags.composer[:500]
    track.isrc = _valid(tags.isrc, validate_isrc, normalize_isrc, "ISRC", warnings)
    track.length_ms = item.audio.length_samples * 1000 // item.audio.sample_rate
    track.save()
    master = master or Master(track=track)
    for name in ("container", "codec", "sample_rate", "bit_depth", "channels", "length_samples"):
        setattr(master, name, getattr(item.audio, name))
    master.audio_sha256, master.pcm_md5 = item.audio.audio_sha256, item.audio.pcm_md5
    master.sha256, master.size_bytes = item.sha256, item.size_bytes
    master.storage_path, master.source_path = item.storage_relpath, str(item.path)
    master.tag_fingerprint = item.tag_fingerprint
    outcome = UPDATED if master.pk else IMPORTED
    master.save()
    touched = {
        "artist": {release.artist_id, track.artist_id},
        "release": {release.pk},
        "track": {track.pk},
    }
    if old_release is not None and old_release.pk != release.pk:
        touched["release"].add(old_release.pk)
        touched["artist"] |= _remove_if_empty(old_release) | {old_release.artist_id}
    if old_storage and old_storage != item.storage_relpath:
        transaction.on_commit(lambda: master_storage_release(relpath=old_storage))
    search_index_refresh(
        artist_ids=touched["artist"], release_ids=touched["release"], track_ids=touched["track"]
    )
    logger.debug(
        "master recorded outcome=%s track=%s sha256=%s path=%s",
        outcome,
        track.pk,
        item.sha256[:12],
        item.path,
    )
    return Upsert(outcome=outcome, track_id=track.pk, warnings=warnings, touched=touched)


def track_loudness_record(*, track_id: int, loudness_lufs: float, true_peak: float) -> None:
    """Store a track's measured EBU R128 loudness and true peak."""
    Track.objects.filter(pk=track_id).update(loudness_lufs=loudness_lufs, true_peak=true_peak)


def release_loudness_record(*, release_id: int, loudness_lufs: float, true_peak: float) -> None:
    """Store a release's (album) loudness and true peak."""
    Release.objects.filter(pk=release_id).update(loudness_lufs=loudness_lufs, true_peak=true_peak)
