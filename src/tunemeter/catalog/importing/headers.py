"""Sniff a file's container from its first bytes and read what its header declares.

The importer trusts nothing FFmpeg would guess: the container is chosen here from
magic numbers, and the declared length comes from the header itself (FFmpeg clamps
a WAV's declared length to the file size, which would hide a forged header).
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tunemeter.catalog.exceptions import MasterRejected

SNIFF_BYTES = 64 * 1024
# Chunks walked before the audio (WAV/AIFF): a bound on work, not on bytes, so a file with
# large metadata chunks (bext, iXML, pictures) still imports.
MAX_CHUNKS = 4096
# An ID3v2 tag in front of FLAC may hold pictures; its size field allows 256 MiB.
MAX_ID3_BYTES = 256 * 1024 * 1024
# A data size nobody can know while recording: the audio runs to the end of the file.
PLACEHOLDER_SIZES = (0, 0xFFFFFFFF)
EXTENSION_CONTAINERS = {
    ".flac": "flac",
    ".wav": "wav",
    ".wave": "wav",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".aifc": "aiff",
    ".m4a": "m4a",
    ".wv": "wv",
}
CONTAINER_NAMES = {
    "flac": "FLAC",
    "wav": "WAV",
    "aiff": "AIFF",
    "m4a": "ALAC (MP4)",
    "wv": "WavPack",
}


def open_regular(path: Path) -> BinaryIO:
    """Open path for reading only if it is a regular file; never block on a FIFO or device."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise MasterRejected("skipped: not a regular file (a FIFO, socket or device)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(frozen=True)
class Header:
    """What a file's header says about it, before any decoding."""

    container: str  # flac | wav | aiff | m4a | wv
    sample_rate: int | None = None
    channels: int | None = None
    bit_depth: int | None = None
    declared_frames: int | None = None  # None: the header does not say
    flac_md5: bytes | None = None
    declared_bytes: int | None = None  # size of the audio data the header claims
    available_bytes: int | None = None  # what the file holds after the header
    extension_mismatch: str | None = None  # a note when the name says another container

    def check_data_size(self) -> None:
        """Raise MasterRejected when the header claims more audio data than the file holds."""
        if self.declared_bytes is None or self.available_bytes is None:
            return
        if self.declared_bytes > self.available_bytes:
            raise MasterRejected(
                f"header declares {self.declared_bytes:,} bytes of audio but the file holds "
                f"{max(self.available_bytes, 0):,}: truncated or forged"
            )


