"""Encode MP3 with LAME (the lameenc wheel) and write the Xing/Info + LAME tag frame first.

The tag frame is built before any audio is encoded, so the file streams from its
first byte: LAME's frame count for n samples is ceil(n / 1152) + 1 and its encoder
delay 576 samples (verified by tests over many lengths), which fixes the frame count
and the gapless delay/padding in advance. For CBR the frame sizes — hence the byte
count and the seek table — are known in advance too; for VBR the tag carries the
frame count only (players compute length from it and seek proportionally). The
LAME "music CRC" field is left 0 because it would only be known after the stream
has been sent; decoders do not require it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import lameenc

SAMPLES_PER_FRAME = 1152
ENCODER_DELAY = 576
LAME_VERSION = b"LAME3.100"
BITRATES_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
SAMPLE_RATE_INDEX = {44100: 0, 48000: 1, 32000: 2}
QUALITY = 2  # LAME -q 2, as `ffmpeg -c:a libmp3lame` uses by default for -b:a
VBR_MTRH = 4  # LAME's default VBR mode (vbr_mtrh)
VBR_TAG_KBPS = 128  # the Xing frame of a VBR file needs room for the tag, not audio


def frame_count(n_samples: int) -> int:
    """Return how many audio frames LAME writes for n samples."""
    return math.ceil(n_samples / SAMPLES_PER_FRAME) + 1


def _frame_base(kbps: int, rate: int) -> tuple[int, int]:
    """Return (bytes of an unpadded frame, fractional remainder numerator) for MPEG-1 Layer III."""
    return divmod(144 * kbps * 1000, rate)


def cbr_audio_bytes(n_samples: int, *, kbps: int, rate: int) -> int:
    """Return the exact size of LAME's CBR audio frames for n samples (Info frame excluded).

    LAME pads a frame by one byte when its slot lag goes negative; the lag starts at
    the fractional part, so after N frames ceil((N - 1) * frac / rate) frames are padded.
    """
    frames = frame_count(n_samples)
    base, frac = _frame_base(kbps, rate)
    return frames * base + math.ceil((frames - 1) * frac / rate)


def _crc16(data: bytes) -> int:
    """Return the CRC-16 (poly 0x8005, reflected, init 0) LAME uses for its tag."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def tag_frame_size(*, kbps: int | None, rate: int) -> int:
    """Return the size of the Xing/Info frame (CBR: same bitrate as the audio, unpadded)."""
    return _frame_base(kbps or VBR_TAG_KBPS, rate)[0]


def info_frame(
    *, n_samples: int, rate: int, channels: int, kbps: int | None, vbr_quality: int | None
) -> bytes:
    """Return the Xing ("Info" for CBR) frame with its LAME extension, for n samples."""
    cbr = kbps is not None
    frame_kbps = kbps if cbr else VBR_TAG_KBPS
    size = tag_frame_size(kbps=kbps, rate=rate)
    mode = 3 if channels == 1 else 1  # mono, else joint stereo as LAME encodes
    header = (
        (0x7FF << 21)
        | (3 << 19)
        | (1 << 17)
        | (1 << 16)
        | (BITRATES_KBPS.index(frame_kbps) << 12)
        | (SAMPLE_RATE_INDEX[rate] << 10)
        | (mode << 6)
    )
    side_info = 17 if channels == 1 else 32
    frames = frame_count(n_samples)
    body = bytearray(size)
    body[0:4] = header.to_bytes(4, "big")
    pos = 4 + side_info
    quality = 100 - 10 * (vbr_quality if vbr_quality is not None else 4) - QUALITY
    xing = bytearray(b"Info" if cbr else b"Xing")
    if cbr:
        audio_bytes = cbr_audio_bytes(n_samples, kbps=kbps, rate=rate)
        stream_bytes = size + audio_bytes
        toc = bytes(min(255, (i * 256) // 100) for i in range(100))
        xing += (0x1 | 0x2 | 0x4 | 0x8).to_bytes(4, "big")
        xing += frames.to_bytes(4, "big") + stream_bytes.to_bytes(4, "big") + toc
    else:
        stream_bytes = 0
        xing += (0x1 | 0x8).to_bytes(4, "big") + frames.to_bytes(4, "big")
    xing += quality.to_bytes(4, "big")
    padding = frames * SAMPLES_PER_FRAME - n_samples - ENCODER_DELAY
    source_rate = 1 if rate == 44100 else 2
    lame = bytearray(LAME_VERSION)
    lame.append(1 if cbr else VBR_MTRH)  # tag revision 0, VBR method
    lame.append(0)  # lowpass: not reported
    lame += bytes(8)  # ReplayGain: written as ID3 tags instead
    lame.append(0)  # encoding flags, ATH type
    lame.append(min(frame_kbps if cbr else 0, 255))
    lame += ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
    lame.append(source_rate << 6)
    lame.append(0)  # MP3 gain
    lame += bytes(2)  # preset, surround
    lame += stream_bytes.to_bytes(4, "big")
    lame += bytes(2)  # music CRC: not known before the stream is sent
    body[pos : pos + len(xing)] = xing
    pos += len(xing)
    body[pos : pos + len(lame)] = lame
    pos += len(lame)
    body[pos : pos + 2] = _crc16(bytes(body[:190])).to_bytes(2, "big")
    return bytes(body)


def mp3_encode(
    pcm_blocks: Iterable[bytes],
    *,
    n_samples: int,
    rate: int,
    channels: int,
    kbps: int | None,
    vbr_quality: int | None,
) -> Iterator[bytes]:
    """Yield the Info frame, then LAME's frames for interleaved s16 PCM blocks."""
    yield info_frame(
        n_samples=n_samples, rate=rate, channels=channels, kbps=kbps, vbr_quality=vbr_quality
    )
    encoder = lameenc.Encoder()
    encoder.silence()
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(QUALITY)
    if kbps is not None:
        encoder.set_bit_rate(kbps)
    else:
        encoder.set_vbr(VBR_MTRH)
        encoder.set_vbr_quality(vbr_quality)
    fed = False
    for block in pcm_blocks:
        fed = True
        if out := encoder.encode(block):
            yield bytes(out)
    if not fed:  # lameenc refuses to flush an encoder that never encoded
        encoder.encode(b"")
    if out := encoder.flush():
        yield bytes(out)
