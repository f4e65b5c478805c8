"""Write container headers by hand where that lets a rendition stream from its first byte.

WAV, AIFF and FLAC headers are fully known before encoding (length from the master,
FLAC's MD5 from the import), so they are written here rather than by a muxer that
would seek back to patch them at the end.
"""

from __future__ import annotations

import struct

import numpy as np

PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
MAX_CHUNK_SIZE = 0xFFFFFFFF  # RIFF and AIFF sizes are 32-bit


class FormatTooLarge(Exception):
    """A rendition would not fit its container's size fields; the message says what to pick."""


CHANNEL_MASKS = {1: 0x4, 2: 0x3, 3: 0x7, 4: 0x33, 5: 0x37, 6: 0x3F, 7: 0x13F, 8: 0x63F}


def pcm_bytes_per_sample(bit_depth: int) -> int:
    return (bit_depth + 7) // 8


def pcm_data_size(*, n_samples: int, channels: int, bit_depth: int) -> int:
    return n_samples * channels * pcm_bytes_per_sample(bit_depth)


def wav_header(
    *, n_samples: int, rate: int, channels: int, bit_depth: int, tag_chunks: bytes
) -> bytes:
    """Return a WAV header (fmt, tags, data chunk header) for n samples of PCM."""
    width = pcm_bytes_per_sample(bit_depth)
    align = channels * width
    data_size = pcm_data_size(n_samples=n_samples, channels=channels, bit_depth=bit_depth)
    if channels <= 2 and bit_depth <= 16:
        fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * align, align, bit_depth)
    else:
        # WAVE_FORMAT_EXTENSIBLE is required for more than 2 channels or 16 bits.
        fmt = (
            struct.pack(
                "<HHIIHHHHI",
                0xFFFE,
                channels,
                rate,
                rate * align,
                align,
                width * 8,
                22,
                bit_depth,
                CHANNEL_MASKS.get(channels, 0),
            )
            + PCM_GUID
        )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + tag_chunks
    riff_size = len(body) + 8 + data_size + (data_size & 1)
    if riff_size <= MAX_CHUNK_SIZE:
        return (
            b"RIFF" + struct.pack("<I", riff_size) + body + b"data" + struct.pack("<I", data_size)
        )
    # Past 4 GiB the file is RF64 (EBU Tech 3306): the 32-bit sizes read 0xFFFFFFFF and
    # the real 64-bit sizes sit in a ds64 chunk right after "WAVE".
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size + 36, data_size, n_samples, 0)
    return (
        b"RF64"
        + struct.pack("<I", MAX_CHUNK_SIZE)
        + b"WAVE"
        + ds64
        + body[4:]
        + b"data"
        + struct.pack("<I", MAX_CHUNK_SIZE)
    )


def _extended(rate: int) -> bytes:
    """Return an integer sample rate as an 80-bit IEEE 754 extended float (AIFF COMM)."""
    exponent = rate.bit_length() - 1
    return struct.pack(">HQ", 16383 + exponent, rate << (63 - exponent))


def aiff_header(
    *, n_samples: int, rate: int, channels: int, bit_depth: int, tag_chunks: bytes
) -> bytes:
    """Return an AIFF header (COMM, tags, SSND chunk header) for n samples of PCM."""
    data_size = pcm_data_size(n_samples=n_samples, channels=channels, bit_depth=bit_depth)
    comm = struct.pack(">hIh", channels, n_samples, bit_depth) + _extended(rate)
    body = b"AIFF" + b"COMM" + struct.pack(">I", len(comm)) + comm + tag_chunks
    ssnd_size = 8 + data_size
    form_size = len(body) + 8 + ssnd_size + (ssnd_size & 1)
    if form_size > MAX_CHUNK_SIZE or n_samples > MAX_CHUNK_SIZE:
        raise FormatTooLarge(
            f"AIFF holds at most 4 GiB and this track needs {form_size / 1e9:.1f} GB: "
            "choose WAV (written as RF64 past 4 GiB) or FLAC"
        )
    return (
        b"FORM"
        + struct.pack(">I", form_size)
        + body
        + b"SSND"
        + struct.pack(">III", ssnd_size, 0, 0)
    )


def pcm_pack(arr: np.ndarray, *, bit_depth: int, big_endian: bool) -> bytes:
    """Return packed interleaved samples (s16, or s32 left-justified) as 16/24-bit PCM bytes."""
    if bit_depth == 16:
        return arr.astype(">i2" if big_endian else "<i2", copy=False).tobytes()
    wide = (arr.astype("<i4", copy=False) >> 8).view(np.uint8).reshape(-1, 4)
    return (wide[:, 2::-1] if big_endian else wide[:, :3]).tobytes()


def flac_header(
    *, streaminfo: bytes, n_samples: int, md5: bytes | None, blocks: list[tuple[int, bytes]]
) -> bytes:
    """Return "fLaC" and the metadata blocks, STREAMINFO completed with length and MD5.

    The minimum/maximum frame sizes stay 0 ("unknown", allowed by the format): they
    are only known after encoding, and the header is sent before that.
    """
    info = bytearray(streaminfo[:34])
    packed = int.from_bytes(info[10:18], "big")
    packed = (packed & ~((1 << 36) - 1)) | (n_samples & ((1 << 36) - 1))
    info[10:18] = packed.to_bytes(8, "big")
    info[18:34] = md5 or bytes(16)
    all_blocks = [(0, bytes(info)), *blocks]
    out = bytearray(b"fLaC")
    for i, (kind, body) in enumerate(all_blocks):
        last = 0x80 if i == len(all_blocks) - 1 else 0
        out += bytes([last | kind]) + len(body).to_bytes(3, "big") + body
    return bytes(out)
