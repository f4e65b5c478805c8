"""Make customers and sellable tracks cheaply (WAV sizes are exact without reading audio)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.contrib.auth import get_user_model

from tunemeter.catalog.models import Artist, Master, Release, Track
from tunemeter.customers.models import Profile
from tunemeter.rights.models import RightsHolder
from tunemeter.rights.services import deal_create
from tunemeter.shop.payments import PROVIDERS

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)

_serial = itertools.count(1)


def customer(name: str | None = None, *, staff: bool = False, country: str = "US"):
    name = name or f"buyer{next(_serial)}"
    user = get_user_model().objects.create_user(
        username=name, email=f"{name}@example.org", password="x" * 12, is_staff=staff
    )
    if country:
        Profile.objects.create(user=user, country=country)
    return user


def tracks(n: int, *, seconds: float = 0.1, territories: str | None = "Worldwide") -> list[Track]:
    """Create n tracks on one release, with WAV-able masters (no audio file needed to price).

    The release is licensed by a deal for territories (none when territories is None).
    """
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
        track.master = Master.objects.create(
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
        track.save()
        made.append(track)
    if territories is not None:
        license_release(release, territories=territories)
    return made


def license_release(release: Release, *, territories: str = "Worldwide", sr_share_bps: int = 7000):
    """License a release for sale in territories since long ago, by a label of its own."""
    label = RightsHolder.objects.create(kind="label", name=f"Label {next(_serial)}")
    return deal_create(
        licensor=label,
        release=release,
        territories=territories,
        starts_at=LONG_AGO,
        sr_share_bps=sr_share_bps,
    )


def fund(user, amount_minor: int, reference: str | None = None):
    return PROVIDERS["demo"].deposit(
        customer=user, amount_minor=amount_minor, reference=reference or f"r{next(_serial)}"
    )
