"""Probe a master candidate within limits, then decode it once end to end to prove it intact."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import av
import mutagen
import numpy as np

from tunemeter.catalog.exceptions import MasterRejected
from tunemeter.catalog.importing.headers import Header, open_regular, sniff
from tunemeter.catalog.loudness import Meter

# Container → (FFmpeg demuxer, lossless codecs accepted in it). The demuxer is always
# forced: FFmpeg's own probing could pick a playlist or concat demuxer that opens
# other files or network addresses named inside the input.
CONTAINERS: dict[str, tuple[str, frozenset[str]]] = {
    "flac": ("flac", frozenset({"flac"})),
    "wav": (
        "wav",
        frozenset({"pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le"}),
    ),
    "aiff": (
        "aiff",
        # AIFF-C may hold little-endian PCM ("sowt") as well as big-endian and float.
        frozenset(
            {
                "pcm_s8",
                "pcm_s16be",
                "pcm_s24be",
                "pcm_s32be",
                "pcm_f32be",
                "pcm_f64be",
                "pcm_s16le",
                "pcm_s24le",
                "pcm_s32le",
            }
        ),
    ),
    "m4a": ("mov", frozenset({"alac"})),
    "wv": ("wv", frozenset({"wavpack"})),
}
LOSSY_CODECS = {"aac", "mp3", "mp2", "ac3", "eac3", "opus", "vorbis", "pcm_alaw", "pcm_mulaw"}


@dataclass(frozen=True)
class Limits:
    """The largest master accepted: checked at probe, before decoding."""

    max_seconds: int
    max_sample_rate: int
    max_channels: int


@dataclass(frozen=True)
class AudioInfo:
    """A master's verified audio properties."""

    container: str
    codec: str
    sample_rate: int
    channels: int
    bit_depth: int
    length_samples: int
    audio_sha256: str
    pcm_md5: str  # MD5 of the interleaved PCM, as FLAC's STREAMINFO has it; "" for float
    loudness_lufs: float | None = None  # EBU R128 integrated, measured in the same decode
    true_peak: float | None = None  # linear
    over_full_scale: int = 0  # float samples above 1.0, clipped in integer renditions


def _check_limits(*, rate: int, channels: int, frames: int | None, limits: Limits) -> None:
    if rate > limits.max_sample_rate:
        raise MasterRejected(f"sample rate {rate} Hz exceeds the limit of {limits.max_sample_rate}")
    if channels > limits.max_channels:
        raise MasterRejected(f"{channels} channels exceed the limit of {limits.max_channels}")
    if frames is not None and rate and frames / rate > limits.max_seconds:
        raise MasterRejected(
            f"declared length {frames / rate / 3600:.1f} h exceeds the limit of "
            f"{limits.max_seconds / 3600:g} h"
        )


