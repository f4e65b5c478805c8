"""Measure EBU R128 loudness and peak while a master is decoded, and album values.

The importer feeds every decoded frame of its integrity check to a `Meter`, so loudness
costs no second decode. The peak is the sample peak (the peak ReplayGain 1.0 defines):
FFmpeg's true peak (4x oversampling) costs three times the decode itself, which would
put the import well under 400x real time per core. The `true_peak` columns therefore
hold the sample peak for imported tracks.

The album value is the duration-weighted energy mean of the tracks' integrated loudness
(an approximation of gating over the whole album), and the album peak is the loudest
track's peak.
"""

from __future__ import annotations

import math

import av

DRAIN_EVERY = 64  # frames held in the sink at most (~6 s of audio at 4608 samples)
# EBU R128's absolute gate: a track with nothing above it (silence) measures as this.
SILENCE_LUFS = -70.0


class Meter:
    """Run FFmpeg's ebur128 filter over frames pushed one by one."""

    def __init__(self) -> None:
        self._graph: av.filter.Graph | None = None
        self._last: av.AudioFrame | None = None
        self._pushed = 0

    def _configure(self, frame: av.AudioFrame) -> None:
        graph = av.filter.Graph()
        src = graph.add_abuffer(
            sample_rate=frame.sample_rate,
            format=frame.format.name,
            layout=frame.layout.name,
            time_base=frame.time_base,
        )
        meter = graph.add("ebur128", "peak=sample:metadata=1")
        sink = graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        self._graph = graph

    def push(self, frame: av.AudioFrame) -> None:
        """Measure one decoded frame."""
        if self._graph is None:
            self._configure(frame)
        self._graph.push(frame)
        self._pushed += 1
        # Draining ends in an exception (PyAV's EAGAIN), costly per frame: drain in batches.
        if self._pushed % DRAIN_EVERY == 0:
            self._drain()

    def _drain(self) -> None:
        while True:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            # Only the last frame's running values matter: read its metadata once, at the end.
            self._last = frame

    def result(self) -> tuple[float, float]:
        """Return (integrated loudness in LUFS, sample peak as a linear ratio)."""
        if self._graph is not None:
            self._graph.push(None)
            self._drain()
        values = dict(self._last.metadata) if self._last is not None else {}
        lufs = float(values.get("lavfi.r128.I", SILENCE_LUFS))
        peak = float(values.get("lavfi.r128.sample_peak", "0"))
        lufs = lufs if math.isfinite(lufs) and lufs > SILENCE_LUFS else SILENCE_LUFS
        return lufs, peak if math.isfinite(peak) else 0.0


def album_loudness(tracks: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Return album (LUFS, peak) from (LUFS, peak, seconds) per track."""
    seconds = sum(s for _, _, s in tracks) or 1.0
    energy = sum(10 ** (lufs / 10) * s for lufs, _, s in tracks) / seconds
    lufs = 10 * math.log10(energy) if energy > 0 else SILENCE_LUFS
    return max(lufs, SILENCE_LUFS), max((p for _, p, _ in tracks), default=0.0)
