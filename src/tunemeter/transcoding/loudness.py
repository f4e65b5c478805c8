"""Measure EBU R128 loudness and true peak with FFmpeg's ebur128 filter, once per track.

The album value is the duration-weighted energy mean of the tracks' integrated
loudness (an approximation of gating over the whole album, close for albums whose
tracks are not near silence), and the album peak is the loudest track's peak.
"""

from __future__ import annotations

import logging
import math

import av

from tunemeter.catalog.importing.probe import CONTAINERS
from tunemeter.transcoding.source import RenderError, RenderSource, layout_name

logger = logging.getLogger(__name__)

REPLAYGAIN_REFERENCE_LUFS = -18.0


def measure(source: RenderSource) -> tuple[float, float]:
    """Return (integrated loudness in LUFS, true peak as a linear ratio) of a master."""
    graph = av.filter.Graph()
    last: dict[str, str] = {}
    try:
        with (
            open(source.path, "rb") as fh,
            av.open(fh, format=CONTAINERS[source.container][0]) as media,
        ):
            stream = media.streams.audio[0]
            src = graph.add_abuffer(
                sample_rate=stream.codec_context.sample_rate,
                format=stream.codec_context.format.name,
                layout=layout_name(source.channels),
                time_base=stream.time_base,
            )
            meter = graph.add("ebur128", "peak=true:metadata=1")
            sink = graph.add("abuffersink")
            src.link_to(meter)
            meter.link_to(sink)
            graph.configure()
            for frame in media.decode(stream):
                graph.push(frame)
                last = _drain(graph) or last
            graph.push(None)
            last = _drain(graph) or last
    except (av.error.FFmpegError, OSError) as exc:
        raise RenderError(f"loudness of {source.path.name}: {exc.strerror or exc}") from exc
    lufs = float(last.get("lavfi.r128.I", "-70"))
    peak = float(last.get("lavfi.r128.true_peak", "0"))
    return (lufs if math.isfinite(lufs) else -70.0), peak


def _drain(graph: av.filter.Graph) -> dict[str, str]:
    metadata: dict[str, str] = {}
    while True:
        try:
            frame = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return metadata
        metadata = dict(frame.metadata)


def album_loudness(tracks: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Return album (LUFS, peak) from (LUFS, peak, seconds) per track."""
    seconds = sum(s for _, _, s in tracks) or 1.0
    energy = sum(10 ** (lufs / 10) * s for lufs, _, s in tracks) / seconds
    return (10 * math.log10(energy) if energy > 0 else -70.0), max(p for _, p, _ in tracks)


def replaygain_db(lufs: float) -> float:
    """Return the ReplayGain 2.0 gain (dB) that brings lufs to the −18 LUFS reference."""
    return round(REPLAYGAIN_REFERENCE_LUFS - lufs, 2)
