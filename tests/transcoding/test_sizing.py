"""Test sizes before encoding: exact where promised, estimates close, real sizes once rendered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.transcoding.helpers import TAGS, master
from tunemeter.catalog.models import Release, Track
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.render import pcm_header, render
from tunemeter.transcoding.selectors import RenderJob, render_job
from tunemeter.transcoding.services import rendition_open
from tunemeter.transcoding.sizing import estimate_size, exact_size, rendition_size


def _job(source, format_id, tags=TAGS) -> RenderJob:
    return RenderJob(
        track_id=0, master_id=0, fmt=FORMATS[format_id], source=source, tags=tags, key=""
    )


@pytest.mark.parametrize("format_id", ["mp3-320", "mp3-256", "mp3-128", "wav", "aiff"])
@pytest.mark.parametrize("seconds", [0.05, 0.5, 1.37])
@pytest.mark.parametrize(
    ("rate", "bits", "channels"), [(44100, 16, 2), (96000, 24, 2), (48000, 16, 1)]
)
def test_exact_sizes_equal_rendered_sizes(tmp_path, format_id, seconds, rate, bits, channels):
    source = master(tmp_path, seconds=seconds, rate=rate, bits=bits, channels=channels, seed=2)
    job = _job(source, format_id)
    assert exact_size(job) == len(b"".join(render(source, job.fmt, TAGS)))


def test_vbr_and_lossless_have_no_exact_size(tmp_path):
    source = master(tmp_path, seconds=0.2)
    for format_id in ["mp3-v0", "aac-256", "opus-160", "flac", "alac"]:
        assert exact_size(_job(source, format_id)) is None


@pytest.mark.parametrize("format_id", ["mp3-v0", "aac-128", "opus-96", "flac", "alac"])
def test_sampled_estimates_are_close(tmp_path, format_id):
    source = master(tmp_path, seconds=140, seed=5)  # past 128 s: really sampled
    tags = replace(TAGS, cover=None)
    job = _job(source, format_id, tags)
    actual = len(b"".join(render(source, job.fmt, tags)))
    assert estimate_size(job) == pytest.approx(actual, rel=0.03)


@pytest.mark.django_db(transaction=True)
def test_rendition_size_estimates_once_then_reports_the_real_size(track_factory):
    track = track_factory(seconds=2)
    size, exact = rendition_size(track_id=track.pk, format_id="flac")
    assert not exact
    actual = len(b"".join(rendition_open(track_id=track.pk, format_id="flac")))
    assert rendition_size(track_id=track.pk, format_id="flac") == (actual, True)
    size, exact = rendition_size(track_id=track.pk, format_id="mp3-320")
    assert exact
    job = render_job(track_id=track.pk, format_id="mp3-320")
    assert size == len(b"".join(render(job.source, job.fmt, job.tags)))


@pytest.mark.django_db(transaction=True)
def test_a_quoted_exact_size_is_the_size_delivered_even_before_loudness_is_known(track_factory):
    track = track_factory(seconds=2)
    # As an interrupted import of an older version leaves it: no loudness yet.
    Track.objects.filter(pk=track.pk).update(loudness_lufs=None, true_peak=None)
    Release.objects.filter(pk=track.release_id).update(loudness_lufs=None, true_peak=None)
    for format_id in ("mp3-320", "wav", "aiff"):
        size, exact = rendition_size(track_id=track.pk, format_id=format_id)
        delivered = b"".join(rendition_open(track_id=track.pk, format_id=format_id))
        assert (size, exact) == (len(delivered), True), format_id


def test_a_wav_rendition_past_4_gib_is_rf64_and_aiff_is_refused_clearly(tmp_path):
    """EBU Tech 3306 (RF64): past 4 GiB the RIFF and data sizes read 0xFFFFFFFF and the
    64-bit sizes are in ds64. AIFF has only 32-bit sizes, so it is refused with a reason."""
    from tunemeter.catalog.importing.headers import sniff
    from tunemeter.transcoding.exceptions import FormatTooLarge
    from tunemeter.transcoding.source import RenderSource

    n = 65 * 60 * 192_000  # a 65-minute 192 kHz/24-bit stereo master: 4.49 GB of PCM
    big = RenderSource(
        path=tmp_path / "none.flac",
        container="flac",
        sample_rate=192_000,
        channels=2,
        bit_depth=24,
        length_samples=n,
    )
    size = exact_size(_job(big, "wav"))
    data = n * 2 * 3
    assert size > data > 2**32
    header = pcm_header(big, FORMATS["wav"], TAGS)
    assert header[:4] == b"RF64" and size == len(header) + data
    # The header reads back (sparse file, nothing written past it) with the right length.
    sparse = tmp_path / "big.wav"
    with open(sparse, "wb") as fh:
        fh.write(header)
        fh.truncate(size)
    parsed = sniff(sparse)
    assert (parsed.declared_frames, parsed.declared_bytes) == (n, data)
    with pytest.raises(FormatTooLarge, match="AIFF holds at most 4 GiB"):
        exact_size(_job(big, "aiff"))
