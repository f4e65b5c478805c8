"""Sniff a file's container from its first bytes and read what its header declares.

The importer trusts nothing FFmpeg would guess: the container is chosen here from
magic numbers, and the declared length comes from the header itself (FFmpeg clamps
a WAV's declared length to the file size, which would hide a forged header).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tunemeter.catalog.exceptions import MasterRejected

SNIFF_BYTES = 64 * 1024


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
    """Return the header of a master candidate, or raise MasterRejected with the reason."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        size = fh.seek(0, 2)
    if head.startswith(b"ID3") and b"fLaC" in head[:SNIFF_BYTES]:
        # Some taggers put an ID3v2 tag in front of FLAC; skip it.
        tag_size = _syncsafe(head[6:10]) + 10
        if head[tag_size : tag_size + 4] == b"fLaC":
            return _flac(head[tag_size:])
    if head.startswith(b"fLaC"):
        return _flac(head)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return _wav(head, size)
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _aiff(head, size)
    if head[4:8] == b"ftyp":
        return Header(container="m4a")
    if head.startswith(b"wvpk"):
        (total,) = struct.unpack_from("<I", head, 12)
        return Header(container="wv", declared_frames=None if total == 0xFFFFFFFF else total)
    foreign = _describe_foreign(head)
    raise MasterRejected(f"not a lossless master: {foreign or 'unrecognised content'}")


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


def _chunks(head: bytes, start: int, big_endian: bool):
    """Yield (id, data offset, declared size) for each chunk within the sniffed head."""
    fmt = ">I" if big_endian else "<I"
    pos = start
    while pos + 8 <= len(head):
        cid = head[pos : pos + 4]
        (csize,) = struct.unpack_from(fmt, head, pos + 4)
        yield cid, pos + 8, csize
        pos += 8 + csize + (csize & 1)


def _wav(head: bytes, size: int) -> Header:
    ds64_data: int | None = None
    fmt: tuple[int, int, int, int, int] | None = None
    for cid, off, csize in _chunks(head, 12, big_endian=False):
        if cid == b"ds64" and off + 16 <= len(head):
            (ds64_data,) = struct.unpack_from("<Q", head, off + 8)
        elif cid == b"fmt " and off + 16 <= len(head):
            tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", head, off)
            fmt = (tag, channels, rate, align, bits)
        elif cid == b"data":
            if fmt is None:
                raise MasterRejected("corrupt WAV: data before fmt chunk")
            data_bytes = ds64_data if (csize == 0xFFFFFFFF and ds64_data is not None) else csize
            _, channels, rate, align, bits = fmt
            if not channels or not rate or not align:
                raise MasterRejected("corrupt WAV: zero channels, rate or block size")
            return Header(
                container="wav",
                sample_rate=rate,
                channels=channels,
                bit_depth=bits,
                declared_frames=data_bytes // align,
                declared_bytes=data_bytes,
                available_bytes=size - off,
            )
    raise MasterRejected("corrupt WAV: no fmt/data chunk in the first 64 KiB")


def _extended_to_int(raw: bytes) -> int:
    """Decode an 80-bit IEEE 754 extended float (AIFF sample rate) to an integer."""
    exponent = int.from_bytes(raw[:2], "big") & 0x7FFF
    mantissa = int.from_bytes(raw[2:10], "big")
    if exponent == 0 and mantissa == 0:
        return 0
    shift = exponent - 16383 - 63
    return mantissa << shift if shift >= 0 else mantissa >> -shift


def _aiff(head: bytes, size: int) -> Header:
    comm: tuple[int, int, int, int] | None = None
    for cid, off, _size in _chunks(head, 12, big_endian=True):
        if cid == b"COMM" and off + 18 <= len(head):
            channels, frames, bits = struct.unpack_from(">hIh", head, off)
            rate = _extended_to_int(head[off + 8 : off + 18])
            comm = (channels, frames, bits, rate)
        elif cid == b"SSND":
            if comm is None:
                raise MasterRejected("corrupt AIFF: sound data before COMM chunk")
            channels, frames, bits, rate = comm
            if channels <= 0 or rate <= 0 or bits <= 0:
                raise MasterRejected("corrupt AIFF: zero channels, rate or sample size")
            return Header(
                container="aiff",
                sample_rate=rate,
                channels=channels,
                bit_depth=bits,
                declared_frames=frames,
                declared_bytes=frames * channels * ((bits + 7) // 8),
                available_bytes=size - off - 8,
            )
    raise MasterRejected("corrupt AIFF: no COMM/SSND chunk in the first 64 KiB")
