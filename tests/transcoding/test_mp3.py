"""Test the MP3 writer: exact CBR sizes over many lengths, gapless Info/LAME tag, frame count."""

from __future__ import annotations

import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode

from tunemeter.transcoding import mp3

LENGTHS = [0, 1, 575, 576, 1151, 1152, 1153, 4607, 44100, 44101, 99_999, 132_317]


def _encode(
    n: int, *, kbps: int | None, rate: int = 44100, channels: int = 2, vbr: int | None = None
):
    pcm = (np.random.default_rng(n).standard_normal((n, channels)) * 3000).astype("<i2").tobytes()
    blocks = [pcm[i : i + 65536] for i in range(0, len(pcm), 65536)]
    return b"".join(
        mp3.mp3_encode(
            blocks, n_samples=n, rate=rate, channels=channels, kbps=kbps, vbr_quality=vbr
        )
    )


def _frames(data: bytes) -> list[int]:
    """Return the size of every MPEG frame after the Info frame."""
    sizes, pos = [], 0
    while pos + 4 <= len(data):
        header = int.from_bytes(data[pos : pos + 4], "big")
        assert header >> 21 == 0x7FF, f"lost sync at {pos}"
        kbps = mp3.BITRATES_KBPS[(header >> 12) & 15]
        rate = [44100, 48000, 32000][(header >> 10) & 3]
        size = 144 * kbps * 1000 // rate + ((header >> 9) & 1)
        sizes.append(size)
        pos += size
    assert pos == len(data)
    return sizes[1:]


@pytest.mark.parametrize("kbps", [320, 256, 128])
@pytest.mark.parametrize("rate", [44100, 48000])
def test_cbr_size_is_exact_for_many_lengths(kbps, rate):
    for n in LENGTHS:
        data = _encode(n, kbps=kbps, rate=rate)
        expected = mp3.tag_frame_size(kbps=kbps, rate=rate) + mp3.cbr_audio_bytes(
            n, kbps=kbps, rate=rate
        )
        assert len(data) == expected, (kbps, rate, n)


@pytest.mark.parametrize("vbr", [None, 0])
def test_frame_count_formula_matches_lame(vbr):
    for n in LENGTHS:
        data = _encode(n, kbps=None if vbr is not None else 320, vbr=vbr, channels=1)
        assert len(_frames(data)) == mp3.frame_count(n), n


def test_info_tag_gives_players_the_exact_length(tmp_path):
    for n, kbps, vbr in [(132_317, 320, None), (100_000, None, 0), (44_101, None, 2)]:
        path = tmp_path / "a.mp3"
        path.write_bytes(_encode(n, kbps=kbps, vbr=vbr))
        info = MP3(path).info
        assert info.encoder_info.startswith("LAME 3.100")
        assert info.bitrate_mode == (BitrateMode.CBR if kbps else BitrateMode.VBR)
        # mutagen subtracts the LAME tag's encoder delay and padding from the frame count.
        assert info.length == pytest.approx(n / 44100, abs=1e-6)


def test_info_frame_crc_covers_its_first_190_bytes():
    frame = mp3.info_frame(n_samples=44100, rate=44100, channels=2, kbps=320, vbr_quality=None)
    lame = frame.index(b"LAME3.100")
    crc_at = lame + 34
    assert int.from_bytes(frame[crc_at : crc_at + 2], "big") == mp3._crc16(frame[:190])
    delay_padding = int.from_bytes(frame[lame + 21 : lame + 24], "big")
    assert delay_padding >> 12 == 576
    assert (delay_padding & 0xFFF) == mp3.frame_count(44100) * 1152 - 44100 - 576
