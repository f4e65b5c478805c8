"""Make customers and sellable tracks cheaply (WAV sizes are exact without reading audio)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from tunemeter.catalog.models import Artist, Master, Release, Track
from tunemeter.shop.payments import PROVIDERS

_serial = itertools.count(1)


def customer(name: str | None = None, *, staff: bool = False):
    name = name or f"buyer{next(_serial)}"
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@example.org", password="x" * 12, is_staff=staff
    )


def tracks(n: int, *, seconds: float = 0.1) -> list[Track]:
    """Create n tracks on one release, with WAV-able masters (no audio file needed to price)."""
    serial = next(_serial)
    artist = Artist.objects.create(name=f"Artist {serial}")
    # Loudness as the importer would have measured it: these masters have no audio file.
    release = Release.objects.create(
        title=f"Release {serial}", artist=artist, loudness_lufs=-14.0, true_peak=0.9
    )
    made = []
    for i in range(1, n + 1):
        track = Track.objects.create(
            release=release,
            position=i,
            title=f"T{i}",
            artist=artist,
            loudness_lufs=-14.0,
            true_peak=0.9,
        )
        Master.objects.create(
            track=track,
            sha256=f"{serial:08d}{i:056d}",
            audio_sha256=f"a{serial:07d}{i:056d}",
            container="wav",
            codec="pcm_s16le",
            sample_rate=44100,
            bit_depth=16,
            channels=2,
            length_samples=int(seconds * 44100),
            size_bytes=0,
            storage_path="none",
            source_path="none",
            tag_fingerprint="",
        )
        made.append(track)
    return made


def fund(user, amount_minor: int, reference: str | None = None):
    return PROVIDERS["demo"].deposit(
        customer=user, amount_minor=amount_minor, reference=reference or f"r{next(_serial)}"
    )
