"""Decode a master into PCM in the shape an encoder needs (rate, sample format, layout).

A source may be limited to windows of the master (previews, sampled size estimates)
and faded in and out; its output length is always exactly `output_samples(rate)`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from tunemeter.catalog.importing.probe import CONTAINERS

# FFmpeg's default layout for each channel count.
LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
DTYPES = {"s16": np.int16, "s32": np.int32, "flt": np.float32}
MAX_SHORTFALL_SECONDS = 0.1


class RenderError(Exception):
    """A master could not be rendered (unreadable, or corrupt past the import check)."""


def layout_name(channels: int) -> str:
    """Return FFmpeg's default channel layout name for a channel count."""
    return LAYOUTS[channels]


@dataclass(frozen=True)
class RenderSource:
    """A master as the renderer sees it, optionally cut to windows (in master samples)."""

    path: Path
    container: str
    sample_rate: int
    channels: int
    bit_depth: int
    length_samples: int
    pcm_md5: bytes | None = None
    windows: tuple[tuple[int, int], ...] = ()  # (start, length); empty: the whole master
    fade_samples: int = 0  # fade in and out at each window's edges (master samples)

    def scale(self, samples: int, rate: int) -> int:
        if rate == self.sample_rate:
            return samples
        return (samples * rate + self.sample_rate // 2) // self.sample_rate

    def windows_at(self, rate: int) -> list[tuple[int, int]]:
        """Return the windows as (start, length) in samples at rate."""
        windows = self.windows or ((0, self.length_samples),)
        return [(self.scale(s, rate), self.scale(n, rate)) for s, n in windows]

    def samples_at(self, rate: int) -> int:
        """Return how many samples the source yields once resampled to rate."""
        return sum(n for _, n in self.windows_at(rate))


def _decoded(
    source: RenderSource, *, rate: int, sample_format: str, channels: int
) -> Iterator[np.ndarray]:
    """Yield the whole master resampled, as arrays of any length."""
    demuxer = CONTAINERS[source.container][0]
    resampler = av.AudioResampler(format=sample_format, layout=layout_name(channels), rate=rate)
    try:
        with open(source.path, "rb") as fh, av.open(fh, format=demuxer) as media:
            stream = media.streams.audio[0]
            # Decode on other threads (FLAC supports frame threads) while this one encodes.
            stream.thread_type = "AUTO"
            for frame in media.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    yield out.to_ndarray()
        for out in resampler.resample(None):
            yield out.to_ndarray()
    except av.error.FFmpegError as exc:
        raise RenderError(f"master {source.path.name} does not decode: {exc.strerror}") from exc
    except OSError as exc:
        raise RenderError(f"master {source.path.name} unreadable: {exc.strerror}") from exc


class _Shape:
    """Slice and join arrays as samples, whether planar (ch × n) or packed (1 × n·ch)."""

    def __init__(self, planar: bool, channels: int) -> None:
        self.planar, self.channels = planar, channels

    def count(self, arr: np.ndarray) -> int:
        return arr.shape[1] if self.planar else arr.shape[1] // self.channels

    def cut(self, arr: np.ndarray, start: int, stop: int) -> np.ndarray:
        k = 1 if self.planar else self.channels
        return arr[:, start * k : stop * k]

    def gain(self, arr: np.ndarray, gains: np.ndarray) -> np.ndarray:
        g = gains if self.planar else np.repeat(gains, self.channels)
        return (arr * g[np.newaxis, :]).astype(arr.dtype)


_DONE = object()


def _prefetched(items: Iterator, depth: int = 16) -> Iterator:
    """Run an iterator in a thread, `depth` items ahead, so decoding overlaps encoding.

    FFmpeg releases the GIL while decoding, so on two cores the master decodes while
    the caller's encoder works, as the ffmpeg command line does with its threads.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        """Queue item unless the consumer has gone; return False if it has."""
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    worker = threading.Thread(target=produce, daemon=True, name="decode")
    worker.start()
    try:
        while (item := buffer.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _fade(length: int, offset: int, count: int, fade: int) -> np.ndarray:
    """Return fade gains for samples offset..offset+count of a window of length."""
    idx = np.arange(offset, offset + count, dtype=np.float64)
    return np.clip(np.minimum((idx + 1) / fade, (length - idx) / fade), 0.0, 1.0)


def frames(
    source: RenderSource, *, rate: int, sample_format: str, channels: int, frame_samples: int = 4096
) -> Iterator[np.ndarray]:
    """Yield exactly `source.samples_at(rate)` samples in chunks of frame_samples (last shorter).

    Arrays are planar (channels × n) for planar formats, else packed (1 × n·channels).
    The end is zero-padded if the resampler stops a few samples short of the rounded
    length, so sizes computed before encoding hold.
    """
    shape = _Shape(sample_format.endswith("p"), channels)
    windows = source.windows_at(rate)
    fade = source.scale(source.fade_samples, rate)
    total = sum(n for _, n in windows)
    end = max(s + n for s, n in windows)
    pending: list[np.ndarray] = []
    pending_n = pos = emitted = 0
    decoded = _decoded(source, rate=rate, sample_format=sample_format, channels=channels)
    for arr in _prefetched(decoded):
        n = shape.count(arr)
        for start, length in windows:
            a, b = max(start, pos), min(start + length, pos + n)
            if a >= b:
                continue
            piece = shape.cut(arr, a - pos, b - pos)
            if fade:
                piece = shape.gain(piece, _fade(length, a - start, b - a, fade))
            pending.append(piece)
            pending_n += b - a
        pos += n
        while pending_n >= frame_samples:
            joined = np.concatenate(pending, axis=1)
            out, rest = (
                shape.cut(joined, 0, frame_samples),
                shape.cut(joined, frame_samples, pending_n),
            )
            pending, pending_n = [rest], pending_n - frame_samples
            emitted += frame_samples
            yield out
        if pos >= end:
            break
    missing = total - emitted - pending_n
    if missing > rate * MAX_SHORTFALL_SECONDS:
        raise RenderError(f"master {source.path.name} ended {missing} samples early")
    if missing > 0:
        dtype = DTYPES[sample_format.rstrip("p")]
        pad = np.zeros(
            (channels, missing) if shape.planar else (1, missing * channels), dtype=dtype
        )
        pending.append(pad)
        pending_n += missing
    if pending_n:
        joined = np.concatenate(pending, axis=1)
        for i in range(0, pending_n, frame_samples):
            yield shape.cut(joined, i, min(i + frame_samples, pending_n))
