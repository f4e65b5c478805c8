"""Decode a master into PCM frames in the shape an encoder needs (rate, sample format, layout)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from tunemeter.catalog.importing.probe import CONTAINERS


class RenderError(Exception):
    """A master could not be rendered (unreadable, or corrupt past the import check)."""


@dataclass(frozen=True)
class RenderSource:
    """A master as the renderer sees it."""

    path: Path
    container: str
    sample_rate: int
    channels: int
    bit_depth: int
    length_samples: int
    pcm_md5: bytes | None = None

    def samples_at(self, rate: int) -> int:
        """Return the number of samples the master has once resampled to rate."""
        if rate == self.sample_rate:
            return self.length_samples
        return (self.length_samples * rate + self.sample_rate // 2) // self.sample_rate


_DTYPES = {"s16": np.int16, "s32": np.int32, "flt": np.float32}


# FFmpeg's default layout for each channel count.
LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def layout_name(channels: int) -> str:
    """Return FFmpeg's default channel layout name for a channel count."""
    return LAYOUTS[channels]


def frames(
    source: RenderSource,
    *,
    rate: int,
    sample_format: str,
    channels: int,
    frame_samples: int = 4096,
    start_sample: int = 0,
    max_samples: int | None = None,
) -> Iterator[np.ndarray]:
    """Yield the master's audio as arrays (planar: channels × n; packed: 1 × n·channels).

    The total is exactly `source.samples_at(rate)` samples (or max_samples), trimmed or
    zero-padded at the end, so sizes computed before encoding hold whatever the resampler
    does at the edges.
    """
    total = source.samples_at(rate) - start_sample
    if max_samples is not None:
        total = min(total, max_samples)
    demuxer = CONTAINERS[source.container][0]
    planar = sample_format.endswith("p")
    resampler = av.AudioResampler(format=sample_format, layout=layout_name(channels), rate=rate)
    fifo = av.AudioFifo()
    emitted = 0
    skip = start_sample
    try:
        with open(source.path, "rb") as fh, av.open(fh, format=demuxer) as media:
            stream = media.streams.audio[0]
            for frame in media.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    fifo.write(out)
                while fifo.samples >= frame_samples and emitted < total:
                    arr = fifo.read(frame_samples).to_ndarray()
                    arr, skip = _skip(arr, skip, planar, channels)
                    if arr is None:
                        continue
                    arr = _trim(arr, total - emitted, planar, channels)
                    emitted += arr.shape[-1] // (1 if planar else channels)
                    yield arr
                if emitted >= total:
                    return
            for out in resampler.resample(None):
                fifo.write(out)
    except av.error.FFmpegError as exc:
        raise RenderError(f"master {source.path.name} does not decode: {exc.strerror}") from exc
    except OSError as exc:
        raise RenderError(f"master {source.path.name} unreadable: {exc.strerror}") from exc
    while fifo.samples and emitted < total:
        arr = fifo.read(min(frame_samples, fifo.samples)).to_ndarray()
        arr, skip = _skip(arr, skip, planar, channels)
        if arr is None:
            continue
        arr = _trim(arr, total - emitted, planar, channels)
        emitted += arr.shape[-1] // (1 if planar else channels)
        yield arr
    if emitted < total:
        missing = total - emitted
        if missing > rate // 10:
            raise RenderError(f"master {source.path.name} ended {missing} samples early")
        # The resampler may end a few samples short of the rounded length: pad with silence.
        yield np.zeros(
            (channels, missing) if planar else (1, missing * channels),
            dtype=_DTYPES[sample_format.rstrip("p")],
        )


def _skip(arr: np.ndarray, skip: int, planar: bool, channels: int) -> tuple[np.ndarray | None, int]:
    if not skip:
        return arr, 0
    n = arr.shape[-1] // (1 if planar else channels)
    if skip >= n:
        return None, skip - n
    return (arr[:, skip:] if planar else arr[:, skip * channels :]), 0


def _trim(arr: np.ndarray, remaining: int, planar: bool, channels: int) -> np.ndarray:
    n = arr.shape[-1] // (1 if planar else channels)
    if n <= remaining:
        return arr
    return arr[:, :remaining] if planar else arr[:, : remaining * channels]
