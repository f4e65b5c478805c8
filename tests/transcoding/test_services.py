"""Test the transcoding services on imported tracks: loudness once, previews, ReplayGain tags."""

from __future__ import annotations

import io

import mutagen
import numpy as np
import pytest

from tests.transcoding.helpers import decode, decode_pcm
from tunemeter.catalog.models import Release, Track
from tunemeter.transcoding.services import loudness_analyse, preview_open, rendition_open

pytestmark = pytest.mark.django_db(transaction=True)


def test_loudness_is_measured_at_import_and_written_into_renditions(track_factory, tmp_path):
    track = track_factory(seconds=2)
    release = Release.objects.get(pk=track.release_id)
    assert track.loudness_lufs is not None and release.loudness_lufs is not None
    assert loudness_analyse(release_ids=[release.pk]) == 0  # nothing left to measure
    data = b"".join(rendition_open(track_id=track.pk, format_id="mp3-320"))
    tags = mutagen.File(io.BytesIO(data)).tags
    gain = float(str(tags["TXXX:REPLAYGAIN_TRACK_GAIN"]).split()[0])
    assert gain == pytest.approx(-18 - track.loudness_lufs, abs=0.01)


def test_a_download_never_measures_loudness(track_factory):
    """An import interrupted before loudness leaves the work to the next import, not a buyer."""
    track = track_factory(seconds=2)
    Track.objects.filter(pk=track.pk).update(loudness_lufs=None, true_peak=None)
    Release.objects.filter(pk=track.release_id).update(loudness_lufs=None, true_peak=None)
    data = b"".join(rendition_open(track_id=track.pk, format_id="mp3-320"))
    assert Track.objects.get(pk=track.pk).loudness_lufs is None
    assert "TXXX:REPLAYGAIN_TRACK_GAIN" not in mutagen.File(io.BytesIO(data)).tags
    assert loudness_analyse() == 1  # what the next `tunemeter import` runs
    assert Release.objects.get(pk=track.release_id).loudness_lufs is not None


def test_preview_is_30_seconds_from_a_third_in_with_fades(track_factory, tmp_path):
    track = track_factory(seconds=45)
    path = tmp_path / "preview.mp3"
    path.write_bytes(b"".join(preview_open(track_id=track.pk)))
    info = decode(path)
    assert info["codec"] == "mp3"
    assert info["samples"] == pytest.approx(30 * 44100, abs=2)
    assert mutagen.File(path).tags["TIT2"].text == [track.title]
    pcm = decode_pcm(path, mono=True)

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    head, body = np.abs(samples[:441]).mean(), np.abs(samples[44100:88200]).mean()
    assert head < body / 10  # faded in


def test_a_short_track_previews_whole(track_factory, tmp_path):
    track = track_factory(seconds=3)
    path = tmp_path / "p.mp3"
    path.write_bytes(b"".join(preview_open(track_id=track.pk)))
    assert decode(path)["samples"] == 3 * 44100


def test_render_jobs_are_reused_until_the_catalog_changes(track_factory):
    from tunemeter.catalog.models import Release
    from tunemeter.transcoding.services import rendition_job

    track = track_factory(seconds=1)
    first = rendition_job(track_id=track.pk, format_id="mp3-320")
    assert rendition_job(track_id=track.pk, format_id="mp3-320") is first  # reused
    track.refresh_from_db()
    track.title = "Renamed"
    track.save()
    renamed = rendition_job(track_id=track.pk, format_id="mp3-320")
    assert renamed.tags.title == "Renamed" and renamed.key != first.key
    release = Release.objects.get(pk=track.release_id)
    release.label = "New Label"
    release.save()
    relabelled = rendition_job(track_id=track.pk, format_id="mp3-320")
    assert relabelled.tags.label == "New Label" and relabelled.key != renamed.key
    Track.objects.filter(pk=track.pk).update(loudness_lufs=-3.0)  # as the loudness service does
    louder = rendition_job(track_id=track.pk, format_id="mp3-320")
    assert louder.tags.track_gain_db == -15.0
