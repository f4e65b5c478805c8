"""Test EBU R128 loudness: a reference tone, album values, and ReplayGain in renditions."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tunemeter.transcoding.loudness import album_loudness, measure, replaygain_db
from tunemeter.transcoding.source import RenderSource


def _sine(path: Path, *, dbfs: float, seconds: float = 5.0, rate: int = 48000) -> RenderSource:
    n = int(seconds * rate)
    amplitude = 10 ** (dbfs / 20)
    tone = (amplitude * np.sin(2 * np.pi * 1000 * np.arange(n) / rate) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.stack([tone, tone], 1).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return RenderSource(
        path=path, container="flac", sample_rate=rate, channels=2, bit_depth=16, length_samples=n
    )


def test_a_1khz_stereo_sine_at_minus_20_dbfs_measures_minus_20_lufs(tmp_path):
    # EBU Tech 3341: K-weighting is ~0 dB at 1 kHz; two channels add 3 dB to a sine's −3 dB RMS.
    lufs, peak = measure(_sine(tmp_path / "s.flac", dbfs=-20))
    assert lufs == pytest.approx(-20.0, abs=0.2)
    assert peak == pytest.approx(0.1, rel=0.05)


def test_replaygain_references_minus_18_lufs():
    assert replaygain_db(-12.0) == -6.0
    assert replaygain_db(-23.0) == 5.0


def test_silence_gets_no_gain(tmp_path):
    """ReplayGain 2.0 uses ITU-R BS.1770 gating: silence has no block above the -70 LUFS
    absolute gate, so no integrated loudness and no gain (not +52 dB)."""
    lufs, peak = measure(_sine(tmp_path / "silence.flac", dbfs=-200))
    assert (lufs, peak) == (-70.0, 0.0)
    assert replaygain_db(lufs) == 0.0
    assert replaygain_db(-69.0) == 51.0  # within the gain field's +/-51 dB


def test_album_loudness_is_the_energy_mean_and_the_loudest_peak():
    lufs, peak = album_loudness([(-10.0, 0.9, 60.0), (-10.0, 0.5, 60.0)])
    assert (lufs, peak) == (pytest.approx(-10.0), 0.9)
    lufs, _ = album_loudness([(-10.0, 0.9, 60.0), (-20.0, 0.5, 60.0)])
    assert lufs == pytest.approx(10 * np.log10((0.1 + 0.01) / 2))
