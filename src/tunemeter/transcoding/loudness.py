"""Measure EBU R128 loudness and true peak with FFmpeg's ebur128 filter, once per track.

The album value is the duration-weighted energy mean of the tracks' integrated
loudness (an approximation of gating over the whole album, close for albums whose
tracks are not near silence), and the album peak is the loudest track's peak.
"""

from __future__ import annotations

import logging

import av

from tunemeter.catalog.importing.probe import CONTAINERS
from tunemeter.catalog.loudness import SILENCE_LUFS, Meter, album_loudness
from tunemeter.transcoding.source import RenderError, RenderSource

logger = logging.getLogger(__name__)

REPLAYGAIN_REFERENCE_LUFS = -18.0
# ReplayGain 2.0 measures with ITU-R BS.1770 gating: a track with no block above the
# -70 LUFS absolute gate (silence) has no integrated loudness, so it gets no gain (0 dB)
# instead of +52 dB. Other gains stay within the +/-51 dB the ReplayGain gain field has
# carried since 1.0.
MAX_GAIN_DB = 51.0
MIN_GAIN_DB = -51.0

__all__ = ["album_loudness", "measure", "replaygain_db", "SILENCE_LUFS"]


def measure(source: RenderSource) -> tuple[float, float]:
    """Return (integrated loudness in LUFS, true peak as a linear ratio) of a master."""
    meter = Meter()
    try:
        with (
            open(source.path, "rb") as fh,
            av.open(fh, format=CONTAINERS[source.container][0]) as media,
        ):
            stream = media.streams.audio[0]
            for frame in media.decode(stream):
                meter.push(frame)
    except (av.error.FFmpegError, OSError) as exc:
        raise RenderError(f"loudness of {source.path.name}: {exc.strerror or exc}") from exc
    return meter.result()


def replaygain_db(lufs: float) -> float:
    """Return the ReplayGain 2.0 gain (dB) that brings lufs to the −18 LUFS reference."""
    if lufs <= SILENCE_LUFS:
        return 0.0
    return round(min(MAX_GAIN_DB, max(MIN_GAIN_DB, REPLAYGAIN_REFERENCE_LUFS - lufs)), 2)
