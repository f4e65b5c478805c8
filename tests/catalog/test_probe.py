"""Test that the probe accepts every lossless container and rejects bad or hostile files early."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from tests.audio import write_audio
from tunemeter.catalog.exceptions import MasterRejected
from tunemeter.catalog.importing.probe import Limits, probe, probe_header

LIMITS = Limits(max_seconds=4 * 3600, max_sample_rate=384_000, max_channels=8)


def check(path: Path, limits: Limits = LIMITS):
    header = probe_header(path, limits=limits)
    return probe(path, header=header, limits=limits)


def rejected(path: Path, limits: Limits = LIMITS) -> str:
    with pytest.raises(MasterRejected) as info:
        check(path, limits)
    return info.value.reason


@pytest.mark.parametrize(
    ("kind", "ext", "codec"),
    [
        ("flac", "flac", "flac"),
        ("wav", "wav", "pcm_s16le"),
        ("aiff", "aiff", "pcm_s16be"),
        ("m4a", "m4a", "alac"),
        ("wv", "wv", "wavpack"),
    ],
)
def test_every_lossless_container_is_accepted(tmp_path, kind, ext, codec):
    path = write_audio(tmp_path / f"a.{ext}", kind=kind, seconds=0.5, seed=1)
    info = check(path)
    assert (info.codec, info.sample_rate, info.channels, info.bit_depth) == (codec, 44100, 2, 16)
    assert info.length_samples == 22050


@pytest.mark.parametrize("kind", ["flac", "wav", "aiff", "m4a"])
def test_hi_res_24_bit_96_khz_keeps_its_depth_and_rate(tmp_path, kind):
    path = write_audio(tmp_path / f"hr.{kind}", kind=kind, seconds=0.25, rate=96000, bits=24)
    info = check(path)
    assert (info.sample_rate, info.bit_depth, info.length_samples) == (96000, 24, 24000)


def test_mono_master_is_accepted(tmp_path):
    info = check(write_audio(tmp_path / "m.flac", channels=1, seconds=0.25))
    assert info.channels == 1


def test_audio_hash_ignores_tags_but_not_samples(tmp_path):
    from tests.audio import write_tags

    a = write_audio(tmp_path / "a.flac", seed=5, seconds=0.3)
    before = check(a).audio_sha256
    write_tags(a, {"title": "Renamed"})
    assert check(a).audio_sha256 == before
    assert check(write_audio(tmp_path / "b.flac", seed=6, seconds=0.3)).audio_sha256 != before


def test_truncated_flac_is_rejected(tmp_path):
    path = write_audio(tmp_path / "t.flac", seconds=2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    reason = rejected(path)
    assert "truncated" in reason or "does not decode" in reason


def test_flac_with_flipped_bytes_is_rejected(tmp_path):
    path = write_audio(tmp_path / "f.flac", seconds=2)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    reason = rejected(path)
    assert any(word in reason for word in ("decode", "truncated", "MD5"))


def test_flac_whose_audio_does_not_match_its_md5_is_rejected(tmp_path):
    # Frames intact, STREAMINFO's MD5 of the audio altered: only the MD5 check can tell.
    path = write_audio(tmp_path / "m.flac", seconds=0.5)
    data = bytearray(path.read_bytes())
    md5_offset = 8 + 18  # "fLaC", block header, then 18 bytes before the MD5
    data[md5_offset] ^= 0x01
    path.write_bytes(bytes(data))
    assert "MD5" in rejected(path)


def test_zero_byte_file_is_rejected(tmp_path):
    path = tmp_path / "empty.flac"
    path.write_bytes(b"")
    assert "empty" in rejected(path)


def test_text_renamed_flac_is_rejected(tmp_path):
    path = tmp_path / "notes.flac"
    path.write_text("These are liner notes, not audio.\n" * 20)
    assert "text" in rejected(path)


def test_lossy_files_are_rejected(tmp_path):
    mp3 = write_audio(tmp_path / "a.mp3", kind="mp3", seconds=0.5)
    assert "lossy" in rejected(mp3)
    aac = write_audio(tmp_path / "a.m4a", kind="aac.m4a", seconds=0.5)
    assert "lossy" in rejected(aac)


class Tripwire:
    """A FIFO and a TCP port that record whether anything tried to open them."""

    def __init__(self, tmp_path: Path) -> None:
        self.fifo = tmp_path / "secret.flac"
        os.mkfifo(self.fifo)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.tripped: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                # Opening a FIFO for writing without blocking succeeds only if a reader has it open.
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
                self.tripped.append("fifo opened")
            except OSError:
                pass
            try:
                conn, _ = self.server.accept()
                conn.close()
                self.tripped.append("tcp connection")
            except OSError:
                pass

    def close(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        self.server.close()
        return self.tripped


@pytest.mark.parametrize("kind", ["hls", "ffconcat"])
def test_playlists_renamed_flac_are_rejected_without_opening_what_they_name(tmp_path, kind):
    wire = Tripwire(tmp_path)
    url = f"http://127.0.0.1:{wire.port}/x.flac"
    if kind == "hls":
        text = (
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
            f"{wire.fifo}\n#EXTINF:10,\n{url}\n#EXT-X-ENDLIST\n"
        )
    else:
        text = f"ffconcat version 1.0\nfile '{wire.fifo}'\nfile '{url}'\n"
    path = tmp_path / f"{kind}.flac"
    path.write_text(text)
    reason = rejected(path)
    time.sleep(0.2)
    assert wire.close() == []
    assert "playlist" in reason or "concat" in reason


def test_forged_wav_header_is_rejected_at_probe_quickly(tmp_path):
    # RF64 header: 8 channels at 384 kHz, 16-bit, claiming 100 GB (≈ 4.5 h) of data.
    channels, rate, bits = 8, 384_000, 16
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * align, align, bits)
    ds64 = struct.pack("<QQQI", 10**11 + 100, 10**11, 10**11 // align, 0)
    header = (
        b"RF64"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVE"
        + b"ds64"
        + struct.pack("<I", len(ds64))
        + ds64
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", 0xFFFFFFFF)
    )
    path = tmp_path / "huge.wav"
    path.write_bytes(header + b"\0" * 4096)
    started = time.perf_counter()
    reason = rejected(path)
    assert time.perf_counter() - started < 0.2
    assert "4.5 h exceeds the limit" in reason


def test_wav_claiming_more_data_than_it_holds_is_rejected(tmp_path):
    path = write_audio(tmp_path / "cut.wav", kind="wav", seconds=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "truncated or forged" in rejected(path)


def test_limits_are_configurable(tmp_path):
    path = write_audio(tmp_path / "a.flac", seconds=0.5, channels=2)
    small = Limits(max_seconds=4 * 3600, max_sample_rate=384_000, max_channels=1)
    assert "2 channels exceed the limit of 1" in rejected(path, small)
    short = Limits(max_seconds=0, max_sample_rate=384_000, max_channels=8)
    assert "exceeds the limit" in rejected(path, short)
    low = Limits(max_seconds=3600, max_sample_rate=22050, max_channels=8)
    assert "44100 Hz exceeds" in rejected(path, low)


def test_wav_with_an_unknown_codec_tag_is_rejected_with_a_reason(tmp_path):
    """A WAVE format tag FFmpeg has no decoder for (found by fuzzing) is refused, not a crash.

    Before, PyAV's stream had no codec context and the probe raised AttributeError.
    """
    data = bytes(4000)
    fmt = struct.pack("<HHIIHH", 0x7777, 2, 44100, 44100 * 4, 4, 16)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "odd.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert "codec is unknown" in rejected(path)
