"""Render a master into a format as a stream of bytes: decode → resample → encode → mux.

One entry point, `render`, picks the writer for the format's container from a table.
MP3, FLAC, WAV, AIFF and Ogg Opus stream from the first byte; M4A (AAC, ALAC) is
muxed into a temp file first, because MP4 needs its sample tables written after
the audio, and then streamed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tunemeter.transcoding import containers, mp3, tagging
from tunemeter.transcoding.formats import Format
from tunemeter.transcoding.source import RenderError, RenderSource, frames, layout_name

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# PCM handed to encoders per call; PyAV cuts it to each encoder's frame size in C.
BLOCK_SAMPLES = 16384
AAC_PRIMING = 1024  # FFmpeg's AAC encoder delay, in samples


def output_rate(fmt: Format, source_rate: int) -> int:
    """Return the sample rate a format is rendered at (lossless keeps the master's)."""
    if fmt.codec == "libopus":
        return 48000
    if not fmt.lossy or source_rate in (44100, 48000):
        return source_rate
    return 48000 if source_rate % 8000 == 0 else 44100


def output_channels(fmt: Format, source_channels: int) -> int:
    """Return the channel count: lossy formats are stereo (or mono) at most."""
    return min(source_channels, 2) if fmt.lossy else source_channels


def output_depth(source_depth: int) -> int:
    """Return the bit depth of a lossless rendition: 16 stays 16, deeper becomes 24."""
    return 16 if source_depth <= 16 else 24


def _pcm_format(depth: int) -> str:
    return "s16" if depth == 16 else "s32"


def _render_mp3(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    rate = output_rate(fmt, source.sample_rate)
    channels = output_channels(fmt, source.channels)
    yield tagging.id3_bytes(tags)
    pcm = (
        a.tobytes()
        for a in frames(
            source, rate=rate, sample_format="s16", channels=channels, frame_samples=BLOCK_SAMPLES
        )
    )
    yield from mp3.mp3_encode(
        pcm,
        n_samples=source.samples_at(rate),
        rate=rate,
        channels=channels,
        kbps=fmt.bitrate_bps // 1000 if fmt.mode == "CBR" else None,
        vbr_quality=fmt.options.get("vbr_quality"),
    )


def pcm_header(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> bytes:
    """Return the WAV or AIFF header (with tags) of a rendition."""
    builder = containers.wav_header if fmt.container == "wav" else containers.aiff_header
    chunks = tagging.wav_tag_chunks if fmt.container == "wav" else tagging.aiff_tag_chunks
    return builder(
        n_samples=source.length_samples,
        rate=source.sample_rate,
        channels=source.channels,
        bit_depth=output_depth(source.bit_depth),
        tag_chunks=chunks(tags),
    )


def _render_pcm(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    depth = output_depth(source.bit_depth)
    big_endian = fmt.container == "aiff"
    yield pcm_header(source, fmt, tags)
    for arr in frames(
        source, rate=source.sample_rate, sample_format=_pcm_format(depth), channels=source.channels
    ):
        yield containers.pcm_pack(arr, bit_depth=depth, big_endian=big_endian)
    size = containers.pcm_data_size(
        n_samples=source.length_samples, channels=source.channels, bit_depth=depth
    )
    if size & 1:
        yield b"\0"


def _codec_context(name: str, *, rate: int, channels: int, sample_format: str) -> av.CodecContext:
    ctx = av.CodecContext.create(name, "w")
    ctx.sample_rate = rate
    ctx.layout = layout_name(channels)
    ctx.format = sample_format
    ctx.time_base = Fraction(1, rate)
    return ctx


def _to_frame(arr: np.ndarray, *, sample_format: str, layout, rate: int, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(arr), format=sample_format, layout=layout
    )
    frame.sample_rate, frame.pts = rate, pts
    return frame


def _render_flac(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    depth = output_depth(source.bit_depth)
    sample_format = _pcm_format(depth)
    ctx = _codec_context(
        "flac", rate=source.sample_rate, channels=source.channels, sample_format=sample_format
    )
    ctx.open()
    md5 = source.pcm_md5 if depth == source.bit_depth else None
    yield containers.flac_header(
        streaminfo=bytes(ctx.extradata),
        n_samples=source.length_samples,
        md5=md5,
        blocks=tagging.flac_metadata_blocks(tags),
    )
    pts = 0
    for arr in frames(
        source,
        rate=source.sample_rate,
        sample_format=sample_format,
        channels=source.channels,
        frame_samples=BLOCK_SAMPLES,
    ):
        frame = _to_frame(
            arr, sample_format=sample_format, layout=ctx.layout, rate=ctx.sample_rate, pts=pts
        )
        pts += frame.samples
        for packet in ctx.encode(frame):
            yield bytes(packet)
    for packet in ctx.encode(None):
        yield bytes(packet)


class _Sink:
    """A write-only file for a muxer: collects what it writes until drained."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


ENCODER_OPTIONS = {
    "libopus": {"vbr": "on", "application": "audio", "compression_level": "10"},
    "aac": {},
    "alac": {},
}
MUXERS = {"ogg": "ogg", "m4a": "ipod"}


def _mux(source: RenderSource, fmt: Format, tags: tagging.RenditionTags, target) -> Iterator[None]:
    """Encode and mux the master into target (a path or a sink), yielding after each packet."""
    rate = output_rate(fmt, source.sample_rate)
    channels = output_channels(fmt, source.channels)
    lossless_depth = output_depth(source.bit_depth)
    sample_format = {"aac": "fltp", "libopus": "flt"}.get(fmt.codec) or (
        "s16p" if lossless_depth == 16 else "s32p"
    )
    # bitexact: no random Ogg serial numbers, no creation times, no version strings.
    with av.open(target, "w", format=MUXERS[fmt.container], options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream(fmt.codec, rate=rate, layout=layout_name(channels))
        stream.codec_context.format = sample_format
        stream.codec_context.options = dict(ENCODER_OPTIONS[fmt.codec])
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        if fmt.bitrate_bps and fmt.lossy:
            stream.bit_rate = fmt.bitrate_bps
        if fmt.container == "ogg":
            stream.metadata.update(dict(tagging.vorbis_comment_fields(tags, opus=True)))
        pts = 0
        for arr in frames(
            source,
            rate=rate,
            sample_format=sample_format,
            channels=channels,
            frame_samples=BLOCK_SAMPLES,
        ):
            frame = _to_frame(
                arr, sample_format=sample_format, layout=stream.layout, rate=rate, pts=pts
            )
            pts += frame.samples
            for packet in stream.encode(frame):
                out.mux(packet)
                yield
        for packet in stream.encode(None):
            out.mux(packet)
            yield


def _render_ogg(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    sink = _Sink()
    for _ in _mux(source, fmt, tags, sink):
        if data := sink.drain():
            yield data
    if data := sink.drain():  # the last page, written when the muxer closed
        yield data


def itunsmpb(*, n_samples: int, packets: int, priming: int) -> str:
    """Return the iTunSMPB gapless string: priming, end padding and original length."""
    padding = packets * 1024 - priming - n_samples
    fields = [0, priming, max(padding, 0)]
    return " " + " ".join(f"{v:08X}" for v in fields) + f" {n_samples:016X}" + " 00000000" * 8


def _render_m4a(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    fd, name = tempfile.mkstemp(suffix=".m4a", prefix=".render-")
    os.close(fd)
    path = Path(name)
    try:
        packets = sum(1 for _ in _mux(source, fmt, tags, str(path)))
        gapless = None
        if fmt.codec == "aac":
            n = source.samples_at(output_rate(fmt, source.sample_rate))
            gapless = itunsmpb(n_samples=n, packets=packets, priming=AAC_PRIMING)
        tagging.mp4_tag_file(path, tags, itunsmpb=gapless)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


WRITERS: dict[str, Callable[[RenderSource, Format, tagging.RenditionTags], Iterator[bytes]]] = {
    "mp3": _render_mp3,
    "wav": _render_pcm,
    "aiff": _render_pcm,
    "flac": _render_flac,
    "ogg": _render_ogg,
    "m4a": _render_m4a,
}


def render(source: RenderSource, fmt: Format, tags: tagging.RenditionTags) -> Iterator[bytes]:
    """Yield the bytes of the master rendered in fmt with tags; raise RenderError on failure."""
    logger.debug("render start format=%s master=%s", fmt.id, source.path.name)
    try:
        yield from WRITERS[fmt.container](source, fmt, tags)
    except av.error.FFmpegError as exc:
        raise RenderError(f"encoding {fmt.id} failed: {exc.strerror}") from exc