def _describe_foreign(head: bytes) -> str | None:
    """Return a human name for a recognisable non-master file, else None."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"#EXTM3U") or text.startswith(b"#EXT-X"):
        return "an M3U/HLS playlist, not audio"
    if text.startswith(b"ffconcat"):
        return "an FFmpeg concat list, not audio"
    if head.startswith(b"OggS"):
        return "Ogg (Vorbis/Opus), a lossy format"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
            return "AAC (ADTS), a lossy format"
        return "MP3, a lossy format"
    if not head:
        return "an empty file"
    sample = head[:4096]
    if all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return "a text file, not audio"
    return None


def sniff(path: Path) -> Header:
    """Return the header of a master candidate, or raise MasterRejected with the reason.

    The content decides the container, never the name; a name that says otherwise is
    noted (`extension_mismatch`) and the file imports.
    """
    with open_regular(path) as fh:
        header = _sniff(fh)
    expected = EXTENSION_CONTAINERS.get(path.suffix.lower())
    if expected and expected != header.container:
        note = (
            f"named {path.suffix} but holds {CONTAINER_NAMES[header.container]}: "
            f"imported as {CONTAINER_NAMES[header.container]} (consider renaming it)"
        )
        header = Header(**{**header.__dict__, "extension_mismatch": note})
    return header


def _sniff(fh: BinaryIO) -> Header:
    head = fh.read(SNIFF_BYTES)
    size = fh.seek(0, 2)
    if head.startswith(b"ID3") and len(head) >= 10:
        # Some taggers put an ID3v2 tag (pictures and all) in front of FLAC; skip it.
        tag_size = _syncsafe(head[6:10]) + 10 + (10 if head[5] & 0x10 else 0)
        if tag_size <= MAX_ID3_BYTES:
            fh.seek(tag_size)
            after = fh.read(SNIFF_BYTES)
            if after.startswith(b"fLaC"):
                return _flac(after)
            if after[:4] in (b"RIFF", b"RF64", b"FORM") or after[4:8] == b"ftyp":
                raise MasterRejected(
                    "an ID3 tag sits in front of a WAV, AIFF or MP4 file, which their formats "
                    "do not allow: remove the leading ID3 tag (or re-export the file)"
                )
            if not (len(after) > 1 and after[0] == 0xFF and after[1] & 0xE0 == 0xE0):
                raise MasterRejected(
                    "an ID3 tag followed by content that is not FLAC, WAV, AIFF, ALAC or "
                    "WavPack audio: re-export the file"
                )
    if head.startswith(b"fLaC"):
        return _flac(head)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return _wav(fh, size, rf64=head[:4] == b"RF64")
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _aiff(fh, size)
    if head[4:8] == b"ftyp":
        return Header(container="m4a")
    if head.startswith(b"wvpk") and len(head) >= 16:
        (total,) = struct.unpack_from("<I", head, 12)
        return Header(container="wv", declared_frames=None if total == 0xFFFFFFFF else total)
    foreign = _describe_foreign(head)
    raise MasterRejected(
        f"not a lossless master: {foreign or 'the content is not FLAC, WAV, AIFF, ALAC or WavPack'}"
    )


def _syncsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def _flac(head: bytes) -> Header:
    # STREAMINFO must be the first metadata block (type 0, 34 bytes).
    if len(head) < 42 or head[4] & 0x7F != 0:
        raise MasterRejected("corrupt FLAC: no STREAMINFO block")
    info = head[8:42]
    bits = int.from_bytes(info[10:18], "big")
    sample_rate = bits >> 44
    channels = ((bits >> 41) & 0x7) + 1
    bit_depth = ((bits >> 36) & 0x1F) + 1
    total = bits & ((1 << 36) - 1)
    md5 = info[18:34]
    if sample_rate == 0:
        raise MasterRejected("corrupt FLAC: sample rate 0 in STREAMINFO")
    return Header(
        container="flac",
        sample_rate=sample_rate,
        channels=channels,
        bit_depth=bit_depth,
        declared_frames=total or None,
        flac_md5=md5 if any(md5) else None,
    )


def _chunks(fh: BinaryIO, size: int, big_endian: bool):
    """Yield (id, data offset, declared size, first bytes) per chunk, reading the file.

    Walks at most MAX_CHUNKS chunks from offset 12, seeking over each chunk's body, so
    large metadata before the audio costs one seek, not a read.
    """
    fmt = ">I" if big_endian else "<I"
    pos = 12
    for _ in range(MAX_CHUNKS):
        if pos + 8 > size:
            return
        fh.seek(pos)
        raw = fh.read(8 + 64)
        if len(raw) < 8:
            return
        cid = raw[:4]
        (csize,) = struct.unpack_from(fmt, raw, 4)
        yield cid, pos + 8, csize, raw[8:]
        pos += 8 + csize + (csize & 1)
    raise MasterRejected(f"corrupt: more than {MAX_CHUNKS} chunks before the audio")


def _wav(fh: BinaryIO, size: int, *, rf64: bool) -> Header:
    ds64_data: int | None = None
    fmt: tuple[int, int, int, int, int] | None = None
    for cid, off, csize, body in _chunks(fh, size, big_endian=False):
        if cid == b"ds64" and len(body) >= 16:
            (ds64_data,) = struct.unpack_from("<Q", body, 8)
        elif cid == b"fmt " and len(body) >= 16:
            tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", body, 0)
            fmt = (tag, channels, rate, align, bits)
        elif cid == b"data":
            if fmt is None:
                raise MasterRejected("corrupt WAV: the audio comes before its format (fmt) chunk")
            _, channels, rate, align, bits = fmt
            if not channels or not rate or not align:
                raise MasterRejected("corrupt WAV: zero channels, sample rate or block size")
            available = size - off
            if rf64 and csize == 0xFFFFFFFF and ds64_data is not None:
                data_bytes: int | None = ds64_data
            elif csize in PLACEHOLDER_SIZES:
                # Streamed or still-recording WAV: the size was never filled in.
                data_bytes = None
            else:
                data_bytes = csize
            frames_bytes = available if data_bytes is None else data_bytes
            return Header(
                container="wav",
                sample_rate=rate,
                channels=channels,
                bit_depth=bits,
                declared_frames=frames_bytes // align,
                declared_bytes=data_bytes,
                available_bytes=available,
            )
    raise MasterRejected("corrupt WAV: no format (fmt) or audio (data) chunk")


def _extended_to_int(raw: bytes) -> int:
    """Decode an 80-bit IEEE 754 extended float (AIFF sample rate) to an integer."""
    exponent = int.from_bytes(raw[:2], "big") & 0x7FFF
    mantissa = int.from_bytes(raw[2:10], "big")
    if exponent == 0 and mantissa == 0:
        return 0
    shift = exponent - 16383 - 63
    return mantissa << shift if shift >= 0 else mantissa >> -shift


def _aiff(fh: BinaryIO, size: int) -> Header:
    comm: tuple[int, int, int, int] | None = None
    for cid, off, _size, body in _chunks(fh, size, big_endian=True):
        if cid == b"COMM" and len(body) >= 18:
            channels, frames, bits = struct.unpack_from(">hIh", body, 0)
            rate = _extended_to_int(body[8:18])
            comm = (channels, frames, bits, rate)
        elif cid == b"SSND":
            if comm is None:
                raise MasterRejected("corrupt AIFF: the audio comes before its format (COMM) chunk")
            channels, frames, bits, rate = comm
            if channels <= 0 or rate <= 0 or bits <= 0:
                raise MasterRejected("corrupt AIFF: zero channels, sample rate or sample size")
            return Header(
                container="aiff",
                sample_rate=rate,
                channels=channels,
                bit_depth=bits,
                declared_frames=frames,
                declared_bytes=frames * channels * ((bits + 7) // 8),
                available_bytes=size - off - 8,
            )
    raise MasterRejected("corrupt AIFF: no format (COMM) or audio (SSND) chunk")