def _open(fh, container: str) -> av.container.InputContainer:
    demuxer, _ = CONTAINERS[container]
    try:
        # A file object gives FFmpeg no protocol to open anything else with.
        return av.open(fh, format=demuxer, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MasterRejected(
            f"corrupt {container.upper()}: its structure cannot be read (re-export the file)"
        ) from exc


def _stream(container_name: str, media: av.container.InputContainer) -> av.audio.AudioStream:
    if not media.streams.audio:
        raise MasterRejected("no audio stream")
    stream = media.streams.audio[0]
    if stream.codec_context is None:  # FFmpeg knows no decoder for the stream's codec tag
        raise MasterRejected("its audio codec is unknown: the header may be damaged")
    codec = stream.codec_context.name
    _, accepted = CONTAINERS[container_name]
    if codec in LOSSY_CODECS:
        raise MasterRejected(f"lossy codec {codec}: masters must be lossless")
    if codec not in accepted:
        raise MasterRejected(f"codec {codec} is not accepted in {container_name.upper()}")
    return stream


def _declared_frames(header: Header, stream: av.audio.AudioStream) -> int | None:
    if header.declared_frames is not None:
        return header.declared_frames
    if stream.duration and stream.time_base:
        return round(stream.duration * stream.time_base * stream.codec_context.sample_rate)
    return None


def _bit_depth(path: Path) -> int | None:
    """Return the bit depth mutagen reads from the stream info (ALAC, WavPack)."""
    try:
        info = mutagen.File(path).info
    except (mutagen.MutagenError, AttributeError):
        return None
    return getattr(info, "bits_per_sample", None) or None


def canonical_pcm(frame: av.AudioFrame, bit_depth: int) -> bytes | memoryview | None:
    """Return a frame's samples interleaved, little-endian, ceil(depth/8) bytes each.

    This is the layout FLAC's MD5 signature covers, so one hash serves to verify a FLAC
    master and, stored, to give every FLAC rendition its MD5. None for float samples.
    """
    fmt = frame.format
    name = fmt.name.rstrip("p")
    if name not in ("s16", "s32") or bit_depth not in (16, 24, 32):
        return None
    if not fmt.is_planar and name == "s16" and bit_depth == 16:
        used = frame.samples * len(frame.layout.channels) * 2
        return memoryview(frame.planes[0])[:used]
    arr = frame.to_ndarray()
    if fmt.is_planar:
        arr = arr.T
    arr = np.ascontiguousarray(arr).reshape(-1)
    if name == "s16":
        return arr.astype("<i2", copy=False).tobytes()
    if bit_depth == 32:
        return arr.astype("<i4", copy=False).tobytes()
    # FFmpeg left-justifies 24-bit samples in 32 bits; keep the 3 significant bytes.
    wide = (arr.astype("<i4", copy=False) >> 8).view(np.uint8).reshape(-1, 4)
    return wide[:, :3].tobytes()


def probe_header(path: Path, *, limits: Limits) -> Header:
    """Sniff path and check what its header declares against limits, reading no audio."""
    header = sniff(path)
    if header.sample_rate and header.channels:
        _check_limits(
            rate=header.sample_rate,
            channels=header.channels,
            frames=header.declared_frames,
            limits=limits,
        )
    header.check_data_size()
    return header


def probe(path: Path, *, header: Header, limits: Limits, loudness: bool = True) -> AudioInfo:
    """Probe path's stream within limits, then decode it fully; raise MasterRejected if unfit.

    The one decode proves the file intact, hashes its audio and (with `loudness`) measures
    its EBU R128 loudness. Work is bounded by decoded length: decoding stops one second
    past what the header declares, or at the length limit when it declares nothing.
    """
    with open_regular(path) as fh, _open(fh, header.container) as media:
        stream = _stream(header.container, media)
        ctx = stream.codec_context
        rate, channels = ctx.sample_rate, ctx.layout.nb_channels
        declared = _declared_frames(header, stream)
        _check_limits(rate=rate, channels=channels, frames=declared, limits=limits)
        # Frame CRCs are checked and any error aborts: a master must decode cleanly.
        ctx.options = {"err_detect": "crccheck+bitstream+buffer+explode"}
        if ctx.format is None or not rate or not channels:
            raise MasterRejected("corrupt: the stream declares no sample format, rate or channels")
        bit_depth = header.bit_depth or _bit_depth(path) or ctx.format.bytes * 8
        audio_hash = hashlib.sha256()
        md5 = hashlib.md5()
        decoded = 0
        most = (declared + rate) if declared is not None else limits.max_seconds * rate
        meter = Meter() if loudness else None
        over = 0  # float samples beyond full scale: integer renditions clip them
        try:
            for frame in media.decode(stream):
                if meter is not None:
                    meter.push(frame)
                pcm = canonical_pcm(frame, bit_depth) if md5 is not None else None
                if pcm is None:
                    md5 = None
                    if frame.format.name.rstrip("p") in ("flt", "dbl"):
                        over += int(np.count_nonzero(np.abs(frame.to_ndarray()) > 1.0))
                    for plane in frame.planes:
                        audio_hash.update(plane)
                else:
                    md5.update(pcm)
                    audio_hash.update(pcm)
                decoded += frame.samples
                if decoded > most:
                    if declared is None:
                        raise MasterRejected(
                            f"decodes to more than the length limit of "
                            f"{limits.max_seconds / 3600:g} h"
                        )
                    raise MasterRejected(
                        "decodes to more audio than its header declares: corrupt or forged"
                    )
        except (av.error.FFmpegError, ValueError) as exc:
            raise MasterRejected(
                f"truncated or corrupt: the audio stops decoding after {decoded / rate:.2f} s "
                "(re-export or re-rip the file)"
            ) from exc
    if decoded == 0:
        raise MasterRejected("contains no audio samples")
    if declared is not None and decoded < declared:
        raise MasterRejected(
            f"truncated: decoded {decoded:,} of {declared:,} samples ({decoded / rate:.2f} s "
            f"of {declared / rate:.2f} s)"
        )
    if header.flac_md5 and md5 is not None and md5.digest() != header.flac_md5:
        raise MasterRejected("corrupt: decoded audio does not match the FLAC MD5 signature")
    lufs, peak = meter.result() if meter is not None else (None, None)
    return AudioInfo(
        container=header.container,
        codec=ctx.name,
        sample_rate=rate,
        channels=channels,
        bit_depth=bit_depth,
        length_samples=decoded,
        audio_sha256=audio_hash.hexdigest(),
        pcm_md5=md5.hexdigest() if md5 is not None else "",
        loudness_lufs=lufs,
        over_full_scale=over,
        true_peak=peak,
    )
